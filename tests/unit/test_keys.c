/* Tests for the key directory (node/keys.c): sealed and plaintext round
 * trips, every refusal on load, O_EXCL, tampering, public/secret mismatch
 * and the passphrase sources. Argon2id runs at INTERACTIVE cost. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <jansson.h>
#include <sodium.h>

#include "l1.h"
#include "node.h"
#include "test_files.h"

#define PASSPHRASE "correct horse battery staple"

typedef struct {
    char *dir;                /* the test's temporary directory */
    char keys[TF_PATH_BYTES]; /* dir/keys */
    node_key_passphrase pass; /* PASSPHRASE */
    uint8_t validator[32];    /* fixed secrets */
    uint8_t transport_seed[32];
} fixture;

static void passphrase_of(node_key_passphrase *out, const char *text)
{
    char path[TF_PATH_BYTES];
    char *dir = tf_mkdtemp();
    tf_write(tf_join(path, dir, "pass"), text, 0600);
    node_diag why;
    assert_int_equal(node_key_passphrase_read(out, &why, path, NULL), SEQ_OK);
    tf_rmtree(dir);
    free(dir);
}

/* The texts of one sealed key directory, written once for the whole group
 * (Argon2id is the slow part) and restored before each use. */
static char *sealed_texts[2];

static void fixed_secrets(uint8_t validator[32], uint8_t transport_seed[32])
{
    for (size_t i = 0; i < 32; i++) {
        validator[i] = (uint8_t)(i + 1);
        transport_seed[i] = (uint8_t)(0xa0 + i);
    }
}

static int group_setup(void **state)
{
    (void)state;
    char *dir = tf_mkdtemp();
    char keys[TF_PATH_BYTES], path[TF_PATH_BYTES];
    node_key_passphrase pass;
    passphrase_of(&pass, PASSPHRASE);
    uint8_t validator[32], transport_seed[32];
    fixed_secrets(validator, transport_seed);
    node_key_public pub;
    node_diag why;
    assert_int_equal(node_key_write(&pub, &why, tf_join(keys, dir, "keys"), validator,
                                    transport_seed, &pass, NODE_KEY_KDF_INTERACTIVE),
                     SEQ_OK);
    sealed_texts[0] = tf_read(tf_join(path, keys, NODE_KEY_FILE_VALIDATOR));
    sealed_texts[1] = tf_read(tf_join(path, keys, NODE_KEY_FILE_TRANSPORT));
    node_key_passphrase_free(&pass);
    tf_rmtree(dir);
    free(dir);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    free(sealed_texts[0]);
    free(sealed_texts[1]);
    return 0;
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    f->dir = tf_mkdtemp();
    tf_join(f->keys, f->dir, "keys");
    passphrase_of(&f->pass, PASSPHRASE "\n");
    fixed_secrets(f->validator, f->transport_seed);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    node_key_passphrase_free(&f->pass);
    tf_rmtree(f->dir);
    free(f->dir);
    free(f);
    return 0;
}

/* A fresh copy of the sealed key directory in f->keys. */
static void write_sealed(fixture *f)
{
    char path[TF_PATH_BYTES];
    tf_rmtree(f->keys);
    assert_int_equal(mkdir(f->keys, 0700), 0);
    tf_write(tf_join(path, f->keys, NODE_KEY_FILE_VALIDATOR), sealed_texts[0], 0600);
    tf_write(tf_join(path, f->keys, NODE_KEY_FILE_TRANSPORT), sealed_texts[1], 0600);
}

static void write_insecure(fixture *f, const char *dir)
{
    node_key_public pub;
    node_diag why;
    assert_int_equal(node_key_write(&pub, &why, dir, f->validator, f->transport_seed, NULL,
                                    NODE_KEY_KDF_INTERACTIVE),
                     SEQ_OK);
}

/* The public halves the fixed secrets must give. */
static void expected_public(const fixture *f, node_key_public *out)
{
    assert_int_equal(l1_secp_address(&out->validator_address, f->validator), SEQ_OK);
    uint8_t sk[64];
    crypto_sign_seed_keypair(out->transport_public_key, sk, f->transport_seed);
}

static void assert_zeroed_keys(const node_keys *k)
{
    node_keys zero;
    memset(&zero, 0, sizeof zero);
    assert_memory_equal(k, &zero, sizeof zero);
}

/* Loads f->keys expecting failure with code and a message containing text. */
static void expect_load_error(fixture *f, const node_key_passphrase *pass, bool allow_insecure,
                              seq_err code, const char *text)
{
    node_keys keys;
    node_diag why;
    memset(&keys, 0xaa, sizeof keys);
    assert_int_equal(node_key_load(&keys, &why, f->keys, pass, allow_insecure), code);
    assert_zeroed_keys(&keys);
    if (strstr(why.text, text) == NULL)
        fail_msg("diagnostic \"%s\" lacks \"%s\"", why.text, text);
}

/* Replaces member name of the JSON file path with value (stolen). */
static void edit_json(const char *path, const char *name, json_t *value)
{
    json_error_t e;
    json_t *root = json_load_file(path, 0, &e);
    assert_non_null(root);
    if (value == NULL)
        assert_int_equal(json_object_del(root, name), 0);
    else
        assert_int_equal(json_object_set_new(root, name, value), 0);
    char *text = json_dumps(root, JSON_INDENT(2));
    assert_non_null(text);
    tf_write(path, text, 0600);
    free(text);
    json_decref(root);
}

/* Flips one hex digit of the string member name (inside object obj if not
 * NULL). */
static void flip_hex(const char *path, const char *obj, const char *name, size_t at)
{
    json_error_t e;
    json_t *root = json_load_file(path, 0, &e);
    assert_non_null(root);
    json_t *parent = obj != NULL ? json_object_get(root, obj) : root;
    char *s = strdup(json_string_value(json_object_get(parent, name)));
    assert_non_null(s);
    assert_true(at >= 2 && at < strlen(s));
    s[at] = s[at] == '0' ? '1' : '0';
    json_object_set_new(parent, name, json_string(s));
    free(s);
    char *text = json_dumps(root, JSON_INDENT(2));
    tf_write(path, text, 0600);
    free(text);
    json_decref(root);
}

static void test_sealed_round_trip(void **state)
{
    fixture *f = *state;
    node_key_public pub, want;
    node_diag why;
    assert_int_equal(node_key_write(&pub, &why, f->keys, f->validator, f->transport_seed, &f->pass,
                                    NODE_KEY_KDF_INTERACTIVE),
                     SEQ_OK);
    expected_public(f, &want);
    assert_memory_equal(&pub, &want, sizeof pub);

    char path[TF_PATH_BYTES];
    assert_int_equal(tf_mode(f->keys), 0700);
    assert_int_equal(tf_mode(tf_join(path, f->keys, NODE_KEY_FILE_VALIDATOR)), 0600);
    char *text = tf_read(path);
    assert_non_null(strstr(text, "\"kind\": \"seqd-validator-key\""));
    assert_non_null(strstr(text, "\"alg\": \"argon2id13\""));
    assert_null(strstr(text, "secret"));
    char checksum[43];
    l1_addr_checksum(checksum, &want.validator_address);
    assert_non_null(strstr(text, checksum));
    free(text);
    assert_int_equal(tf_mode(tf_join(path, f->keys, NODE_KEY_FILE_TRANSPORT)), 0600);

    node_keys keys;
    assert_int_equal(node_key_load(&keys, &why, f->keys, &f->pass, false), SEQ_OK);
    assert_string_equal(why.text, "");
    assert_false(keys.insecure);
    assert_memory_equal(&keys.pub, &want, sizeof want);
    assert_memory_equal(keys.secrets->validator, f->validator, 32);
    assert_memory_equal(keys.secrets->transport_seed, f->transport_seed, 32);
    uint8_t pk[32], sk[64];
    crypto_sign_seed_keypair(pk, sk, f->transport_seed);
    assert_memory_equal(keys.secrets->transport, sk, 64);
    node_key_free(&keys);
    assert_zeroed_keys(&keys);
    node_key_free(&keys); /* a zeroed one is fine */

    node_key_public read;
    assert_int_equal(node_key_read_public(&read, &why, f->keys), SEQ_OK);
    assert_memory_equal(&read, &want, sizeof want);
}

static void test_insecure_round_trip(void **state)
{
    fixture *f = *state;
    tf_rmtree(f->keys);
    write_insecure(f, f->keys);
    char path[TF_PATH_BYTES];
    char *text = tf_read(tf_join(path, f->keys, NODE_KEY_FILE_TRANSPORT));
    assert_non_null(strstr(text, "\"insecure\": true"));
    free(text);

    node_keys keys;
    node_diag why;
    node_key_public want;
    expected_public(f, &want);
    /* accepted with allow_insecure, passphrase or not */
    assert_int_equal(node_key_load(&keys, &why, f->keys, NULL, true), SEQ_OK);
    assert_true(keys.insecure);
    assert_memory_equal(&keys.pub, &want, sizeof want);
    assert_memory_equal(keys.secrets->validator, f->validator, 32);
    node_key_free(&keys);
    assert_int_equal(node_key_load(&keys, &why, f->keys, &f->pass, true), SEQ_OK);
    node_key_free(&keys);
    /* refused without */
    expect_load_error(f, NULL, false, SEQ_ERR_UNSUPPORTED, "--insecure-key");
    expect_load_error(f, &f->pass, false, SEQ_ERR_UNSUPPORTED, "plaintext");
}

static void test_generate(void **state)
{
    fixture *f = *state;
    char a[TF_PATH_BYTES], b[TF_PATH_BYTES];
    node_key_public pa, pb;
    node_diag why;
    /* plaintext, to keep Argon2id out of it: sealing is tested above */
    assert_int_equal(
        node_key_generate(&pa, &why, tf_join(a, f->dir, "a"), NULL, NODE_KEY_KDF_INTERACTIVE),
        SEQ_OK);
    assert_int_equal(
        node_key_generate(&pb, &why, tf_join(b, f->dir, "b"), NULL, NODE_KEY_KDF_INTERACTIVE),
        SEQ_OK);
    assert_false(seq_addr_equal(&pa.validator_address, &pb.validator_address));
    assert_memory_not_equal(pa.transport_public_key, pb.transport_public_key, 32);
    node_keys keys;
    assert_int_equal(node_key_load(&keys, &why, a, NULL, true), SEQ_OK);
    assert_memory_equal(&keys.pub, &pa, sizeof pa);
    assert_int_equal(l1_secp_seckey_check(keys.secrets->validator), SEQ_OK);
    node_key_free(&keys);
    assert_int_equal(node_key_load(&keys, &why, b, NULL, true), SEQ_OK);
    assert_memory_equal(&keys.pub, &pb, sizeof pb);
    node_key_free(&keys);
}

static void test_wrong_passphrase(void **state)
{
    fixture *f = *state;
    write_sealed(f);
    node_key_passphrase other;
    passphrase_of(&other, PASSPHRASE "!");
    expect_load_error(f, &other, false, SEQ_ERR_BAD_KEY, "wrong passphrase or corrupt key file");
    expect_load_error(f, &other, true, SEQ_ERR_BAD_KEY, "validator.key");
    node_key_passphrase_free(&other);
    expect_load_error(f, NULL, false, SEQ_ERR_INVALID_ARG, "no passphrase was given");
    expect_load_error(f, NULL, true, SEQ_ERR_INVALID_ARG, "is sealed");
}

static void test_permissions(void **state)
{
    fixture *f = *state;
    write_sealed(f);
    char path[TF_PATH_BYTES];
    tf_join(path, f->keys, NODE_KEY_FILE_TRANSPORT);
    const mode_t too_open[] = {0640, 0604, 0644, 0660, 0666, 0610, 0601};
    for (size_t i = 0; i < SEQ_ARRAY_LEN(too_open); i++) {
        assert_int_equal(chmod(path, too_open[i]), 0);
        expect_load_error(f, &f->pass, false, SEQ_ERR_UNSUPPORTED, "are too open");
    }
    assert_int_equal(chmod(path, 0400), 0);
    node_keys keys;
    node_diag why;
    assert_int_equal(node_key_load(&keys, &why, f->keys, &f->pass, false), SEQ_OK);
    node_key_free(&keys);
    /* reading the public halves does not care */
    assert_int_equal(chmod(path, 0644), 0);
    node_key_public pub;
    assert_int_equal(node_key_read_public(&pub, &why, f->keys), SEQ_OK);
}

static void test_never_overwrites(void **state)
{
    fixture *f = *state;
    write_sealed(f);
    char path[TF_PATH_BYTES];
    char *before = tf_read(tf_join(path, f->keys, NODE_KEY_FILE_VALIDATOR));
    node_key_public pub;
    node_diag why;
    assert_int_equal(node_key_generate(&pub, &why, f->keys, &f->pass, NODE_KEY_KDF_INTERACTIVE),
                     SEQ_ERR_EXISTS);
    assert_non_null(strstr(why.text, "already exists; refusing to overwrite"));
    node_key_public zero = {0};
    assert_memory_equal(&pub, &zero, sizeof zero);
    char *after = tf_read(path);
    assert_string_equal(before, after);
    free(before);
    free(after);

    /* only transport.key present: nothing is created beside it */
    char other[TF_PATH_BYTES], file[TF_PATH_BYTES];
    tf_join(other, f->dir, "other");
    assert_int_equal(mkdir(other, 0700), 0);
    tf_write(tf_join(file, other, NODE_KEY_FILE_TRANSPORT), "mine", 0600);
    assert_int_equal(node_key_generate(&pub, &why, other, NULL, NODE_KEY_KDF_INTERACTIVE),
                     SEQ_ERR_EXISTS);
    assert_non_null(strstr(why.text, NODE_KEY_FILE_TRANSPORT));
    assert_int_equal(access(tf_join(file, other, NODE_KEY_FILE_VALIDATOR), F_OK), -1);
    char *mine = tf_read(tf_join(file, other, NODE_KEY_FILE_TRANSPORT));
    assert_string_equal(mine, "mine");
    free(mine);

    /* a file where the directory should be */
    tf_write(tf_join(file, f->dir, "plain"), "x", 0600);
    assert_int_equal(node_key_generate(&pub, &why, file, NULL, NODE_KEY_KDF_INTERACTIVE),
                     SEQ_ERR_IO);
    assert_non_null(strstr(why.text, "not a directory"));
}

static void test_tampered(void **state)
{
    fixture *f = *state;
    char path[TF_PATH_BYTES];
    const struct {
        const char *obj, *name;
        size_t at;
        const char *file;
    } flips[] = {
        {NULL, "ciphertext", 2, NODE_KEY_FILE_VALIDATOR},
        {NULL, "ciphertext", 97, NODE_KEY_FILE_TRANSPORT}, /* its last digit */
        {NULL, "nonce", 10, NODE_KEY_FILE_VALIDATOR},
        {"kdf", "salt", 5, NODE_KEY_FILE_TRANSPORT},
    };
    for (size_t i = 0; i < SEQ_ARRAY_LEN(flips); i++) {
        write_sealed(f);
        flip_hex(tf_join(path, f->keys, flips[i].file), flips[i].obj, flips[i].name, flips[i].at);
        expect_load_error(f, &f->pass, false, SEQ_ERR_BAD_KEY,
                          "wrong passphrase or corrupt key file");
    }
    /* a different (valid) cost derives a different box key */
    write_sealed(f);
    json_error_t e;
    tf_join(path, f->keys, NODE_KEY_FILE_VALIDATOR);
    json_t *root = json_load_file(path, 0, &e);
    json_object_set_new(json_object_get(root, "kdf"), "opslimit", json_integer(3));
    json_dump_file(root, path, 0);
    json_decref(root);
    expect_load_error(f, &f->pass, false, SEQ_ERR_BAD_KEY, "wrong passphrase");
    /* a cost beyond the accepted range is refused before any work */
    root = json_load_file(path, 0, &e);
    json_object_set_new(json_object_get(root, "kdf"), "memlimit",
                        json_integer((json_int_t)4 << 30));
    json_dump_file(root, path, 0);
    json_decref(root);
    expect_load_error(f, &f->pass, false, SEQ_ERR_MALFORMED, "kdf.memlimit");
}

static void test_public_mismatch(void **state)
{
    fixture *f = *state;
    char path[TF_PATH_BYTES];
    /* validator: an address of another key */
    write_insecure(f, f->keys);
    seq_addr other;
    uint8_t other_secret[32] = {[31] = 7};
    assert_int_equal(l1_secp_address(&other, other_secret), SEQ_OK);
    char text[43];
    l1_addr_checksum(text, &other);
    edit_json(tf_join(path, f->keys, NODE_KEY_FILE_VALIDATOR), "public", json_string(text));
    expect_load_error(f, NULL, true, SEQ_ERR_BAD_KEY, "public does not match the secret");
    /* reading the public halves only cannot tell */
    node_key_public pub;
    node_diag why;
    assert_int_equal(node_key_read_public(&pub, &why, f->keys), SEQ_OK);
    assert_true(seq_addr_equal(&pub.validator_address, &other));

    /* transport: sealed this time */
    write_sealed(f);
    edit_json(tf_join(path, f->keys, NODE_KEY_FILE_TRANSPORT), "public",
              json_string("0x0000000000000000000000000000000000000000000000000000000000000001"));
    expect_load_error(f, &f->pass, false, SEQ_ERR_BAD_KEY, "transport.key: public does not match");
}

static void test_malformed(void **state)
{
    fixture *f = *state;
    char path[TF_PATH_BYTES], other[TF_PATH_BYTES];
    expect_load_error(f, &f->pass, false, SEQ_ERR_NOT_FOUND, "seqctl keygen");
    const struct {
        const char *name;
        json_t *value; /* NULL: delete */
        seq_err code;
        const char *text;
    } edits[] = {
        {"version", json_integer(2), SEQ_ERR_BAD_VERSION, "version: 2 is not supported"},
        {"version", json_string("1"), SEQ_ERR_MALFORMED, "version: must be an integer"},
        {"kind", json_string("seqd-transport-key"), SEQ_ERR_MALFORMED, "kind"},
        {"extra", json_true(), SEQ_ERR_MALFORMED, "extra: unknown field"},
        {"nonce", NULL, SEQ_ERR_MALFORMED, "nonce: missing field"},
        {"nonce", json_string("0x00"), SEQ_ERR_MALFORMED, "nonce: must be 0x and 48 hex digits"},
        {"kdf", json_string("argon2"), SEQ_ERR_MALFORMED, "kdf: missing or not an object"},
        {"public", json_string("0x1234"), SEQ_ERR_MALFORMED, "public"},
        {"insecure", json_false(), SEQ_ERR_MALFORMED, "unknown field"},
    };
    for (size_t i = 0; i < SEQ_ARRAY_LEN(edits); i++) {
        write_sealed(f);
        edit_json(tf_join(path, f->keys, NODE_KEY_FILE_VALIDATOR), edits[i].name, edits[i].value);
        expect_load_error(f, &f->pass, false, edits[i].code, edits[i].text);
    }
    /* an insecure file saying insecure: false */
    tf_rmtree(f->keys);
    write_insecure(f, f->keys);
    edit_json(tf_join(path, f->keys, NODE_KEY_FILE_VALIDATOR), "insecure", json_false());
    expect_load_error(f, NULL, true, SEQ_ERR_MALFORMED, "insecure: must be true");
    /* not JSON, and a file swapped for the other kind */
    tf_write(path, "{\"version\": 1,", 0600);
    expect_load_error(f, NULL, true, SEQ_ERR_MALFORMED, "not valid JSON");
    tf_rmtree(f->keys);
    write_insecure(f, f->keys);
    assert_int_equal(rename(tf_join(path, f->keys, NODE_KEY_FILE_TRANSPORT),
                            tf_join(other, f->keys, NODE_KEY_FILE_VALIDATOR)),
                     0);
    expect_load_error(f, NULL, true, SEQ_ERR_MALFORMED, "expected \"seqd-validator-key\"");
    /* too large */
    tf_join(path, f->keys, NODE_KEY_FILE_VALIDATOR);
    char big[NODE_KEY_FILE_BYTES_MAX + 2];
    memset(big, ' ', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    tf_write(path, big, 0600);
    expect_load_error(f, NULL, true, SEQ_ERR_TOO_LARGE, "larger than");
}

static void test_invalid_secret(void **state)
{
    fixture *f = *state;
    node_key_public pub;
    node_diag why;
    uint8_t zero[32] = {0};
    uint8_t order[32];
    assert_int_equal(
        l1_hex_decode_exact(order, 32,
                            "0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141"),
        SEQ_OK);
    assert_int_equal(node_key_write(&pub, &why, f->keys, zero, f->transport_seed, NULL,
                                    NODE_KEY_KDF_INTERACTIVE),
                     SEQ_ERR_BAD_KEY);
    assert_int_equal(node_key_write(&pub, &why, f->keys, order, f->transport_seed, NULL,
                                    NODE_KEY_KDF_INTERACTIVE),
                     SEQ_ERR_BAD_KEY);
    assert_int_equal(access(f->keys, F_OK), -1); /* refused before anything was created */
    /* a plaintext file holding an out-of-range secret */
    write_insecure(f, f->keys);
    char path[TF_PATH_BYTES];
    edit_json(tf_join(path, f->keys, NODE_KEY_FILE_VALIDATOR), "secret",
              json_string("0x0000000000000000000000000000000000000000000000000000000000000000"));
    expect_load_error(f, NULL, true, SEQ_ERR_BAD_KEY, "not a secp256k1 key");
}

static void test_passphrase_sources(void **state)
{
    fixture *f = *state;
    char path[TF_PATH_BYTES];
    node_key_passphrase p;
    node_diag why;
    tf_join(path, f->dir, "pass");
    const struct {
        const char *text;
        size_t len;
    } ok[] = {{"abc", 3}, {"abc\n", 3}, {"abc\r\n", 3}, {"a b\n\n", 4}, {" x ", 3}};
    for (size_t i = 0; i < SEQ_ARRAY_LEN(ok); i++) {
        tf_write(path, ok[i].text, 0600);
        assert_int_equal(node_key_passphrase_read(&p, &why, path, NULL), SEQ_OK);
        assert_int_equal(p.len, ok[i].len);
        assert_memory_equal(p.bytes, ok[i].text, ok[i].len);
        node_key_passphrase_free(&p);
        assert_null(p.bytes);
    }
    tf_write(path, "\n", 0600);
    assert_int_equal(node_key_passphrase_read(&p, &why, path, NULL), SEQ_ERR_INVALID_ARG);
    assert_non_null(strstr(why.text, "is empty"));
    assert_null(p.bytes);
    char big[NODE_KEY_PASSPHRASE_BYTES_MAX + 2];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    tf_write(path, big, 0600);
    assert_int_equal(node_key_passphrase_read(&p, &why, path, NULL), SEQ_ERR_TOO_LARGE);
    big[sizeof big - 2] = '\0'; /* exactly the maximum */
    tf_write(path, big, 0600);
    assert_int_equal(node_key_passphrase_read(&p, &why, path, NULL), SEQ_OK);
    assert_int_equal(p.len, NODE_KEY_PASSPHRASE_BYTES_MAX);
    node_key_passphrase_free(&p);
    assert_int_equal(chmod(path, 0644), 0);
    assert_int_equal(node_key_passphrase_read(&p, &why, path, NULL), SEQ_ERR_UNSUPPORTED);
    assert_non_null(strstr(why.text, "too open"));
    assert_int_equal(node_key_passphrase_read(&p, &why, "/nonexistent/pass", NULL),
                     SEQ_ERR_NOT_FOUND);
    assert_non_null(strstr(why.text, "/nonexistent/pass"));

    assert_int_equal(setenv("SEQ_TEST_PASSPHRASE", PASSPHRASE, 1), 0);
    assert_int_equal(node_key_passphrase_read(&p, &why, NULL, "SEQ_TEST_PASSPHRASE"), SEQ_OK);
    assert_int_equal(p.len, strlen(PASSPHRASE));
    /* the same passphrase from the environment opens the sealed keys */
    write_sealed(f);
    node_keys keys;
    assert_int_equal(node_key_load(&keys, &why, f->keys, &p, false), SEQ_OK);
    node_key_free(&keys);
    node_key_passphrase_free(&p);
    assert_int_equal(unsetenv("SEQ_TEST_PASSPHRASE"), 0);
    assert_int_equal(node_key_passphrase_read(&p, &why, NULL, "SEQ_TEST_PASSPHRASE"),
                     SEQ_ERR_NOT_FOUND);
    assert_non_null(strstr(why.text, "SEQ_TEST_PASSPHRASE is not set"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_sealed_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_insecure_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_generate, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wrong_passphrase, setup, teardown),
        cmocka_unit_test_setup_teardown(test_permissions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_never_overwrites, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tampered, setup, teardown),
        cmocka_unit_test_setup_teardown(test_public_mismatch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_malformed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_invalid_secret, setup, teardown),
        cmocka_unit_test_setup_teardown(test_passphrase_sources, setup, teardown),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
