/* libFuzzer target: the transport's receive path (node/net_handshake.c and
 * the checks of node/net_conn.c): what a peer's bytes meet before and after
 * the handshake. The receiver is one connection of a real net (net_new, a
 * four-member committee, never started) driven without sockets through the
 * same checks, in the same order, as net_conn.c's receive chain: length
 * prefix, Hello, sealed Auth, sealed frames. libsodium's randomness is made
 * deterministic per input, so every input replays exactly.
 *
 * Byte 0 picks the mode (low two bits) and the receiver's role (bit 2: it
 * dialled validator 1; else it accepted):
 *   0  decoders: byte 1 picks net_hello_decode, net_auth_decode or
 *      net_frame_open (under a fixed key; bytes 2..9 the counter) for the
 *      rest. Oracle: a refusal zeroes the output; an accepted Hello or
 *      Auth re-encodes to exactly its bytes; an opened frame re-seals to
 *      exactly its bytes.
 *   1  raw stream: the rest is what a stranger sends. Oracle: only the
 *      documented close reasons; never past the Auth.
 *   2, 3 scripted peer: the harness is a peer with honest cryptography and
 *      hostile content. The rest is a script (one op byte and its operands
 *      per frame) for its Hello, its Auth and then data frames, each
 *      possibly bent (wrong genesis, reflected key, unknown or wrong
 *      validator, wrong key, bad signature or role, flipped byte, replayed,
 *      skipped counter, wrong direction's key, bad length, truncation).
 *      Oracle: the receiver's verdict is exactly the one node/README.md
 *      ("Handshake", "Frames") prescribes, both ends derive the same
 *      transcript and crossed session keys, and every frame that opens
 *      yields exactly the plaintext sealed.
 *
 * This file includes node/internal.h (the receive-path checks are
 * internal); it and fuzz_jsonrpc.c are the exceptions to "internal.h
 * stays in node/". */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "../node/internal.h"
#include "fuzz.h"

#define COMMITTEE    4u
#define SELF         0u
#define DIALED_PEER  1u          /* whom the receiver dialled in the dialled role */
#define UNKNOWN      4u          /* a validator index naming nobody in the committee */
#define SCRIPT_BIG   (64u << 10) /* largest scripted plaintext */
#define STREAM_BYTES (SCRIPT_BIG + 4096u)
#define WAIT         (NET_CLOSE_REASON_COUNT_ + 1u) /* a frame is incomplete */

/* ----------------------------------------------- deterministic libsodium */

static uint64_t rng_counter;

static void det_buf(void *const buf, const size_t size)
{
    uint8_t seed[randombytes_SEEDBYTES] = {0};
    uint64_t c = rng_counter++;
    memcpy(seed, &c, sizeof c);
    randombytes_buf_deterministic(buf, size, seed);
}

static uint32_t det_random(void)
{
    uint32_t v;
    det_buf(&v, sizeof v);
    return v;
}

static const char *det_name(void)
{
    return "seqd-fuzz-deterministic";
}

static randombytes_implementation det_impl = {
    .implementation_name = det_name, .random = det_random, .buf = det_buf};

/* ------------------------------------------------------------ the world */

static net *receiver_net;
static seq_hash genesis;
static seq_addr addresses[COMMITTEE + 1]; /* [UNKNOWN] is nobody */
static uint8_t seeds[COMMITTEE][NET_SEED_BYTES];
static uint8_t secret_keys[COMMITTEE][NET_SECRET_KEY_BYTES];
static uint8_t public_keys[COMMITTEE][NET_PUBLIC_KEY_BYTES];
static const uint8_t frame_key[NET_SESSION_KEY_BYTES] = {0x6b, 0x65, 0x79}; /* mode 0 */

static net_conn conn;
static net_session conn_session, peer_session;
static uint8_t stream[STREAM_BYTES], scratch[STREAM_BYTES], plain[STREAM_BYTES];
static uint8_t expected[SCRIPT_BIG]; /* the plaintext a scripted frame must open to */

static void world_init(void)
{
    SEQ_ASSERT(randombytes_set_implementation(&det_impl) == 0);
    SEQ_ASSERT(sodium_init() >= 0);
    memset(genesis.b, 0x47, sizeof genesis.b);
    net_peer_config peers[COMMITTEE];
    static const char *const urls[COMMITTEE] = {"tcp://127.0.0.1:1", "tcp://127.0.0.1:2",
                                                "tcp://127.0.0.1:3", "tcp://127.0.0.1:4"};
    for (uint32_t i = 0; i <= COMMITTEE; i++)
        memset(addresses[i].b, 0x10 + (int)i, SEQ_ADDR_BYTES);
    for (uint32_t i = 0; i < COMMITTEE; i++) {
        memset(seeds[i], 0xa0 + (int)i, NET_SEED_BYTES);
        crypto_sign_seed_keypair(public_keys[i], secret_keys[i], seeds[i]);
        peers[i] = (net_peer_config){.address = addresses[i], .url = urls[i]};
        memcpy(peers[i].transport_public_key, public_keys[i], NET_PUBLIC_KEY_BYTES);
    }
    net_config config = {.peers = peers,
                         .peer_count = COMMITTEE,
                         .self_index = SELF,
                         .transport_secret_key = seeds[SELF],
                         .transport_secret_key_len = NET_SEED_BYTES,
                         .genesis_hash = genesis};
    SEQ_ASSERT(net_new(&receiver_net, &config) == SEQ_OK);
}

/* A fresh connection in the Hello state, as net_conn_start_locked makes it. */
static void conn_reset(bool dialed)
{
    memset(&conn, 0, sizeof conn);
    conn.n = receiver_net;
    conn.session = &conn_session;
    conn.dialed = dialed;
    conn.peer = dialed ? DIALED_PEER : NET_PEER_NONE;
    net_conn_hello_prepare(&conn);
    SEQ_ASSERT(conn.state == NET_CONN_HELLO && conn.hello_len > 0);
}

static bool reason_documented(uint32_t r)
{
    switch (r) {
    case NET_CLOSE_FRAME_SIZE:
    case NET_CLOSE_MALFORMED:
    case NET_CLOSE_GENESIS_MISMATCH:
    case NET_CLOSE_UNKNOWN_VALIDATOR:
    case NET_CLOSE_WRONG_KEY:
    case NET_CLOSE_BAD_SIGNATURE:
    case NET_CLOSE_WRONG_PEER:
    case NET_CLOSE_DECRYPT_FAILED:
    case NET_CLOSE_NONE:
    case WAIT:
        return true;
    default:
        return false;
    }
}

/* ------------------------------------------------------ the receive path */

/* One frame from in[0..avail), as net_conn.c's receive chain handles it:
 * the length prefix is checked before the body is read; the body goes to
 * hs_rx during the handshake and to an exactly sized heap buffer after.
 * Returns the verdict (WAIT if the frame is incomplete), *used the bytes
 * taken, and for an opened data frame its plaintext in plain[0..*plain_len)
 * (a keepalive is empty). *named is who an Auth named. */
static uint32_t rx_frame(const uint8_t *in, size_t avail, size_t *used, size_t *plain_len,
                         uint32_t *named)
{
    *used = 0;
    *plain_len = 0;
    *named = NET_PEER_NONE;
    if (avail < NET_FRAME_HEADER_BYTES)
        return WAIT;
    uint32_t len = net_frame_body_len(in);
    if (!net_frame_len_valid(conn.state, len))
        return NET_CLOSE_FRAME_SIZE;
    if (avail - NET_FRAME_HEADER_BYTES < len)
        return WAIT;
    *used = NET_FRAME_HEADER_BYTES + len;
    memcpy(conn.rx_header, in, NET_FRAME_HEADER_BYTES);
    const uint8_t *body = in + NET_FRAME_HEADER_BYTES;
    conn.rx_want = len;
    uint32_t r = NET_CLOSE_NONE;
    if (conn.state == NET_CONN_HELLO) {
        SEQ_ASSERT(len <= sizeof conn.hs_rx);
        memcpy(conn.hs_rx, body, len);
        r = net_conn_hello_check(&conn);
        if (r == NET_CLOSE_NONE)
            conn.state = NET_CONN_AUTH;
    } else if (conn.state == NET_CONN_AUTH) {
        memcpy(conn.hs_rx, body, len);
        r = net_conn_auth_check(&conn, named);
        if (r == NET_CLOSE_NONE) {
            SEQ_ASSERT(*named != NET_PEER_NONE && *named != SELF);
            conn.state = NET_CONN_OPEN;
            conn.peer = *named;
        }
    } else {
        uint8_t *heap = malloc(len); /* exact size: ASan sees any overrun */
        SEQ_ASSERT(heap != NULL);
        memcpy(heap, body, len);
        r = net_conn_frame_open(&conn, heap, len);
        if (r == NET_CLOSE_NONE) {
            *plain_len = len - NET_AEAD_TAG_BYTES;
            memcpy(plain, heap, *plain_len);
        }
        free(heap);
    }
    SEQ_ASSERT(reason_documented(r));
    return r;
}

/* ---------------------------------------------------- mode 0: decoders */

static void run_decoders(const uint8_t *in, size_t len)
{
    if (len == 0)
        return;
    uint8_t which = in[0] % 3;
    in++;
    len--;
    size_t out_len = 0;
    if (which == 0) {
        wire_hello h;
        seq_err err = net_hello_decode(&h, in, len);
        if (err != SEQ_OK) {
            static const wire_hello zero;
            SEQ_ASSERT(err < SEQ_ERR_COUNT_ && memcmp(&h, &zero, sizeof h) == 0);
            return;
        }
        SEQ_ASSERT(net_hello_encode(scratch, sizeof scratch, &out_len, &h.genesis_hash,
                                    h.kx_public_key) == SEQ_OK);
        SEQ_ASSERT(out_len == len && memcmp(scratch, in, len) == 0);
    } else if (which == 1) {
        wire_auth a;
        seq_err err = net_auth_decode(&a, in, len);
        if (err != SEQ_OK) {
            static const wire_auth zero;
            SEQ_ASSERT(err < SEQ_ERR_COUNT_ && memcmp(&a, &zero, sizeof a) == 0);
            return;
        }
        SEQ_ASSERT(net_auth_encode(scratch, sizeof scratch, &out_len, &a) == SEQ_OK);
        SEQ_ASSERT(out_len == len && memcmp(scratch, in, len) == 0);
    } else {
        if (len < 8 || len - 8 > NET_FRAME_BYTES_MAX)
            return;
        uint64_t nonce = 0;
        for (size_t i = 0; i < 8; i++)
            nonce = nonce << 8 | in[i];
        size_t body_len = len - 8;
        uint8_t header[NET_FRAME_HEADER_BYTES];
        net_frame_header(header, (uint32_t)body_len);
        uint8_t *body = malloc(body_len + 1);
        SEQ_ASSERT(body != NULL);
        memcpy(body, in + 8, body_len);
        seq_err err = net_frame_open(body, body_len, header, frame_key, nonce);
        SEQ_ASSERT(err == SEQ_OK || err == SEQ_ERR_TRUNCATED || err == SEQ_ERR_BAD_SIGNATURE);
        SEQ_ASSERT((err == SEQ_ERR_TRUNCATED) == (body_len < NET_AEAD_TAG_BYTES));
        if (err == SEQ_OK && nonce != UINT64_MAX) {
            uint8_t *again = malloc(NET_FRAME_HEADER_BYTES + body_len);
            SEQ_ASSERT(again != NULL);
            net_frame_seal(again, body, body_len - NET_AEAD_TAG_BYTES, frame_key, nonce);
            SEQ_ASSERT(memcmp(again, header, NET_FRAME_HEADER_BYTES) == 0);
            SEQ_ASSERT(memcmp(again + NET_FRAME_HEADER_BYTES, in + 8, body_len) == 0);
            free(again);
        }
        free(body);
    }
}

/* -------------------------------------------------- mode 1: raw stream */

static void run_raw(const uint8_t *in, size_t len)
{
    size_t at = 0;
    for (;;) {
        size_t used = 0, plain_len = 0;
        uint32_t named = NET_PEER_NONE;
        uint32_t r = rx_frame(in + at, len - at, &used, &plain_len, &named);
        /* A stranger has no committee key: it cannot get past the Auth. */
        SEQ_ASSERT(conn.state != NET_CONN_OPEN);
        if (r != NET_CLOSE_NONE)
            return;
        at += used;
    }
}

/* ---------------------------------------------- mode 2: scripted peer */

typedef struct {
    const uint8_t *p;
    size_t left;
} script;

static uint8_t take(script *s)
{
    if (s->left == 0)
        return 0;
    s->left--;
    return *s->p++;
}

/* The peer's half of the handshake, and its send counter. */
static uint8_t peer_transcript[NET_TRANSCRIPT_BYTES];
static uint64_t peer_nonce;
static size_t last_frame_len; /* the previous sealed frame, kept in scratch */

/* Feeds frame[0..len) (or its first `cut` bytes) and checks the verdict
 * against want (or any documented one, if want is NET_CLOSE_REASON_COUNT_
 * + 2). Returns the verdict. */
#define ANY (NET_CLOSE_REASON_COUNT_ + 2u)
static uint32_t feed(const uint8_t *frame, size_t len, size_t cut, uint32_t want, uint32_t *named)
{
    size_t used = 0, plain_len = 0;
    size_t avail = cut < len ? cut : len;
    uint32_t r = rx_frame(frame, avail, &used, &plain_len, named);
    if (avail < len && r != NET_CLOSE_FRAME_SIZE) {
        SEQ_ASSERT(r == WAIT); /* a truncated frame waits for the deadline */
        return WAIT;
    }
    if (want != ANY)
        SEQ_ASSERT(r == want);
    if (r == NET_CLOSE_NONE)
        SEQ_ASSERT(used == len);
    return r;
}

/* Hello: op % 4 = honest, wrong genesis, our own key reflected, raw bytes.
 * Returns false when the script cannot go on. */
static bool script_hello(script *s, bool dialed)
{
    uint8_t op = take(s);
    size_t cut = op & 0x80 ? take(s) : SIZE_MAX;
    net_session_init(&peer_session);
    seq_hash g = genesis;
    const uint8_t *key = peer_session.kx_public;
    uint32_t want = NET_CLOSE_NONE;
    size_t body_len = 0;
    if (op % 4 == 1) {
        g.b[take(s) % SEQ_HASH_BYTES] ^= 1;
        want = NET_CLOSE_GENESIS_MISMATCH;
    } else if (op % 4 == 2) {
        key = conn.session->kx_public;
        want = NET_CLOSE_MALFORMED;
    }
    if (op % 4 == 3) {
        size_t want_len = take(s); /* SEQ_MIN evaluates its arguments twice */
        body_len = SEQ_MIN(want_len, s->left);
        memcpy(stream + NET_FRAME_HEADER_BYTES, s->p, body_len);
        s->p += body_len;
        s->left -= body_len;
        want = ANY;
    } else {
        SEQ_ASSERT(net_hello_encode(stream + NET_FRAME_HEADER_BYTES, NET_HANDSHAKE_BYTES_MAX,
                                    &body_len, &g, key) == SEQ_OK);
    }
    net_frame_header(stream, (uint32_t)body_len);
    uint32_t named;
    uint32_t r = feed(stream, NET_FRAME_HEADER_BYTES + body_len, cut, want, &named);
    if (r != NET_CLOSE_NONE || op % 4 == 3)
        return false; /* closed, waiting, or a Hello whose secret we lack */
    /* Both ends derive the same transcript and crossed keys. */
    SEQ_ASSERT(net_session_derive(&peer_session, peer_transcript, !dialed,
                                  stream + NET_FRAME_HEADER_BYTES, body_len,
                                  conn.hello_tx + NET_FRAME_HEADER_BYTES, conn.hello_len,
                                  conn.session->kx_public) == SEQ_OK);
    SEQ_ASSERT(memcmp(peer_transcript, conn.transcript, NET_TRANSCRIPT_BYTES) == 0);
    SEQ_ASSERT(memcmp(peer_session.key_tx, conn.session->key_rx, NET_SESSION_KEY_BYTES) == 0);
    SEQ_ASSERT(memcmp(peer_session.key_rx, conn.session->key_tx, NET_SESSION_KEY_BYTES) == 0);
    peer_nonce = 0;
    return true;
}

/* What the receiver must answer to an Auth claiming validator v, carrying
 * key k, signed with signer's key over a message that is right or not. */
static uint32_t auth_expected(bool dialed, uint32_t v, uint32_t k, uint32_t signer, bool msg_ok,
                              uint32_t *named)
{
    *named = NET_PEER_NONE;
    if (v == UNKNOWN)
        return NET_CLOSE_UNKNOWN_VALIDATOR;
    if (v == SELF || (dialed && v != DIALED_PEER))
        return NET_CLOSE_WRONG_PEER;
    *named = v;
    if (k != v)
        return NET_CLOSE_WRONG_KEY;
    if (signer != v || !msg_ok)
        return NET_CLOSE_BAD_SIGNATURE;
    return NET_CLOSE_NONE;
}

/* Auth: flags (bit 0 flip a sealed byte, 1 wrong role, 2 bad signature,
 * 3 nonce 1, 4 raw plaintext, 5 wrong transcript, 7 truncate), then the
 * claimed validator, the carried key and the signer. */
static bool script_auth(script *s, bool dialed)
{
    uint8_t flags = take(s);
    uint32_t v = take(s) % (COMMITTEE + 1);
    uint32_t k = take(s) % COMMITTEE;
    uint32_t signer = take(s) % COMMITTEE;
    size_t cut = flags & 0x80 ? take(s) : SIZE_MAX;
    size_t plain_len = 0;
    if (flags & 0x10) {
        size_t want_len = take(s); /* SEQ_MIN evaluates its arguments twice */
        plain_len = SEQ_MIN(want_len, s->left);
        plain_len = SEQ_MIN(plain_len, NET_HANDSHAKE_BYTES_MAX - NET_AEAD_TAG_BYTES);
        memcpy(plain, s->p, plain_len);
        s->p += plain_len;
        s->left -= plain_len;
    } else {
        wire_auth auth = {.validator = addresses[v]};
        memcpy(auth.transport_public_key, public_keys[k], NET_PUBLIC_KEY_BYTES);
        uint8_t message[NET_AUTH_MESSAGE_BYTES];
        uint8_t transcript[NET_TRANSCRIPT_BYTES];
        memcpy(transcript, peer_transcript, sizeof transcript);
        if (flags & 0x20)
            transcript[take(s) % NET_TRANSCRIPT_BYTES] ^= 0x01;
        net_auth_message(message, (flags & 0x02) ? dialed : !dialed, transcript, &addresses[v]);
        crypto_sign_detached(auth.transcript_sig, NULL, message, sizeof message,
                             secret_keys[signer]);
        if (flags & 0x04)
            auth.transcript_sig[take(s) % NET_SIGNATURE_BYTES] ^= 0x80;
        SEQ_ASSERT(net_auth_encode(plain, NET_HANDSHAKE_BYTES_MAX - NET_AEAD_TAG_BYTES, &plain_len,
                                   &auth) == SEQ_OK);
    }
    uint64_t nonce = (flags & 0x08) ? 1 : 0;
    net_frame_seal(stream, plain, plain_len, peer_session.key_tx, nonce);
    size_t len = NET_FRAME_HEADER_BYTES + plain_len + NET_AEAD_TAG_BYTES;
    if (flags & 0x01)
        stream[NET_FRAME_HEADER_BYTES + take(s) % (len - NET_FRAME_HEADER_BYTES)] ^= 0x04;
    uint32_t named_want = NET_PEER_NONE;
    bool msg_ok = !(flags & 0x02) && !(flags & 0x04) && !(flags & 0x20);
    uint32_t want = auth_expected(dialed, v, k, signer, msg_ok, &named_want);
    if (flags & 0x09) {
        want = NET_CLOSE_DECRYPT_FAILED;
        named_want = NET_PEER_NONE;
    } else if (flags & 0x10) {
        want = ANY;
    }
    uint32_t named = NET_PEER_NONE;
    uint32_t r = feed(stream, len, cut, want, &named);
    if (want != ANY && r == want)
        SEQ_ASSERT(named == named_want);
    memcpy(scratch, stream, len);
    last_frame_len = len;
    peer_nonce = 1;
    return r == NET_CLOSE_NONE;
}

/* Data frames: op % 8 = honest, flipped byte, replay of the previous
 * frame, skipped counter, bad length prefix, big honest frame, sealed with
 * the receiver's own sending key, truncated. */
static void script_frames(script *s)
{
    while (s->left > 0) {
        uint8_t op = take(s);
        size_t plain_len = take(s);
        if (op % 8 == 5)
            plain_len = (plain_len << 8 | take(s)) % (SCRIPT_BIG + 1);
        for (size_t i = 0; i < plain_len; i++)
            plain[i] = (uint8_t)(i * 31 + op);
        memcpy(expected, plain, plain_len);
        const uint8_t *key = op % 8 == 6 ? peer_session.key_rx : peer_session.key_tx;
        uint64_t nonce = peer_nonce + (op % 8 == 3 ? 1 : 0);
        size_t len = NET_FRAME_HEADER_BYTES + plain_len + NET_AEAD_TAG_BYTES;
        net_frame_seal(stream, plain, plain_len, key, nonce);
        uint32_t want = NET_CLOSE_NONE;
        size_t cut = SIZE_MAX;
        switch (op % 8) {
        case 1:
            stream[take(s) % len] ^= (uint8_t)(1u << (op >> 5));
            /* A flipped length prefix may become a bad size or a wait. */
            want = ANY;
            break;
        case 2:
            if (last_frame_len == 0)
                continue;
            memcpy(stream, scratch, last_frame_len);
            len = last_frame_len;
            want = NET_CLOSE_DECRYPT_FAILED;
            break;
        case 3:
        case 6:
            want = NET_CLOSE_DECRYPT_FAILED;
            break;
        case 4: {
            /* Above the cap (up to 0xffffffff) or below a tag. */
            uint8_t pick = take(s);
            uint32_t bad = pick % 2 ? (uint32_t)NET_FRAME_BYTES_MAX + 1u +
                                          ((uint32_t)pick << 24 | (uint32_t)take(s) << 8)
                                    : pick % NET_AEAD_TAG_BYTES;
            if (pick == 0xff)
                bad = UINT32_MAX;
            net_frame_header(stream, bad);
            want = NET_CLOSE_FRAME_SIZE;
            len = NET_FRAME_HEADER_BYTES;
            break;
        }
        case 7:
            cut = take(s) % len;
            break;
        default:
            break;
        }
        uint32_t named;
        uint32_t r = feed(stream, len, cut, want, &named);
        if (op % 8 == 1)
            SEQ_ASSERT(r != NET_CLOSE_NONE); /* any flipped bit is caught */
        if (r != NET_CLOSE_NONE)
            return; /* closed (or waiting for the deadline) */
        SEQ_ASSERT(conn.nonce_rx == peer_nonce + 1);
        SEQ_ASSERT(memcmp(plain, expected, plain_len) == 0);
        if (len <= SCRIPT_BIG) {
            memcpy(scratch, stream, len);
            last_frame_len = len;
        }
        peer_nonce++;
    }
}

static void run_script(const uint8_t *in, size_t len, bool dialed)
{
    script s = {.p = in, .left = len};
    last_frame_len = 0;
    if (!script_hello(&s, dialed))
        return;
    if (!script_auth(&s, dialed))
        return;
    script_frames(&s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (receiver_net == NULL)
        world_init();
    if (size == 0)
        return 0;
    rng_counter = 0; /* the same input draws the same keys */
    bool dialed = (data[0] & 0x04) != 0;
    conn_reset(dialed);
    switch (data[0] & 0x03) {
    case 0:
        run_decoders(data + 1, size - 1);
        break;
    case 1:
        run_raw(data + 1, size - 1);
        break;
    default:
        run_script(data + 1, size - 1, dialed);
        break;
    }
    sodium_memzero(&conn_session, sizeof conn_session);
    return 0;
}
