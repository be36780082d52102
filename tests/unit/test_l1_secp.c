/* secp256k1 keys, signing and strict recovery; the EIP-155 example
 * transaction end to end (RLP, keccak, RFC 6979 signature). */
/* cmocka needs these headers before its own, in this order. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "l1.h"
#include "test_rng.h"

static const char order_hex[] = "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141";
static const char half_order_hex[] =
    "7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0";

static void unhex(uint8_t *out, size_t len, const char *hex)
{
    assert_int_equal(l1_hex_decode_exact(out, len, hex), SEQ_OK);
}

static void assert_zero(const void *p, size_t len)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < len; i++)
        assert_int_equal(b[i], 0);
}

/* 256-bit big-endian out = n - in (in < n). */
static void order_minus(uint8_t out[32], const uint8_t in[32])
{
    uint8_t n[32];
    unhex(n, 32, order_hex);
    int borrow = 0;
    for (int i = 31; i >= 0; i--) {
        int d = n[i] - in[i] - borrow;
        borrow = d < 0;
        out[i] = (uint8_t)(d + (borrow ? 256 : 0));
    }
    assert_int_equal(borrow, 0);
}

/* First use of the shared context from several threads at once. */
static void *sign_worker(void *arg)
{
    uint8_t key[32];
    memset(key, (int)(uintptr_t)arg, sizeof(key));
    seq_hash digest;
    l1_keccak256(&digest, key, sizeof(key));
    seq_sig sig;
    seq_addr signer;
    bool ok = l1_secp_address(&signer, key) == SEQ_OK;
    for (int i = 0; ok && i < 20; i++) {
        ok = l1_secp_sign(&sig, key, &digest) == SEQ_OK &&
             l1_secp_verify(&sig, &digest, &signer) == SEQ_OK;
        digest.b[0]++;
    }
    return ok ? arg : NULL;
}

static void test_concurrent_first_use(void **state)
{
    (void)state;
    pthread_t threads[4];
    for (uintptr_t i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&threads[i], NULL, sign_worker, (void *)(i + 1)), 0);
    for (uintptr_t i = 0; i < 4; i++) {
        void *ret = NULL;
        assert_int_equal(pthread_join(threads[i], &ret), 0);
        assert_true(ret == (void *)(i + 1));
    }
}

static void test_seckey_check(void **state)
{
    (void)state;
    uint8_t key[32];
    memset(key, 0, sizeof(key));
    assert_int_equal(l1_secp_seckey_check(key), SEQ_ERR_BAD_KEY);
    key[31] = 1;
    assert_int_equal(l1_secp_seckey_check(key), SEQ_OK);
    unhex(key, 32, order_hex);
    assert_int_equal(l1_secp_seckey_check(key), SEQ_ERR_BAD_KEY);
    key[31]--; /* n - 1 */
    assert_int_equal(l1_secp_seckey_check(key), SEQ_OK);
    memset(key, 0xff, sizeof(key));
    assert_int_equal(l1_secp_seckey_check(key), SEQ_ERR_BAD_KEY);

    /* Invalid keys: every output zeroed. */
    uint8_t pub[64];
    seq_addr addr;
    seq_sig sig;
    seq_hash digest = {{1}};
    memset(pub, 0xaa, sizeof(pub));
    memset(&addr, 0xaa, sizeof(addr));
    memset(&sig, 0xaa, sizeof(sig));
    assert_int_equal(l1_secp_pubkey(pub, key), SEQ_ERR_BAD_KEY);
    assert_int_equal(l1_secp_address(&addr, key), SEQ_ERR_BAD_KEY);
    assert_int_equal(l1_secp_sign(&sig, key, &digest), SEQ_ERR_BAD_KEY);
    assert_zero(pub, sizeof(pub));
    assert_zero(&addr, sizeof(addr));
    assert_zero(&sig, sizeof(sig));
}

static void test_generator(void **state)
{
    (void)state;
    /* Secret key 1: the public key is the generator G. */
    uint8_t key[32] = {0};
    key[31] = 1;
    uint8_t pub[64], want[64];
    assert_int_equal(l1_secp_pubkey(pub, key), SEQ_OK);
    unhex(want, 64,
          "79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"
          "483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8");
    assert_memory_equal(pub, want, 64);
    seq_addr a, b;
    l1_pubkey_address(&a, pub);
    assert_int_equal(l1_secp_address(&b, key), SEQ_OK);
    assert_true(seq_addr_equal(&a, &b));
    char text[43];
    l1_addr_checksum(text, &a);
    assert_string_equal(text, "0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf");
}

static void eip155_payload(l1_rlp_writer *w, const seq_addr *to, bool sig_fields)
{
    uint8_t value[8];
    unhex(value, 8, "0de0b6b3a7640000"); /* 1 ether */
    l1_rlp_put_u64(w, 9);
    l1_rlp_put_u64(w, 20000000000ULL);
    l1_rlp_put_u64(w, 21000);
    l1_rlp_put_bytes(w, to->b, sizeof(to->b));
    l1_rlp_put_uint_be(w, value, sizeof(value));
    l1_rlp_put_bytes(w, NULL, 0);
    if (!sig_fields) {
        l1_rlp_put_u64(w, 1); /* chainId, 0, 0 */
        l1_rlp_put_u64(w, 0);
        l1_rlp_put_u64(w, 0);
    }
}

/* Decodes the signed EIP-155 transaction back and recovers the sender. */
static void check_eip155_decode(const uint8_t *want, size_t want_len, const seq_addr *to,
                                const seq_sig *sig, const seq_hash *digest, const uint8_t *key)
{
    l1_rlp_item tx, field;
    assert_int_equal(l1_rlp_validate(want, want_len), SEQ_OK);
    assert_int_equal(l1_rlp_decode_single(&tx, want, want_len), SEQ_OK);
    l1_rlp_iter it;
    l1_rlp_iter_init(&it, &tx);
    uint64_t fields[7];
    for (int i = 0; i < 7; i++) {
        assert_int_equal(l1_rlp_iter_next(&it, &field), SEQ_OK);
        if (i == 3)
            assert_memory_equal(field.payload, to->b, 20);
        else
            assert_int_equal(l1_rlp_item_u64(&fields[i], &field), SEQ_OK);
    }
    assert_true(fields[0] == 9 && fields[1] == 20000000000ULL && fields[2] == 21000);
    assert_true(fields[4] == 1000000000000000000ULL && fields[5] == 0 && fields[6] == 37);
    seq_sig parsed = {{0}};
    assert_int_equal(l1_rlp_iter_next(&it, &field), SEQ_OK);
    assert_int_equal(l1_rlp_item_uint_be(parsed.b, 32, &field), SEQ_OK);
    assert_int_equal(l1_rlp_iter_next(&it, &field), SEQ_OK);
    assert_int_equal(l1_rlp_item_uint_be(parsed.b + 32, 32, &field), SEQ_OK);
    assert_true(l1_rlp_iter_done(&it));
    parsed.b[64] = (uint8_t)(fields[6] - 35 - 2 + 27);
    assert_memory_equal(parsed.b, sig->b, sizeof(sig->b));
    seq_addr sender, want_sender;
    assert_int_equal(l1_secp_recover(&sender, &parsed, digest), SEQ_OK);
    assert_int_equal(l1_secp_address(&want_sender, key), SEQ_OK);
    assert_true(seq_addr_equal(&sender, &want_sender));
    char text[43];
    l1_addr_checksum(text, &sender);
    assert_string_equal(text, "0x9d8A62f656a8d1615C1294fd71e9CFb3E4855A4F");
}

/* The example of EIP-155. */
static void test_eip155_example(void **state)
{
    (void)state;
    uint8_t key[32];
    memset(key, 0x46, sizeof(key));
    seq_addr to;
    memset(to.b, 0x35, sizeof(to.b));

    uint8_t rlp[256], want[256];
    l1_rlp_writer w;
    l1_rlp_writer_init(&w, rlp, sizeof(rlp));
    l1_rlp_list_begin(&w);
    eip155_payload(&w, &to, false);
    l1_rlp_list_end(&w);
    size_t len = 0, want_len = 0;
    assert_int_equal(l1_rlp_writer_finish(&w, &len), SEQ_OK);
    const char *signing =
        "0xec098504a817c800825208943535353535353535353535353535353535353535880de0b6"
        "b3a764000080018080";
    assert_int_equal(l1_hex_decode(want, sizeof(want), &want_len, signing, strlen(signing)),
                     SEQ_OK);
    assert_int_equal(len, want_len);
    assert_memory_equal(rlp, want, len);

    seq_hash digest, want_digest;
    l1_keccak256(&digest, rlp, len);
    unhex(want_digest.b, 32, "daf5a779ae972f972197303d7b574746c7ef83eadac0f2791ad23db92e4c8e53");
    assert_true(seq_hash_equal(&digest, &want_digest));

    seq_sig sig;
    assert_int_equal(l1_secp_sign(&sig, key, &digest), SEQ_OK);
    assert_true(sig.b[64] == 27 || sig.b[64] == 28);
    l1_rlp_writer_init(&w, rlp, sizeof(rlp));
    l1_rlp_list_begin(&w);
    eip155_payload(&w, &to, true);
    l1_rlp_put_u64(&w, (uint64_t)(sig.b[64] - 27) + 35 + 2 * 1); /* EIP-155 v */
    l1_rlp_put_uint_be(&w, sig.b, 32);
    l1_rlp_put_uint_be(&w, sig.b + 32, 32);
    l1_rlp_list_end(&w);
    assert_int_equal(l1_rlp_writer_finish(&w, &len), SEQ_OK);
    const char *signed_tx =
        "0xf86c098504a817c800825208943535353535353535353535353535353535353535880de0b6b3a764000080"
        "25a028ef61340bd939bc2195fe537567866003e1a15d3c71ff63e1590620aa636276a067cbe9d8997f761aecb7"
        "03304b3800ccf555c9f3dc64214b297fb1966a3b6d83";
    assert_int_equal(l1_hex_decode(want, sizeof(want), &want_len, signed_tx, strlen(signed_tx)),
                     SEQ_OK);
    assert_int_equal(len, want_len);
    assert_memory_equal(rlp, want, len);

    check_eip155_decode(want, want_len, &to, &sig, &digest, key);
}

static void random_key(uint8_t key[32])
{
    do
        rng_fill(key, 32);
    while (l1_secp_seckey_check(key) != SEQ_OK);
}

static void test_sign_recover_roundtrip(void **state)
{
    (void)state;
    rng_seed("sign_recover");
    uint8_t half[32];
    unhex(half, 32, half_order_hex);
    for (int i = 0; i < 200; i++) {
        uint8_t key[32];
        random_key(key);
        seq_hash digest;
        rng_fill(digest.b, sizeof(digest.b));
        seq_sig sig, again;
        assert_int_equal(l1_secp_sign(&sig, key, &digest), SEQ_OK);
        assert_int_equal(l1_secp_sign(&again, key, &digest), SEQ_OK);
        assert_memory_equal(sig.b, again.b, sizeof(sig.b)); /* deterministic */
        assert_true(memcmp(sig.b + 32, half, 32) <= 0);     /* low s */

        seq_addr signer, got;
        assert_int_equal(l1_secp_address(&signer, key), SEQ_OK);
        assert_int_equal(l1_secp_recover(&got, &sig, &digest), SEQ_OK);
        assert_true(seq_addr_equal(&got, &signer));
        assert_int_equal(l1_secp_verify(&sig, &digest, &signer), SEQ_OK);

        /* Another digest or another signer does not verify. */
        seq_hash other = digest;
        other.b[i % 32] ^= (uint8_t)(1u << (i % 8));
        assert_int_equal(l1_secp_verify(&sig, &other, &signer), SEQ_ERR_BAD_SIGNATURE);
        seq_addr wrong = signer;
        wrong.b[19] ^= 1;
        assert_int_equal(l1_secp_verify(&sig, &digest, &wrong), SEQ_ERR_BAD_SIGNATURE);
        /* The other recovery id gives another key. */
        seq_sig flipped = sig;
        flipped.b[64] ^= 27 ^ 28;
        seq_err err = l1_secp_recover(&got, &flipped, &digest);
        assert_true(err == SEQ_ERR_BAD_SIGNATURE ||
                    (err == SEQ_OK && !seq_addr_equal(&got, &signer)));
    }
}

/* RFC 6979 feeds the digest reduced mod n into the nonce derivation
 * (bits2octets). For a digest >= n that differs from hashing the raw bytes;
 * this vector was checked against a separate RFC 6979 computation. */
static void test_rfc6979_digest_above_order(void **state)
{
    (void)state;
    uint8_t key[32];
    unhex(key, 32, "18e34399abda248808fa9fab9a5f793228ab24518ed9a8ed35c6096d63b9b265");
    seq_hash digest;
    memset(digest.b, 0xff, sizeof(digest.b));
    seq_sig sig, want;
    assert_int_equal(l1_secp_sign(&sig, key, &digest), SEQ_OK);
    unhex(want.b, 65,
          "1055f96ef82e22241234e80b97a2387577eeb923d7ac27f3960d700786c7e64a"
          "59a26e8d09ea0169a502f080858cc82a5c6cd67e24df21321d0ee91de1db0907"
          "1b");
    assert_memory_equal(sig.b, want.b, 65);
    seq_addr signer;
    assert_int_equal(l1_secp_address(&signer, key), SEQ_OK);
    assert_int_equal(l1_secp_verify(&sig, &digest, &signer), SEQ_OK);
}

static void expect_reject(const seq_sig *sig, const seq_hash *digest, seq_err want)
{
    seq_addr out;
    memset(&out, 0xaa, sizeof(out));
    assert_int_equal(l1_secp_recover(&out, sig, digest), want);
    assert_zero(&out, sizeof(out));
    seq_addr any = {{0}};
    assert_int_equal(l1_secp_verify(sig, digest, &any), want);
}

static void test_recover_strict(void **state)
{
    (void)state;
    uint8_t key[32];
    memset(key, 0x46, sizeof(key));
    seq_hash digest;
    l1_keccak256(&digest, (const uint8_t *)"strict", 6);
    seq_sig good;
    assert_int_equal(l1_secp_sign(&good, key, &digest), SEQ_OK);
    seq_addr signer;
    assert_int_equal(l1_secp_address(&signer, key), SEQ_OK);

    static const uint8_t bad_v[] = {0, 1, 2, 3, 26, 29, 35, 36, 37, 38, 255};
    for (size_t i = 0; i < sizeof(bad_v); i++) {
        seq_sig s = good;
        s.b[64] = bad_v[i];
        expect_reject(&s, &digest, SEQ_ERR_BAD_SIGNATURE);
    }
    seq_sig s = good;
    memset(s.b, 0, 32); /* r = 0 */
    expect_reject(&s, &digest, SEQ_ERR_BAD_SIGNATURE);
    s = good;
    memset(s.b + 32, 0, 32); /* s = 0 */
    expect_reject(&s, &digest, SEQ_ERR_BAD_SIGNATURE);
    s = good;
    unhex(s.b, 32, order_hex); /* r = n */
    expect_reject(&s, &digest, SEQ_ERR_BAD_SIGNATURE);
    s = good;
    unhex(s.b + 32, 32, order_hex); /* s = n */
    expect_reject(&s, &digest, SEQ_ERR_BAD_SIGNATURE);
    s = good;
    memset(s.b + 32, 0xff, 32); /* s > n */
    expect_reject(&s, &digest, SEQ_ERR_BAD_SIGNATURE);

    /* The malleated twin (n - s, other v) is a valid ECDSA signature of the
     * same key, refused for its high s. */
    s = good;
    order_minus(s.b + 32, good.b + 32);
    s.b[64] ^= 27 ^ 28;
    expect_reject(&s, &digest, SEQ_ERR_HIGH_S);
    s.b[64] ^= 27 ^ 28;
    expect_reject(&s, &digest, SEQ_ERR_HIGH_S);
    /* s = n - 1 and s = n/2 + 1 are high; s = n/2 is the largest low s. */
    unhex(s.b + 32, 32, order_hex);
    s.b[63]--;
    expect_reject(&s, &digest, SEQ_ERR_HIGH_S);
    unhex(s.b + 32, 32, half_order_hex);
    s.b[63]++;
    expect_reject(&s, &digest, SEQ_ERR_HIGH_S);
    s.b[63]--;
    seq_addr out;
    seq_err err = l1_secp_recover(&out, &s, &digest);
    assert_true(err == SEQ_OK || err == SEQ_ERR_BAD_SIGNATURE);
    if (err == SEQ_OK)
        assert_false(seq_addr_equal(&out, &signer));

    /* The untouched signature still verifies. */
    assert_int_equal(l1_secp_verify(&good, &digest, &signer), SEQ_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_concurrent_first_use), /* must run first */
        cmocka_unit_test(test_seckey_check),
        cmocka_unit_test(test_generator),
        cmocka_unit_test(test_eip155_example),
        cmocka_unit_test(test_sign_recover_roundtrip),
        cmocka_unit_test(test_recover_strict),
        cmocka_unit_test(test_rfc6979_digest_above_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
