/* keys.c — the key directory of a validator: its secp256k1 validator key
 * and its Ed25519 transport key, each in one small JSON file, sealed with a
 * passphrase (Argon2id13 + crypto_secretbox) or, for devnets only, in
 * plaintext. node/README.md "Keys" has the format.
 *
 * Every secret, every derived box key and every file text that may hold a
 * secret lives in one sodium_malloc'd scratch per call (guard pages, locked
 * memory) that sodium_free wipes on every path. Diagnostics name files and
 * fields, never secrets. */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "l1.h"

_Static_assert(NODE_KEY_SECRET_BYTES == crypto_sign_SEEDBYTES, "a transport secret is a seed");
_Static_assert(NODE_KEY_ED25519_SECRET_BYTES == crypto_sign_SECRETKEYBYTES, "libsodium's form");
_Static_assert(WIRE_ED25519_KEY_BYTES == crypto_sign_PUBLICKEYBYTES, "an Ed25519 public key");
_Static_assert(NODE_KEY_SECRET_BYTES == crypto_secretbox_KEYBYTES, "Argon2id yields a box key");

#define KEY_SALT_BYTES   crypto_pwhash_SALTBYTES
#define KEY_NONCE_BYTES  crypto_secretbox_NONCEBYTES
#define KEY_SEALED_BYTES (NODE_KEY_SECRET_BYTES + crypto_secretbox_MACBYTES)
/* A random 32-byte string is outside [1, n-1] with probability < 2^-127;
 * redrawing more than this often means the generator is broken. */
#define KEY_DRAWS_MAX 16u
/* Accepted Argon2id costs when loading. */
#define KEY_OPSLIMIT_MIN ((uint64_t)crypto_pwhash_OPSLIMIT_INTERACTIVE)
#define KEY_OPSLIMIT_MAX ((uint64_t)crypto_pwhash_OPSLIMIT_SENSITIVE)
#define KEY_MEMLIMIT_MIN ((uint64_t)crypto_pwhash_MEMLIMIT_INTERACTIVE)
#define KEY_MEMLIMIT_MAX ((uint64_t)crypto_pwhash_MEMLIMIT_SENSITIVE)
#define KEY_PATH_BYTES   (NODE_CONFIG_PATH_BYTES_MAX + 32u)
#define KEY_PUBLIC_CHARS (2u * WIRE_ED25519_KEY_BYTES + 3u) /* the longer of the two */
#define KEY_HEX_CHARS(n) (2u * (n) + 3u)

_Static_assert(KEY_SEALED_BYTES == 48u, "a sealed secret is 32 bytes and a 16-byte tag");

typedef enum { KEY_VALIDATOR, KEY_TRANSPORT } key_kind;

/* Everything secret one call touches; sodium_malloc'd, wiped by
 * sodium_free. */
typedef struct {
    uint8_t secret[NODE_KEY_SECRET_BYTES];
    uint8_t box_key[crypto_secretbox_KEYBYTES];
    uint8_t ed25519[crypto_sign_SECRETKEYBYTES];
    char secret_hex[KEY_HEX_CHARS(NODE_KEY_SECRET_BYTES)];
    char text[NODE_KEY_FILE_BYTES_MAX + 1u]; /* a key file's text */
    size_t text_len;
} key_scratch;

static const char *key_file_name(key_kind kind)
{
    return kind == KEY_VALIDATOR ? NODE_KEY_FILE_VALIDATOR : NODE_KEY_FILE_TRANSPORT;
}

static const char *key_kind_name(key_kind kind)
{
    return kind == KEY_VALIDATOR ? NODE_KEY_KIND_VALIDATOR : NODE_KEY_KIND_TRANSPORT;
}

static seq_err key_path(char out[KEY_PATH_BYTES], node_diag *why, const char *dir, key_kind kind)
{
    int n = snprintf(out, KEY_PATH_BYTES, "%s/%s", dir, key_file_name(kind));
    if (n < 0 || (size_t)n >= KEY_PATH_BYTES)
        return node_diag_set(why, SEQ_ERR_INVALID_ARG, "key directory path longer than %u bytes",
                             NODE_CONFIG_PATH_BYTES_MAX - 1u);
    return SEQ_OK;
}

static seq_err key_scratch_new(key_scratch **out, node_diag *why)
{
    *out = NULL;
    if (sodium_init() < 0)
        return node_diag_set(why, SEQ_ERR_INTERNAL, "libsodium could not start");
    *out = sodium_malloc(sizeof(key_scratch));
    if (*out == NULL)
        return node_diag_set(why, SEQ_ERR_NO_MEMORY, "out of locked memory for keys");
    sodium_memzero(*out, sizeof(key_scratch));
    return SEQ_OK;
}

/* The public half of a kind's secret; s->ed25519 is scratch. */
static seq_err key_derive_public(key_scratch *s, node_key_public *pub, key_kind kind,
                                 const uint8_t secret[NODE_KEY_SECRET_BYTES])
{
    if (kind == KEY_VALIDATOR)
        return l1_secp_address(&pub->validator_address, secret);
    crypto_sign_seed_keypair(pub->transport_public_key, s->ed25519, secret);
    sodium_memzero(s->ed25519, sizeof s->ed25519);
    return SEQ_OK;
}

/* The "public" string of a kind: an EIP-55 address or 0x-hex. */
static void key_public_text(char out[KEY_PUBLIC_CHARS], const node_key_public *pub, key_kind kind)
{
    if (kind == KEY_VALIDATOR)
        l1_addr_checksum(out, &pub->validator_address);
    else
        node_config_hex(out, KEY_PUBLIC_CHARS, pub->transport_public_key, WIRE_ED25519_KEY_BYTES);
}

/* ------------------------------------------------------------- passphrase */

void node_key_passphrase_free(node_key_passphrase *p)
{
    if (p == NULL)
        return;
    if (p->bytes != NULL) {
        sodium_memzero(p->bytes, NODE_KEY_PASSPHRASE_BYTES_MAX + 2u);
        sodium_free(p->bytes);
    }
    p->bytes = NULL;
    p->len = 0;
}

/* Reads at most NODE_KEY_PASSPHRASE_BYTES_MAX + 2 bytes (room for a
 * trailing "\r\n") of an owner-only file into p->bytes. */
static seq_err passphrase_from_file(node_key_passphrase *p, node_diag *why, const char *file)
{
    int fd = open(file, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return node_diag_set(why, errno == ENOENT ? SEQ_ERR_NOT_FOUND : SEQ_ERR_IO,
                             "passphrase file %s: %s", file, strerror(errno));
    seq_err err = SEQ_OK;
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        err = node_diag_set(why, SEQ_ERR_IO, "passphrase file %s: not a regular file", file);
        goto close_file;
    }
    if ((st.st_mode & 0077) != 0) {
        err = node_diag_set(why, SEQ_ERR_UNSUPPORTED,
                            "passphrase file %s: permissions %04o are too open; it must be 0600 "
                            "or stricter (chmod 600 %s)",
                            file, (unsigned)(st.st_mode & 07777), file);
        goto close_file;
    }
    if ((uint64_t)st.st_size > NODE_KEY_PASSPHRASE_BYTES_MAX + 2u) {
        err = node_diag_set(why, SEQ_ERR_TOO_LARGE, "passphrase file %s: longer than %u bytes",
                            file, NODE_KEY_PASSPHRASE_BYTES_MAX);
        goto close_file;
    }
    size_t len = 0;
    while (len < (size_t)st.st_size) {
        ssize_t n = read(fd, p->bytes + len, (size_t)st.st_size - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            err = node_diag_set(why, SEQ_ERR_IO, "passphrase file %s: read failed", file);
            goto close_file;
        }
        len += (size_t)n;
    }
    if (len > 0 && p->bytes[len - 1] == '\n')
        len--;
    if (len > 0 && p->bytes[len - 1] == '\r')
        len--;
    p->len = len;
close_file:
    close(fd);
    return err;
}

seq_err node_key_passphrase_read(node_key_passphrase *out, node_diag *why, const char *file,
                                 const char *env_name)
{
    SEQ_ASSERT(out != NULL);
    SEQ_ASSERT((file == NULL) != (env_name == NULL));
    memset(out, 0, sizeof(*out));
    node_diag_clear(why);
    if (sodium_init() < 0)
        return node_diag_set(why, SEQ_ERR_INTERNAL, "libsodium could not start");
    out->bytes = sodium_malloc(NODE_KEY_PASSPHRASE_BYTES_MAX + 2u);
    if (out->bytes == NULL)
        return node_diag_set(why, SEQ_ERR_NO_MEMORY, "out of locked memory for the passphrase");
    seq_err err = SEQ_OK;
    if (file != NULL) {
        err = passphrase_from_file(out, why, file);
    } else {
        /* The environment itself cannot be wiped; only this copy is. */
        const char *value = getenv(env_name);
        if (value == NULL)
            err = node_diag_set(why, SEQ_ERR_NOT_FOUND,
                                "passphrase variable %s is not set in the environment", env_name);
        else if (strlen(value) > NODE_KEY_PASSPHRASE_BYTES_MAX)
            err = node_diag_set(why, SEQ_ERR_TOO_LARGE,
                                "passphrase variable %s: longer than %u bytes", env_name,
                                NODE_KEY_PASSPHRASE_BYTES_MAX);
        else {
            out->len = strlen(value);
            memcpy(out->bytes, value, out->len);
        }
    }
    if (err == SEQ_OK && out->len == 0)
        err = node_diag_set(why, SEQ_ERR_INVALID_ARG, "the passphrase from %s %s is empty",
                            file != NULL ? "file" : "variable", file != NULL ? file : env_name);
    if (err == SEQ_OK && out->len > NODE_KEY_PASSPHRASE_BYTES_MAX)
        err = node_diag_set(why, SEQ_ERR_TOO_LARGE, "passphrase file %s: longer than %u bytes",
                            file, NODE_KEY_PASSPHRASE_BYTES_MAX);
    if (err != SEQ_OK)
        node_key_passphrase_free(out);
    return err;
}

/* --------------------------------------------------------------- writing */

/* Argon2id of passphrase and salt at cost (ops, mem) into s->box_key. */
static seq_err key_box_key(key_scratch *s, node_diag *why, const node_key_passphrase *passphrase,
                           const uint8_t salt[KEY_SALT_BYTES], uint64_t ops, uint64_t mem)
{
    if (crypto_pwhash(s->box_key, sizeof s->box_key, (const char *)passphrase->bytes,
                      passphrase->len, salt, ops, (size_t)mem, crypto_pwhash_ALG_ARGON2ID13) != 0)
        return node_diag_set(why, SEQ_ERR_NO_MEMORY, "Argon2id could not allocate %llu MiB",
                             (unsigned long long)(mem >> 20));
    return SEQ_OK;
}

/* Formats the sealed file of s->secret into s->text. */
static seq_err key_format_sealed(key_scratch *s, node_diag *why, key_kind kind,
                                 const char *public_text, const node_key_passphrase *passphrase,
                                 node_key_kdf kdf)
{
    uint64_t ops = kdf == NODE_KEY_KDF_INTERACTIVE ? crypto_pwhash_OPSLIMIT_INTERACTIVE
                                                   : crypto_pwhash_OPSLIMIT_MODERATE;
    uint64_t mem = kdf == NODE_KEY_KDF_INTERACTIVE ? crypto_pwhash_MEMLIMIT_INTERACTIVE
                                                   : crypto_pwhash_MEMLIMIT_MODERATE;
    uint8_t salt[KEY_SALT_BYTES], nonce[KEY_NONCE_BYTES], sealed[KEY_SEALED_BYTES];
    randombytes_buf(salt, sizeof salt);
    randombytes_buf(nonce, sizeof nonce);
    seq_err err = key_box_key(s, why, passphrase, salt, ops, mem);
    if (err != SEQ_OK)
        return err;
    crypto_secretbox_easy(sealed, s->secret, sizeof s->secret, nonce, s->box_key);
    sodium_memzero(s->box_key, sizeof s->box_key);
    char salt_hex[KEY_HEX_CHARS(KEY_SALT_BYTES)], nonce_hex[KEY_HEX_CHARS(KEY_NONCE_BYTES)];
    char sealed_hex[KEY_HEX_CHARS(KEY_SEALED_BYTES)];
    node_config_hex(salt_hex, sizeof salt_hex, salt, sizeof salt);
    node_config_hex(nonce_hex, sizeof nonce_hex, nonce, sizeof nonce);
    node_config_hex(sealed_hex, sizeof sealed_hex, sealed, sizeof sealed);
    int n =
        snprintf(s->text, sizeof s->text,
                 "{\n  \"version\": %u,\n  \"kind\": \"%s\",\n  \"public\": \"%s\",\n"
                 "  \"kdf\": {\n    \"alg\": \"%s\",\n    \"opslimit\": %llu,\n"
                 "    \"memlimit\": %llu,\n    \"salt\": \"%s\"\n  },\n"
                 "  \"nonce\": \"%s\",\n  \"ciphertext\": \"%s\"\n}\n",
                 NODE_KEY_FORMAT_VERSION, key_kind_name(kind), public_text, NODE_KEY_KDF_ALG,
                 (unsigned long long)ops, (unsigned long long)mem, salt_hex, nonce_hex, sealed_hex);
    SEQ_ASSERT(n > 0 && (size_t)n < sizeof s->text);
    s->text_len = (size_t)n;
    return SEQ_OK;
}

/* Formats the plaintext file of s->secret into s->text. */
static void key_format_insecure(key_scratch *s, key_kind kind, const char *public_text)
{
    node_config_hex(s->secret_hex, sizeof s->secret_hex, s->secret, sizeof s->secret);
    int n = snprintf(s->text, sizeof s->text,
                     "{\n  \"version\": %u,\n  \"kind\": \"%s\",\n  \"public\": \"%s\",\n"
                     "  \"insecure\": true,\n  \"secret\": \"%s\"\n}\n",
                     NODE_KEY_FORMAT_VERSION, key_kind_name(kind), public_text, s->secret_hex);
    SEQ_ASSERT(n > 0 && (size_t)n < sizeof s->text);
    s->text_len = (size_t)n;
    sodium_memzero(s->secret_hex, sizeof s->secret_hex);
}

/* Creates path (0600, O_EXCL) with s->text and fsyncs it; removes it again
 * if anything after creating it fails. */
static seq_err key_file_create(const key_scratch *s, node_diag *why, const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0 && errno == EEXIST)
        return node_diag_set(why, SEQ_ERR_EXISTS, "%s already exists; refusing to overwrite a key",
                             path);
    if (fd < 0)
        return node_diag_set(why, SEQ_ERR_IO, "cannot create %s: %s", path, strerror(errno));
    seq_err err = SEQ_OK;
    size_t done = 0;
    while (done < s->text_len && err == SEQ_OK) {
        ssize_t n = write(fd, s->text + done, s->text_len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            err = node_diag_set(why, SEQ_ERR_IO, "cannot write %s: %s", path, strerror(errno));
        else
            done += (size_t)n;
    }
    if (err == SEQ_OK && fsync(fd) != 0)
        err = node_diag_set(why, SEQ_ERR_IO, "cannot sync %s: %s", path, strerror(errno));
    if (close(fd) != 0 && err == SEQ_OK)
        err = node_diag_set(why, SEQ_ERR_IO, "cannot close %s: %s", path, strerror(errno));
    if (err != SEQ_OK)
        unlink(path);
    return err;
}

/* Writes one key file for secret (copied into s->secret and wiped there). */
static seq_err key_file_write(key_scratch *s, node_key_public *pub, node_diag *why,
                              const char *path, key_kind kind,
                              const uint8_t secret[NODE_KEY_SECRET_BYTES],
                              const node_key_passphrase *passphrase, node_key_kdf kdf)
{
    memcpy(s->secret, secret, sizeof s->secret);
    seq_err err = key_derive_public(s, pub, kind, s->secret);
    if (err != SEQ_OK) {
        err = node_diag_set(why, SEQ_ERR_BAD_KEY, "the validator secret is not a secp256k1 key");
        goto wipe_secret;
    }
    char public_text[KEY_PUBLIC_CHARS];
    key_public_text(public_text, pub, kind);
    if (passphrase != NULL)
        err = key_format_sealed(s, why, kind, public_text, passphrase, kdf);
    else
        key_format_insecure(s, kind, public_text);
    if (err == SEQ_OK)
        err = key_file_create(s, why, path);
    sodium_memzero(s->text, sizeof s->text);
wipe_secret:
    sodium_memzero(s->secret, sizeof s->secret);
    return err;
}

/* Creates dir (0700) unless it is a directory already; both key files must
 * be absent. */
static seq_err key_dir_prepare(node_diag *why, const char *dir, const char *paths[2])
{
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return node_diag_set(why, SEQ_ERR_IO, "cannot create key directory %s: %s", dir,
                             strerror(errno));
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return node_diag_set(why, SEQ_ERR_IO, "%s is not a directory", dir);
    for (size_t i = 0; i < 2; i++) {
        if (lstat(paths[i], &st) == 0)
            return node_diag_set(why, SEQ_ERR_EXISTS,
                                 "%s already exists; refusing to overwrite a key", paths[i]);
        if (errno != ENOENT)
            return node_diag_set(why, SEQ_ERR_IO, "%s: %s", paths[i], strerror(errno));
    }
    return SEQ_OK;
}

static seq_err key_dir_sync(node_diag *why, const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return node_diag_set(why, SEQ_ERR_IO, "cannot open %s: %s", dir, strerror(errno));
    int rc = fsync(fd);
    close(fd);
    if (rc != 0)
        return node_diag_set(why, SEQ_ERR_IO, "cannot sync %s: %s", dir, strerror(errno));
    return SEQ_OK;
}

seq_err node_key_write(node_key_public *out, node_diag *why, const char *dir,
                       const uint8_t validator[NODE_KEY_SECRET_BYTES],
                       const uint8_t transport_seed[NODE_KEY_SECRET_BYTES],
                       const node_key_passphrase *passphrase, node_key_kdf kdf)
{
    SEQ_ASSERT(out != NULL && dir != NULL);
    SEQ_ASSERT(validator != NULL && transport_seed != NULL);
    SEQ_ASSERT(passphrase == NULL || (passphrase->bytes != NULL && passphrase->len > 0));
    memset(out, 0, sizeof(*out));
    node_diag_clear(why);
    char validator_path[KEY_PATH_BYTES], transport_path[KEY_PATH_BYTES];
    key_scratch *s = NULL;
    node_key_public pub = {0};
    seq_err err = key_path(validator_path, why, dir, KEY_VALIDATOR);
    if (err == SEQ_OK)
        err = key_path(transport_path, why, dir, KEY_TRANSPORT);
    if (err == SEQ_OK && l1_secp_seckey_check(validator) != SEQ_OK)
        err = node_diag_set(why, SEQ_ERR_BAD_KEY, "the validator secret is not a secp256k1 key");
    if (err == SEQ_OK)
        err = key_dir_prepare(why, dir, (const char *[2]){validator_path, transport_path});
    if (err == SEQ_OK)
        err = key_scratch_new(&s, why);
    if (err != SEQ_OK)
        return err;
    err = key_file_write(s, &pub, why, validator_path, KEY_VALIDATOR, validator, passphrase, kdf);
    if (err != SEQ_OK)
        goto free_scratch;
    /* On failure key_file_write leaves no file behind: a file it could not
     * create (O_EXCL) is someone else's and stays. */
    err = key_file_write(s, &pub, why, transport_path, KEY_TRANSPORT, transport_seed, passphrase,
                         kdf);
    if (err != SEQ_OK)
        goto remove_validator;
    err = key_dir_sync(why, dir);
    if (err != SEQ_OK)
        goto remove_transport;
    *out = pub;
    sodium_free(s);
    return SEQ_OK;

remove_transport:
    unlink(transport_path);
remove_validator:
    unlink(validator_path);
free_scratch:
    sodium_free(s);
    return err;
}

seq_err node_key_generate(node_key_public *out, node_diag *why, const char *dir,
                          const node_key_passphrase *passphrase, node_key_kdf kdf)
{
    SEQ_ASSERT(out != NULL && dir != NULL);
    memset(out, 0, sizeof(*out));
    node_diag_clear(why);
    if (sodium_init() < 0)
        return node_diag_set(why, SEQ_ERR_INTERNAL, "libsodium could not start");
    /* Two secrets side by side in locked memory. */
    uint8_t *secrets = sodium_malloc(2u * NODE_KEY_SECRET_BYTES);
    if (secrets == NULL)
        return node_diag_set(why, SEQ_ERR_NO_MEMORY, "out of locked memory for keys");
    seq_err err = SEQ_ERR_INTERNAL;
    for (uint32_t draw = 0; draw < KEY_DRAWS_MAX && err != SEQ_OK; draw++) {
        randombytes_buf(secrets, NODE_KEY_SECRET_BYTES);
        err = l1_secp_seckey_check(secrets);
    }
    if (err != SEQ_OK) {
        err = node_diag_set(why, SEQ_ERR_INTERNAL, "the random generator keeps failing");
        goto free_secrets;
    }
    randombytes_buf(secrets + NODE_KEY_SECRET_BYTES, NODE_KEY_SECRET_BYTES);
    err = node_key_write(out, why, dir, secrets, secrets + NODE_KEY_SECRET_BYTES, passphrase, kdf);
free_secrets:
    sodium_memzero(secrets, 2u * NODE_KEY_SECRET_BYTES);
    sodium_free(secrets);
    return err;
}

/* --------------------------------------------------------------- loading */

typedef struct {
    const char *path;
    key_kind kind;
    bool want_secret; /* false: the public half only, without a mode check */
    const node_key_passphrase *passphrase;
    bool allow_insecure;
} key_request;

/* Reads the text of a key file into s->text; with check_mode, a file that
 * grants anything to group or others is refused. */
static seq_err key_text_read(key_scratch *s, node_diag *why, const char *path, bool check_mode)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT)
        return node_diag_set(why, SEQ_ERR_NOT_FOUND,
                             "%s: no such key file (create keys with: seqctl keygen --out DIR)",
                             path);
    if (fd < 0)
        return node_diag_set(why, SEQ_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    seq_err err = SEQ_OK;
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        err = node_diag_set(why, SEQ_ERR_IO, "%s: not a regular file", path);
        goto close_file;
    }
    if (check_mode && (st.st_mode & 0077) != 0) {
        err = node_diag_set(why, SEQ_ERR_UNSUPPORTED,
                            "%s: permissions %04o are too open; a key file must be 0600 or "
                            "stricter (chmod 600 %s)",
                            path, (unsigned)(st.st_mode & 07777), path);
        goto close_file;
    }
    if ((uint64_t)st.st_size > NODE_KEY_FILE_BYTES_MAX) {
        err = node_diag_set(why, SEQ_ERR_TOO_LARGE, "%s: larger than %u bytes, not a key file",
                            path, NODE_KEY_FILE_BYTES_MAX);
        goto close_file;
    }
    size_t len = 0;
    while (len < (size_t)st.st_size) {
        ssize_t n = read(fd, s->text + len, (size_t)st.st_size - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            err = node_diag_set(why, SEQ_ERR_IO, "%s: read failed", path);
            goto close_file;
        }
        len += (size_t)n;
    }
    s->text[len] = '\0';
    s->text_len = len;
close_file:
    close(fd);
    return err;
}

/* Wipes the plaintext secret jansson copied out of an insecure file before
 * the tree is freed: jansson owns the string, but its bytes are ordinary
 * writable heap memory. */
static void key_json_release(json_t *root)
{
    json_t *secret = json_object_get(root, "secret");
    if (json_is_string(secret))
        sodium_memzero((char *)json_string_value(secret), json_string_length(secret));
    json_decref(root);
}

/* version, kind and public of a key file, and which members it may have. */
static seq_err key_read_header(node_key_public *pub, const node_config_json *j, const json_t *root,
                               key_kind kind, bool insecure)
{
    static const char *const sealed_names[] = {"version", "kind",  "public",
                                               "kdf",     "nonce", "ciphertext"};
    static const char *const insecure_names[] = {"version", "kind", "public", "insecure", "secret"};
    seq_err err = insecure ? node_config_json_members(j, root, "", insecure_names, 5)
                           : node_config_json_members(j, root, "", sealed_names, 6);
    uint64_t version = 0;
    if (err == SEQ_OK)
        err = node_config_json_u64(j, &version, root, "", "version", 0, UINT32_MAX);
    if (err == SEQ_OK && version != NODE_KEY_FORMAT_VERSION)
        return node_diag_set(j->why, SEQ_ERR_BAD_VERSION,
                             "%s: version: %llu is not supported (this seqd reads version %u)",
                             j->file, (unsigned long long)version, NODE_KEY_FORMAT_VERSION);
    const char *kind_text = NULL;
    if (err == SEQ_OK)
        err = node_config_json_string(j, &kind_text, root, "", "kind", false);
    if (err == SEQ_OK && strcmp(kind_text, key_kind_name(kind)) != 0)
        return node_diag_set(j->why, SEQ_ERR_MALFORMED, "%s: kind: \"%.40s\", expected \"%s\"",
                             j->file, kind_text, key_kind_name(kind));
    if (err != SEQ_OK)
        return err;
    if (kind == KEY_VALIDATOR)
        return node_config_json_addr(j, &pub->validator_address, NULL, root, "", "public", false);
    return node_config_json_hex(j, pub->transport_public_key, WIRE_ED25519_KEY_BYTES, root, "",
                                "public");
}

/* Opens the sealed secret of root into s->secret. */
static seq_err key_open_sealed(key_scratch *s, const node_config_json *j, const json_t *root,
                               const node_key_passphrase *passphrase)
{
    static const char *const kdf_names[] = {"alg", "opslimit", "memlimit", "salt"};
    const json_t *kdf = json_object_get(root, "kdf");
    if (!json_is_object(kdf))
        return node_diag_set(j->why, SEQ_ERR_MALFORMED, "%s: kdf: missing or not an object",
                             j->file);
    const char *alg = NULL;
    uint64_t ops = 0, mem = 0;
    uint8_t salt[KEY_SALT_BYTES], nonce[KEY_NONCE_BYTES], sealed[KEY_SEALED_BYTES];
    seq_err err = node_config_json_members(j, kdf, "kdf", kdf_names, SEQ_ARRAY_LEN(kdf_names));
    if (err == SEQ_OK)
        err = node_config_json_string(j, &alg, kdf, "kdf", "alg", false);
    if (err == SEQ_OK && strcmp(alg, NODE_KEY_KDF_ALG) != 0)
        err = node_diag_set(j->why, SEQ_ERR_MALFORMED, "%s: kdf.alg: \"%.40s\" is not %s", j->file,
                            alg, NODE_KEY_KDF_ALG);
    if (err == SEQ_OK)
        err = node_config_json_u64(j, &ops, kdf, "kdf", "opslimit", KEY_OPSLIMIT_MIN,
                                   KEY_OPSLIMIT_MAX);
    if (err == SEQ_OK)
        err = node_config_json_u64(j, &mem, kdf, "kdf", "memlimit", KEY_MEMLIMIT_MIN,
                                   KEY_MEMLIMIT_MAX);
    if (err == SEQ_OK)
        err = node_config_json_hex(j, salt, sizeof salt, kdf, "kdf", "salt");
    if (err == SEQ_OK)
        err = node_config_json_hex(j, nonce, sizeof nonce, root, "", "nonce");
    if (err == SEQ_OK)
        err = node_config_json_hex(j, sealed, sizeof sealed, root, "", "ciphertext");
    if (err == SEQ_ERR_INVALID_ARG)
        err = SEQ_ERR_MALFORMED; /* a cost out of range is a bad file, not a bad argument */
    if (err != SEQ_OK)
        return err;
    if (passphrase == NULL)
        return node_diag_set(j->why, SEQ_ERR_INVALID_ARG,
                             "%s is sealed and no passphrase was given (config passphrase_file, "
                             "or --passphrase-file)",
                             j->file);
    err = key_box_key(s, j->why, passphrase, salt, ops, mem);
    if (err != SEQ_OK)
        return err;
    int rc = crypto_secretbox_open_easy(s->secret, sealed, sizeof sealed, nonce, s->box_key);
    sodium_memzero(s->box_key, sizeof s->box_key);
    if (rc != 0)
        return node_diag_set(j->why, SEQ_ERR_BAD_KEY, "%s: wrong passphrase or corrupt key file",
                             j->file);
    return SEQ_OK;
}

/* The plaintext secret of root into s->secret, if allowed. */
static seq_err key_open_insecure(key_scratch *s, const node_config_json *j, const json_t *root,
                                 bool allow_insecure)
{
    bool insecure = false;
    seq_err err = node_config_json_bool(j, &insecure, root, "", "insecure", false);
    if (err == SEQ_OK && !insecure)
        err = node_diag_set(j->why, SEQ_ERR_MALFORMED, "%s: insecure: must be true if present",
                            j->file);
    if (err == SEQ_OK && !allow_insecure)
        err = node_diag_set(j->why, SEQ_ERR_UNSUPPORTED,
                            "%s is a plaintext (insecure) key: refused without --insecure-key "
                            "(devnets only; seal keys with seqctl keygen --passphrase-file)",
                            j->file);
    if (err == SEQ_OK)
        err = node_config_json_hex(j, s->secret, sizeof s->secret, root, "", "secret");
    return err;
}

/* The public field must be the public half of s->secret. */
static seq_err key_check_pair(key_scratch *s, const node_config_json *j, const node_key_public *pub,
                              key_kind kind)
{
    node_key_public derived = {0};
    if (key_derive_public(s, &derived, kind, s->secret) != SEQ_OK)
        return node_diag_set(j->why, SEQ_ERR_BAD_KEY, "%s: the secret is not a secp256k1 key",
                             j->file);
    bool match = kind == KEY_VALIDATOR
                     ? seq_addr_equal(&derived.validator_address, &pub->validator_address)
                     : memcmp(derived.transport_public_key, pub->transport_public_key,
                              WIRE_ED25519_KEY_BYTES) == 0;
    if (!match)
        return node_diag_set(j->why, SEQ_ERR_BAD_KEY,
                             "%s: public does not match the secret key in the file", j->file);
    return SEQ_OK;
}

/* Loads one file: its public half into *pub and, if asked, its checked
 * secret into s->secret. */
static seq_err key_file_load(key_scratch *s, node_key_public *pub, bool *insecure, node_diag *why,
                             const key_request *req)
{
    const node_config_json j = {.why = why, .file = req->path, .secret_text = true};
    json_t *root = NULL;
    seq_err err = key_text_read(s, why, req->path, req->want_secret);
    if (err != SEQ_OK)
        return err;
    err = node_config_json_parse(&root, &j, s->text, s->text_len);
    sodium_memzero(s->text, sizeof s->text);
    if (err != SEQ_OK)
        return err;
    *insecure = json_object_get(root, "insecure") != NULL;
    err = key_read_header(pub, &j, root, req->kind, *insecure);
    if (err != SEQ_OK || !req->want_secret)
        goto release_json;
    if (*insecure)
        err = key_open_insecure(s, &j, root, req->allow_insecure);
    else
        err = key_open_sealed(s, &j, root, req->passphrase);
    if (err == SEQ_OK)
        err = key_check_pair(s, &j, pub, req->kind);
    if (err != SEQ_OK)
        sodium_memzero(s->secret, sizeof s->secret);
release_json:
    key_json_release(root);
    return err;
}

seq_err node_key_load(node_keys *out, node_diag *why, const char *dir,
                      const node_key_passphrase *passphrase, bool allow_insecure)
{
    SEQ_ASSERT(out != NULL && dir != NULL);
    SEQ_ASSERT(passphrase == NULL || (passphrase->bytes != NULL && passphrase->len > 0));
    memset(out, 0, sizeof(*out));
    node_diag_clear(why);
    char paths[2][KEY_PATH_BYTES];
    key_scratch *s = NULL;
    node_key_public pub = {0};
    bool insecure[2] = {false, false};
    seq_err err = key_path(paths[KEY_VALIDATOR], why, dir, KEY_VALIDATOR);
    if (err == SEQ_OK)
        err = key_path(paths[KEY_TRANSPORT], why, dir, KEY_TRANSPORT);
    if (err == SEQ_OK)
        err = key_scratch_new(&s, why);
    if (err != SEQ_OK)
        return err;
    node_key_secrets *secrets = sodium_malloc(sizeof(*secrets));
    if (secrets == NULL) {
        err = node_diag_set(why, SEQ_ERR_NO_MEMORY, "out of locked memory for keys");
        goto free_scratch;
    }
    uint8_t *slots[2] = {secrets->validator, secrets->transport_seed};
    for (int kind = KEY_VALIDATOR; kind <= KEY_TRANSPORT; kind++) {
        const key_request req = {.path = paths[kind],
                                 .kind = (key_kind)kind,
                                 .want_secret = true,
                                 .passphrase = passphrase,
                                 .allow_insecure = allow_insecure};
        err = key_file_load(s, &pub, &insecure[kind], why, &req);
        if (err != SEQ_OK)
            goto free_secrets;
        memcpy(slots[kind], s->secret, NODE_KEY_SECRET_BYTES);
        sodium_memzero(s->secret, sizeof s->secret);
    }
    uint8_t transport_public[crypto_sign_PUBLICKEYBYTES];
    crypto_sign_seed_keypair(transport_public, secrets->transport, secrets->transport_seed);
    SEQ_ASSERT(memcmp(transport_public, pub.transport_public_key, sizeof transport_public) == 0);
    if (sodium_mprotect_readonly(secrets) != 0) {
        err = node_diag_set(why, SEQ_ERR_INTERNAL, "cannot protect the key memory");
        goto free_secrets;
    }
    *out = (node_keys){.pub = pub, .secrets = secrets, .insecure = insecure[0] || insecure[1]};
    sodium_free(s);
    return SEQ_OK;

free_secrets:
    sodium_memzero(secrets, sizeof(*secrets));
    sodium_free(secrets);
free_scratch:
    sodium_free(s);
    return err;
}

seq_err node_key_read_public(node_key_public *out, node_diag *why, const char *dir)
{
    SEQ_ASSERT(out != NULL && dir != NULL);
    memset(out, 0, sizeof(*out));
    node_diag_clear(why);
    char path[KEY_PATH_BYTES];
    key_scratch *s = NULL;
    node_key_public pub = {0};
    seq_err err = key_scratch_new(&s, why);
    for (int kind = KEY_VALIDATOR; kind <= KEY_TRANSPORT && err == SEQ_OK; kind++) {
        bool insecure = false;
        err = key_path(path, why, dir, (key_kind)kind);
        const key_request req = {.path = path, .kind = (key_kind)kind, .want_secret = false};
        if (err == SEQ_OK)
            err = key_file_load(s, &pub, &insecure, why, &req);
    }
    if (err == SEQ_OK)
        *out = pub;
    sodium_free(s); /* NULL is fine */
    return err;
}

void node_key_free(node_keys *keys)
{
    if (keys == NULL)
        return;
    if (keys->secrets != NULL) {
        if (sodium_mprotect_readwrite(keys->secrets) == 0)
            sodium_memzero(keys->secrets, sizeof(*keys->secrets));
        sodium_free(keys->secrets);
    }
    memset(keys, 0, sizeof(*keys));
}
