/* net_handshake.c — the transport's cryptography and encodings as pure
 * functions: Hello and Auth envelopes, session keys and the transcript
 * hash, the signed Auth message, and sealing and opening frames. No I/O and
 * no locks, so a fuzzer can drive every function here directly.
 *
 * Frame: header (4 bytes, big-endian body length) || body. A sealed body is
 * XChaCha20-Poly1305(plaintext) under the direction's session key with the
 * header as associated data and the frame's counter as nonce (16 zero bytes
 * || counter, big-endian); every direction starts at 0 with the Auth. */
#include "internal.h"

#include <sodium.h>
#include <string.h>

#include "wire.h"

_Static_assert(NET_KX_KEY_BYTES == crypto_kx_PUBLICKEYBYTES, "kx public key size");
_Static_assert(NET_KX_KEY_BYTES == crypto_kx_SECRETKEYBYTES, "kx secret key size");
_Static_assert(NET_SESSION_KEY_BYTES == crypto_kx_SESSIONKEYBYTES, "kx session key size");
_Static_assert(NET_SESSION_KEY_BYTES == crypto_aead_xchacha20poly1305_ietf_KEYBYTES, "aead key");
_Static_assert(NET_AEAD_TAG_BYTES == crypto_aead_xchacha20poly1305_ietf_ABYTES, "aead tag size");
_Static_assert(NET_PUBLIC_KEY_BYTES == crypto_sign_PUBLICKEYBYTES, "ed25519 public key size");
_Static_assert(NET_SECRET_KEY_BYTES == crypto_sign_SECRETKEYBYTES, "ed25519 secret key size");
_Static_assert(NET_SEED_BYTES == crypto_sign_SEEDBYTES, "ed25519 seed size");
_Static_assert(NET_SIGNATURE_BYTES == crypto_sign_BYTES, "ed25519 signature size");
_Static_assert(NET_PUBLIC_KEY_BYTES == WIRE_ED25519_KEY_BYTES, "Auth carries the key");
_Static_assert(NET_SIGNATURE_BYTES == WIRE_ED25519_SIG_BYTES, "Auth carries the signature");
_Static_assert(NET_KX_KEY_BYTES == WIRE_X25519_KEY_BYTES, "Hello carries the kx key");
_Static_assert(NET_TRANSCRIPT_BYTES == crypto_generichash_BYTES, "BLAKE2b-256");

#define NET_TAG_KEYS       "seqd/transport/v1/keys"
#define NET_TAG_TRANSCRIPT "seqd/transport/v1/transcript"
#define NET_TAG_AUTH       "seqd/transport/v1/auth" /* 22 bytes, in NET_AUTH_MESSAGE_BYTES */
#define NET_ROLE_DIALER    'D'
#define NET_ROLE_LISTENER  'L'

_Static_assert(sizeof NET_TAG_AUTH - 1 == 22, "NET_AUTH_MESSAGE_BYTES counts the tag");

/* Hello and Auth are a few dozen bytes; the arena also bounds what a
 * hostile handshake frame of NET_HANDSHAKE_BYTES_MAX bytes can make the
 * decoder allocate (exhaustion fails the decode cleanly). */
#define NET_HANDSHAKE_ARENA_BYTES (16u << 10)

void net_session_init(net_session *s)
{
    SEQ_ASSERT(s != NULL);
    crypto_kx_keypair(s->kx_public, s->kx_secret);
    sodium_memzero(s->key_rx, sizeof s->key_rx);
    sodium_memzero(s->key_tx, sizeof s->key_tx);
}

static seq_err handshake_encode(uint8_t *out, size_t out_cap, size_t *out_len, const wire_msg *m)
{
    _Alignas(SEQ_ARENA_ALIGN) uint8_t scratch_mem[NET_HANDSHAKE_ARENA_BYTES];
    seq_arena scratch;
    seq_arena_init(&scratch, scratch_mem, sizeof scratch_mem);
    return wire_encode(out, out_cap, out_len, &scratch, m);
}

static seq_err handshake_decode(wire_msg *out, wire_type type, const uint8_t *in, size_t in_len)
{
    _Alignas(SEQ_ARENA_ALIGN) uint8_t arena_mem[NET_HANDSHAKE_ARENA_BYTES];
    seq_arena arena;
    seq_arena_init(&arena, arena_mem, sizeof arena_mem);
    /* Too large is refused before decoding, with *out zeroed like any
     * other refusal (fuzz_handshake found it left uninitialised). */
    seq_err err =
        in_len > NET_HANDSHAKE_BYTES_MAX ? SEQ_ERR_TOO_LARGE : wire_decode(out, &arena, in, in_len);
    if (err == SEQ_OK && out->type != type)
        err = SEQ_ERR_MALFORMED;
    if (err != SEQ_OK)
        memset(out, 0, sizeof *out);
    return err;
}

seq_err net_hello_encode(uint8_t *out, size_t out_cap, size_t *out_len,
                         const seq_hash *genesis_hash, const uint8_t kx_public[NET_KX_KEY_BYTES])
{
    SEQ_ASSERT(out_len != NULL && genesis_hash != NULL && kx_public != NULL);
    wire_msg m = {.type = WIRE_HELLO};
    m.u.hello.genesis_hash = *genesis_hash;
    memcpy(m.u.hello.kx_public_key, kx_public, NET_KX_KEY_BYTES);
    return handshake_encode(out, out_cap, out_len, &m);
}

seq_err net_hello_decode(wire_hello *out, const uint8_t *in, size_t in_len)
{
    SEQ_ASSERT(out != NULL);
    SEQ_ASSERT(in != NULL || in_len == 0);
    wire_msg m;
    seq_err err = handshake_decode(&m, WIRE_HELLO, in, in_len);
    *out = m.u.hello;
    return err;
}

seq_err net_auth_encode(uint8_t *out, size_t out_cap, size_t *out_len, const wire_auth *auth)
{
    SEQ_ASSERT(out_len != NULL && auth != NULL);
    wire_msg m = {.type = WIRE_AUTH};
    m.u.auth = *auth;
    return handshake_encode(out, out_cap, out_len, &m);
}

seq_err net_auth_decode(wire_auth *out, const uint8_t *in, size_t in_len)
{
    SEQ_ASSERT(out != NULL);
    SEQ_ASSERT(in != NULL || in_len == 0);
    wire_msg m;
    seq_err err = handshake_decode(&m, WIRE_AUTH, in, in_len);
    *out = m.u.auth;
    return err;
}

static void hash_part(crypto_generichash_state *st, const uint8_t *part, size_t len)
{
    uint8_t len_be[4] = {(uint8_t)(len >> 24), (uint8_t)(len >> 16), (uint8_t)(len >> 8),
                         (uint8_t)len};
    crypto_generichash_update(st, len_be, sizeof len_be);
    crypto_generichash_update(st, part, len);
}

/* transcript = H(tag, hello_dialer, hello_listener, H(tag, key_d2l, key_l2d))
 * with every part length-prefixed, so both ends hash the same bytes. */
static void transcript_hash(uint8_t out[NET_TRANSCRIPT_BYTES], const net_session *s, bool dialer,
                            const uint8_t *hello_ours, size_t hello_ours_len,
                            const uint8_t *hello_theirs, size_t hello_theirs_len)
{
    const uint8_t *key_d2l = dialer ? s->key_tx : s->key_rx;
    const uint8_t *key_l2d = dialer ? s->key_rx : s->key_tx;
    uint8_t keys_hash[NET_TRANSCRIPT_BYTES];
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, sizeof keys_hash);
    hash_part(&st, (const uint8_t *)NET_TAG_KEYS, sizeof NET_TAG_KEYS - 1);
    hash_part(&st, key_d2l, NET_SESSION_KEY_BYTES);
    hash_part(&st, key_l2d, NET_SESSION_KEY_BYTES);
    crypto_generichash_final(&st, keys_hash, sizeof keys_hash);

    crypto_generichash_init(&st, NULL, 0, NET_TRANSCRIPT_BYTES);
    hash_part(&st, (const uint8_t *)NET_TAG_TRANSCRIPT, sizeof NET_TAG_TRANSCRIPT - 1);
    hash_part(&st, dialer ? hello_ours : hello_theirs, dialer ? hello_ours_len : hello_theirs_len);
    hash_part(&st, dialer ? hello_theirs : hello_ours, dialer ? hello_theirs_len : hello_ours_len);
    hash_part(&st, keys_hash, sizeof keys_hash);
    crypto_generichash_final(&st, out, NET_TRANSCRIPT_BYTES);
    sodium_memzero(&st, sizeof st);
}

seq_err net_session_derive(net_session *s, uint8_t transcript[NET_TRANSCRIPT_BYTES], bool dialer,
                           const uint8_t *hello_ours, size_t hello_ours_len,
                           const uint8_t *hello_theirs, size_t hello_theirs_len,
                           const uint8_t kx_public_theirs[NET_KX_KEY_BYTES])
{
    SEQ_ASSERT(s != NULL && transcript != NULL && kx_public_theirs != NULL);
    SEQ_ASSERT(hello_ours != NULL && hello_theirs != NULL);
    memset(transcript, 0, NET_TRANSCRIPT_BYTES);
    /* Our own key reflected back would make both directions share keys. */
    if (sodium_memcmp(kx_public_theirs, s->kx_public, NET_KX_KEY_BYTES) == 0)
        return SEQ_ERR_BAD_KEY;
    int rc = dialer ? crypto_kx_client_session_keys(s->key_rx, s->key_tx, s->kx_public,
                                                    s->kx_secret, kx_public_theirs)
                    : crypto_kx_server_session_keys(s->key_rx, s->key_tx, s->kx_public,
                                                    s->kx_secret, kx_public_theirs);
    sodium_memzero(s->kx_secret, sizeof s->kx_secret);
    if (rc != 0) {
        sodium_memzero(s->key_rx, sizeof s->key_rx);
        sodium_memzero(s->key_tx, sizeof s->key_tx);
        return SEQ_ERR_BAD_KEY;
    }
    transcript_hash(transcript, s, dialer, hello_ours, hello_ours_len, hello_theirs,
                    hello_theirs_len);
    return SEQ_OK;
}

void net_auth_message(uint8_t out[NET_AUTH_MESSAGE_BYTES], bool by_dialer,
                      const uint8_t transcript[NET_TRANSCRIPT_BYTES], const seq_addr *validator)
{
    SEQ_ASSERT(out != NULL && transcript != NULL && validator != NULL);
    size_t at = 0;
    memcpy(out + at, NET_TAG_AUTH, sizeof NET_TAG_AUTH - 1);
    at += sizeof NET_TAG_AUTH - 1;
    out[at++] = by_dialer ? NET_ROLE_DIALER : NET_ROLE_LISTENER;
    memcpy(out + at, transcript, NET_TRANSCRIPT_BYTES);
    at += NET_TRANSCRIPT_BYTES;
    memcpy(out + at, validator->b, SEQ_ADDR_BYTES);
    at += SEQ_ADDR_BYTES;
    SEQ_ASSERT(at == NET_AUTH_MESSAGE_BYTES);
}

bool net_signature_valid(const uint8_t pk[NET_PUBLIC_KEY_BYTES],
                         const uint8_t sig[NET_SIGNATURE_BYTES], const uint8_t *msg, size_t msg_len)
{
    SEQ_ASSERT(pk != NULL && sig != NULL && msg != NULL);
    return crypto_sign_verify_detached(sig, msg, msg_len, pk) == 0;
}

void net_frame_header(uint8_t out[NET_FRAME_HEADER_BYTES], uint32_t body_len)
{
    out[0] = (uint8_t)(body_len >> 24);
    out[1] = (uint8_t)(body_len >> 16);
    out[2] = (uint8_t)(body_len >> 8);
    out[3] = (uint8_t)body_len;
}

uint32_t net_frame_body_len(const uint8_t header[NET_FRAME_HEADER_BYTES])
{
    return (uint32_t)header[0] << 24 | (uint32_t)header[1] << 16 | (uint32_t)header[2] << 8 |
           (uint32_t)header[3];
}

bool net_frame_len_valid(net_conn_state state, uint32_t body_len)
{
    /* A Hello is at least one byte; every sealed body carries a tag. */
    uint32_t min = state == NET_CONN_HELLO ? 1u : NET_AEAD_TAG_BYTES;
    uint32_t max = state == NET_CONN_OPEN ? NET_FRAME_BYTES_MAX : NET_HANDSHAKE_BYTES_MAX;
    return body_len >= min && body_len <= max;
}

static void frame_nonce(uint8_t out[crypto_aead_xchacha20poly1305_ietf_NPUBBYTES], uint64_t n)
{
    memset(out, 0, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
    for (size_t i = 0; i < 8; i++)
        out[crypto_aead_xchacha20poly1305_ietf_NPUBBYTES - 1 - i] = (uint8_t)(n >> (8 * i));
}

void net_frame_seal(uint8_t *frame, const uint8_t *plain, size_t plain_len,
                    const uint8_t key[NET_SESSION_KEY_BYTES], uint64_t nonce)
{
    SEQ_ASSERT(frame != NULL && key != NULL);
    SEQ_ASSERT(plain != NULL || plain_len == 0);
    SEQ_ASSERT(plain_len <= NET_MSG_BYTES_MAX);
    /* A connection carries far fewer frames than 2^64; never reuse one. */
    SEQ_ASSERT(nonce != UINT64_MAX);
    net_frame_header(frame, (uint32_t)(plain_len + NET_AEAD_TAG_BYTES));
    uint8_t npub[crypto_aead_xchacha20poly1305_ietf_NPUBBYTES];
    frame_nonce(npub, nonce);
    unsigned long long sealed_len = 0;
    crypto_aead_xchacha20poly1305_ietf_encrypt(frame + NET_FRAME_HEADER_BYTES, &sealed_len, plain,
                                               plain_len, frame, NET_FRAME_HEADER_BYTES, NULL, npub,
                                               key);
    SEQ_ASSERT(sealed_len == plain_len + NET_AEAD_TAG_BYTES);
}

seq_err net_frame_open(uint8_t *body, size_t body_len, const uint8_t header[NET_FRAME_HEADER_BYTES],
                       const uint8_t key[NET_SESSION_KEY_BYTES], uint64_t nonce)
{
    SEQ_ASSERT(body != NULL && header != NULL && key != NULL);
    if (body_len < NET_AEAD_TAG_BYTES)
        return SEQ_ERR_TRUNCATED;
    uint8_t npub[crypto_aead_xchacha20poly1305_ietf_NPUBBYTES];
    frame_nonce(npub, nonce);
    unsigned long long plain_len = 0;
    /* libsodium verifies the tag before it writes, and allows m == c. */
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(body, &plain_len, NULL, body, body_len, header,
                                                   NET_FRAME_HEADER_BYTES, npub, key) != 0)
        return SEQ_ERR_BAD_SIGNATURE;
    SEQ_ASSERT(plain_len + NET_AEAD_TAG_BYTES == body_len);
    return SEQ_OK;
}
