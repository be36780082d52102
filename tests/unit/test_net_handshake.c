/* net_handshake: the transport's receive-path checks without sockets (the
 * functions fuzz/fuzz_handshake.c drives): the length-prefix bounds per
 * state, the Hello and Auth decoders' refusals, a full handshake between
 * two connections of one net checked step by step, every Auth refusal with
 * the peer it is counted against, and frames that are replayed, reordered,
 * flipped or sealed with the wrong key. Also the regressions of what the
 * fuzzer found.
 *
 * Includes node/internal.h, like the fuzz target: these checks are
 * internal to node/. */
/* cmocka needs these headers before its own, in this order. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "../../node/internal.h"

#define COMMITTEE 3u

static net *nets[COMMITTEE]; /* one per validator, never started */
static seq_hash genesis;
static seq_addr addresses[COMMITTEE];
static uint8_t seeds[COMMITTEE][NET_SEED_BYTES];
static uint8_t secret_keys[COMMITTEE][NET_SECRET_KEY_BYTES];
static uint8_t public_keys[COMMITTEE][NET_PUBLIC_KEY_BYTES];

static int setup_group(void **state)
{
    (void)state;
    if (sodium_init() < 0)
        return -1;
    memset(genesis.b, 0x47, sizeof genesis.b);
    static const char *const urls[COMMITTEE] = {"tcp://127.0.0.1:1", "tcp://127.0.0.1:2",
                                                "tcp://127.0.0.1:3"};
    net_peer_config peers[COMMITTEE];
    for (uint32_t i = 0; i < COMMITTEE; i++) {
        memset(addresses[i].b, 0x10 + (int)i, SEQ_ADDR_BYTES);
        memset(seeds[i], 0xa0 + (int)i, NET_SEED_BYTES);
        crypto_sign_seed_keypair(public_keys[i], secret_keys[i], seeds[i]);
        peers[i] = (net_peer_config){.address = addresses[i], .url = urls[i]};
        memcpy(peers[i].transport_public_key, public_keys[i], NET_PUBLIC_KEY_BYTES);
    }
    for (uint32_t i = 0; i < COMMITTEE; i++) {
        net_config config = {.peers = peers,
                             .peer_count = COMMITTEE,
                             .self_index = i,
                             .transport_secret_key = seeds[i],
                             .transport_secret_key_len = NET_SEED_BYTES,
                             .genesis_hash = genesis};
        if (net_new(&nets[i], &config) != SEQ_OK)
            return -1;
    }
    return 0;
}

static int teardown_group(void **state)
{
    (void)state;
    for (uint32_t i = 0; i < COMMITTEE; i++)
        net_free(nets[i]);
    return 0;
}

/* One end of a connection without sockets: a net_conn as
 * net_conn_start_locked makes it. */
typedef struct {
    net_conn c;
    net_session session;
} end;

static void end_init(end *e, uint32_t self, bool dialed, uint32_t peer)
{
    memset(e, 0, sizeof *e);
    e->c.n = nets[self];
    e->c.session = &e->session;
    e->c.dialed = dialed;
    e->c.peer = dialed ? peer : NET_PEER_NONE;
    net_conn_hello_prepare(&e->c);
}

/* Delivers frame[0..) to e as its receive chain does; returns the verdict
 * and, for an Auth, who it named. */
static net_close_reason deliver(end *e, const uint8_t *frame, uint32_t *named)
{
    uint32_t len = net_frame_body_len(frame);
    *named = NET_PEER_NONE;
    if (!net_frame_len_valid(e->c.state, len))
        return NET_CLOSE_FRAME_SIZE;
    memcpy(e->c.rx_header, frame, NET_FRAME_HEADER_BYTES);
    e->c.rx_want = len;
    net_close_reason r;
    if (e->c.state == NET_CONN_HELLO) {
        memcpy(e->c.hs_rx, frame + NET_FRAME_HEADER_BYTES, len);
        r = net_conn_hello_check(&e->c);
        if (r == NET_CLOSE_NONE)
            e->c.state = NET_CONN_AUTH;
    } else if (e->c.state == NET_CONN_AUTH) {
        memcpy(e->c.hs_rx, frame + NET_FRAME_HEADER_BYTES, len);
        r = net_conn_auth_check(&e->c, named);
        if (r == NET_CLOSE_NONE)
            e->c.state = NET_CONN_OPEN;
    } else {
        uint8_t *body = malloc(len);
        assert_non_null(body);
        memcpy(body, frame + NET_FRAME_HEADER_BYTES, len);
        r = net_conn_frame_open(&e->c, body, len);
        free(body);
    }
    return r;
}

/* e's sealed Auth, as conn_auth_prepare_locked makes it but with the
 * claimed validator, the carried key and the signer chosen. */
static size_t auth_frame(uint8_t *out, end *e, uint32_t claim, uint32_t key, uint32_t signer)
{
    wire_auth auth = {.validator = addresses[claim]};
    memcpy(auth.transport_public_key, public_keys[key], NET_PUBLIC_KEY_BYTES);
    uint8_t message[NET_AUTH_MESSAGE_BYTES];
    net_auth_message(message, e->c.dialed, e->c.transcript, &auth.validator);
    crypto_sign_detached(auth.transcript_sig, NULL, message, sizeof message, secret_keys[signer]);
    uint8_t plain[NET_HANDSHAKE_BYTES_MAX];
    size_t plain_len = 0;
    assert_int_equal(net_auth_encode(plain, sizeof plain, &plain_len, &auth), SEQ_OK);
    net_frame_seal(out, plain, plain_len, e->session.key_tx, e->c.nonce_tx++);
    return NET_FRAME_HEADER_BYTES + plain_len + NET_AEAD_TAG_BYTES;
}

/* Validator d dials validator l: exchanges Hellos. */
static void hellos(end *dialer, end *listener, uint32_t d, uint32_t l)
{
    end_init(dialer, d, true, l);
    end_init(listener, l, false, NET_PEER_NONE);
    uint32_t named;
    assert_int_equal(deliver(listener, dialer->c.hello_tx, &named), NET_CLOSE_NONE);
    assert_int_equal(deliver(dialer, listener->c.hello_tx, &named), NET_CLOSE_NONE);
    assert_memory_equal(dialer->c.transcript, listener->c.transcript, NET_TRANSCRIPT_BYTES);
    assert_memory_equal(dialer->session.key_tx, listener->session.key_rx, NET_SESSION_KEY_BYTES);
    assert_memory_equal(dialer->session.key_rx, listener->session.key_tx, NET_SESSION_KEY_BYTES);
}

static void test_frame_len_bounds(void **state)
{
    (void)state;
    assert_false(net_frame_len_valid(NET_CONN_HELLO, 0));
    assert_true(net_frame_len_valid(NET_CONN_HELLO, 1));
    assert_true(net_frame_len_valid(NET_CONN_HELLO, NET_HANDSHAKE_BYTES_MAX));
    assert_false(net_frame_len_valid(NET_CONN_HELLO, NET_HANDSHAKE_BYTES_MAX + 1));
    assert_false(net_frame_len_valid(NET_CONN_AUTH, NET_AEAD_TAG_BYTES - 1));
    assert_true(net_frame_len_valid(NET_CONN_AUTH, NET_AEAD_TAG_BYTES));
    assert_false(net_frame_len_valid(NET_CONN_AUTH, NET_HANDSHAKE_BYTES_MAX + 1));
    assert_false(net_frame_len_valid(NET_CONN_OPEN, NET_AEAD_TAG_BYTES - 1));
    assert_true(net_frame_len_valid(NET_CONN_OPEN, NET_AEAD_TAG_BYTES)); /* a keepalive */
    assert_true(net_frame_len_valid(NET_CONN_OPEN, NET_FRAME_BYTES_MAX));
    assert_false(net_frame_len_valid(NET_CONN_OPEN, NET_FRAME_BYTES_MAX + 1));
    assert_false(net_frame_len_valid(NET_CONN_OPEN, UINT32_MAX));
}

/* Regression (fuzz_handshake, decoder mode): a Hello or Auth longer than
 * NET_HANDSHAKE_BYTES_MAX was refused with SEQ_ERR_TOO_LARGE but left *out
 * uninitialised instead of zeroed. */
static void test_decode_too_large_zeroes(void **state)
{
    (void)state;
    static uint8_t big[NET_HANDSHAKE_BYTES_MAX + 44];
    wire_hello hello;
    memset(&hello, 0xaa, sizeof hello);
    assert_int_equal(net_hello_decode(&hello, big, sizeof big), SEQ_ERR_TOO_LARGE);
    static const wire_hello hello_zero;
    assert_memory_equal(&hello, &hello_zero, sizeof hello);
    wire_auth auth;
    memset(&auth, 0xaa, sizeof auth);
    assert_int_equal(net_auth_decode(&auth, big, sizeof big), SEQ_ERR_TOO_LARGE);
    static const wire_auth auth_zero;
    assert_memory_equal(&auth, &auth_zero, sizeof auth);
}

/* Encoders and decoders agree, and a Hello is not an Auth. */
static void test_hello_auth_round_trip(void **state)
{
    (void)state;
    uint8_t buf[NET_HANDSHAKE_BYTES_MAX];
    size_t len = 0;
    uint8_t kx[NET_KX_KEY_BYTES];
    memset(kx, 0x33, sizeof kx);
    assert_int_equal(net_hello_encode(buf, sizeof buf, &len, &genesis, kx), SEQ_OK);
    wire_hello hello;
    assert_int_equal(net_hello_decode(&hello, buf, len), SEQ_OK);
    assert_true(seq_hash_equal(&hello.genesis_hash, &genesis));
    assert_memory_equal(hello.kx_public_key, kx, sizeof kx);
    wire_auth auth;
    assert_int_equal(net_auth_decode(&auth, buf, len), SEQ_ERR_MALFORMED);
    wire_auth a = {.validator = addresses[1]};
    memset(a.transcript_sig, 0x55, sizeof a.transcript_sig);
    assert_int_equal(net_auth_encode(buf, sizeof buf, &len, &a), SEQ_OK);
    assert_int_equal(net_auth_decode(&auth, buf, len), SEQ_OK);
    assert_memory_equal(&auth, &a, sizeof a);
    assert_int_equal(net_hello_decode(&hello, buf, len), SEQ_ERR_MALFORMED);
    assert_int_not_equal(net_hello_decode(&hello, buf, 0), SEQ_OK);
}

/* Both directions authenticate; frames open in order and only once. */
static void test_handshake_and_frames(void **state)
{
    (void)state;
    end d, l;
    hellos(&d, &l, 0, 1);
    uint8_t frame[512], replay[512];
    uint32_t named;
    auth_frame(frame, &d, 0, 0, 0);
    assert_int_equal(deliver(&l, frame, &named), NET_CLOSE_NONE);
    assert_int_equal(named, 0);
    auth_frame(frame, &l, 1, 1, 1);
    assert_int_equal(deliver(&d, frame, &named), NET_CLOSE_NONE);
    assert_int_equal(named, 1);

    const uint8_t msg[] = "one message";
    net_frame_seal(frame, msg, sizeof msg, d.session.key_tx, d.c.nonce_tx++);
    memcpy(replay, frame, sizeof frame);
    assert_int_equal(deliver(&l, frame, &named), NET_CLOSE_NONE);
    /* The same frame again: the receiver tries only the next counter. */
    assert_int_equal(deliver(&l, replay, &named), NET_CLOSE_DECRYPT_FAILED);

    /* Reordered: counter 3 before 2. */
    hellos(&d, &l, 0, 1);
    auth_frame(frame, &d, 0, 0, 0);
    assert_int_equal(deliver(&l, frame, &named), NET_CLOSE_NONE);
    net_frame_seal(frame, msg, sizeof msg, d.session.key_tx, 2);
    assert_int_equal(deliver(&l, frame, &named), NET_CLOSE_DECRYPT_FAILED);

    /* Sealed under the receiver's own sending key (reflected). */
    hellos(&d, &l, 0, 1);
    auth_frame(frame, &d, 0, 0, 0);
    assert_int_equal(deliver(&l, frame, &named), NET_CLOSE_NONE);
    net_frame_seal(frame, msg, sizeof msg, l.session.key_tx, 1);
    assert_int_equal(deliver(&l, frame, &named), NET_CLOSE_DECRYPT_FAILED);

    /* One flipped bit anywhere in a frame (its length kept). */
    for (size_t at = NET_FRAME_HEADER_BYTES; at < NET_FRAME_HEADER_BYTES + sizeof msg + 16; at++) {
        hellos(&d, &l, 0, 1);
        auth_frame(frame, &d, 0, 0, 0);
        assert_int_equal(deliver(&l, frame, &named), NET_CLOSE_NONE);
        net_frame_seal(frame, msg, sizeof msg, d.session.key_tx, 1);
        frame[at] ^= 0x10;
        assert_int_equal(deliver(&l, frame, &named), NET_CLOSE_DECRYPT_FAILED);
    }
}

/* Every Auth refusal, and whom it is counted against. */
static void test_auth_refusals(void **state)
{
    (void)state;
    end d, l;
    uint8_t frame[512];
    uint32_t named;
    struct {
        uint32_t claim, key, signer;
        net_close_reason want;
        uint32_t named;
    } cases[] = {
        {2, 2, 2, NET_CLOSE_NONE, 2},                   /* accepted: any other member */
        {1, 1, 1, NET_CLOSE_WRONG_PEER, NET_PEER_NONE}, /* claims the listener itself */
        {2, 0, 0, NET_CLOSE_WRONG_KEY, 2},              /* a key not genesis's for 2 */
        {2, 2, 0, NET_CLOSE_BAD_SIGNATURE, 2},          /* genesis's key, signed by another */
    };
    for (size_t i = 0; i < SEQ_ARRAY_LEN(cases); i++) {
        hellos(&d, &l, 0, 1);
        auth_frame(frame, &d, cases[i].claim, cases[i].key, cases[i].signer);
        assert_int_equal(deliver(&l, frame, &named), cases[i].want);
        assert_int_equal(named, cases[i].named);
    }
    /* A dialled connection must authenticate as the one dialled. */
    hellos(&d, &l, 0, 1);
    auth_frame(frame, &l, 2, 2, 2);
    assert_int_equal(deliver(&d, frame, &named), NET_CLOSE_WRONG_PEER);
    assert_int_equal(named, NET_PEER_NONE);
    /* A signature for the other role (a reflected Auth) does not pass. */
    hellos(&d, &l, 0, 1);
    d.c.dialed = false; /* sign as the listener would */
    auth_frame(frame, &d, 0, 0, 0);
    d.c.dialed = true;
    assert_int_equal(deliver(&l, frame, &named), NET_CLOSE_BAD_SIGNATURE);
    assert_int_equal(named, 0);
    /* An unknown validator. */
    hellos(&d, &l, 0, 1);
    wire_auth auth = {0};
    memset(auth.validator.b, 0x99, SEQ_ADDR_BYTES);
    uint8_t plain[NET_HANDSHAKE_BYTES_MAX];
    size_t plain_len = 0;
    assert_int_equal(net_auth_encode(plain, sizeof plain, &plain_len, &auth), SEQ_OK);
    net_frame_seal(frame, plain, plain_len, d.session.key_tx, 0);
    assert_int_equal(deliver(&l, frame, &named), NET_CLOSE_UNKNOWN_VALIDATOR);
    assert_int_equal(named, NET_PEER_NONE);
    /* Garbage sealed correctly is malformed; sealed wrongly, undecryptable. */
    hellos(&d, &l, 0, 1);
    memset(plain, 0xff, 40);
    net_frame_seal(frame, plain, 40, d.session.key_tx, 0);
    assert_int_equal(deliver(&l, frame, &named), NET_CLOSE_MALFORMED);
    hellos(&d, &l, 0, 1);
    net_frame_seal(frame, plain, 40, d.session.key_tx, 1);
    assert_int_equal(deliver(&l, frame, &named), NET_CLOSE_DECRYPT_FAILED);
}

/* Hello refusals: another genesis, our own key reflected, a low-order
 * key, not a Hello, a bad length prefix. */
static void test_hello_refusals(void **state)
{
    (void)state;
    end e;
    uint8_t frame[NET_FRAME_HEADER_BYTES + NET_HANDSHAKE_BYTES_MAX];
    size_t len = 0;
    uint32_t named;
    uint8_t kx[NET_KX_KEY_BYTES];
    memset(kx, 0x21, sizeof kx);

    end_init(&e, 1, false, NET_PEER_NONE);
    seq_hash other = genesis;
    other.b[31] ^= 1;
    assert_int_equal(net_hello_encode(frame + 4, NET_HANDSHAKE_BYTES_MAX, &len, &other, kx),
                     SEQ_OK);
    net_frame_header(frame, (uint32_t)len);
    assert_int_equal(deliver(&e, frame, &named), NET_CLOSE_GENESIS_MISMATCH);

    end_init(&e, 1, false, NET_PEER_NONE);
    assert_int_equal(deliver(&e, e.c.hello_tx, &named), NET_CLOSE_MALFORMED); /* reflected */

    end_init(&e, 1, false, NET_PEER_NONE);
    memset(kx, 0, sizeof kx); /* the shared secret would be zero */
    assert_int_equal(net_hello_encode(frame + 4, NET_HANDSHAKE_BYTES_MAX, &len, &genesis, kx),
                     SEQ_OK);
    net_frame_header(frame, (uint32_t)len);
    assert_int_equal(deliver(&e, frame, &named), NET_CLOSE_MALFORMED);

    end_init(&e, 1, false, NET_PEER_NONE);
    memset(frame, 0, sizeof frame);
    net_frame_header(frame, 7);
    assert_int_equal(deliver(&e, frame, &named), NET_CLOSE_MALFORMED);
    net_frame_header(frame, NET_HANDSHAKE_BYTES_MAX + 1);
    assert_int_equal(deliver(&e, frame, &named), NET_CLOSE_FRAME_SIZE);
    net_frame_header(frame, 0);
    assert_int_equal(deliver(&e, frame, &named), NET_CLOSE_FRAME_SIZE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_frame_len_bounds),
        cmocka_unit_test(test_decode_too_large_zeroes),
        cmocka_unit_test(test_hello_auth_round_trip),
        cmocka_unit_test(test_handshake_and_frames),
        cmocka_unit_test(test_auth_refusals),
        cmocka_unit_test(test_hello_refusals),
    };
    return cmocka_run_group_tests(tests, setup_group, teardown_group);
}
