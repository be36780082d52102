/* config.c — seqd's configuration file and flags, the cross-checks that
 * tie config, genesis and keys together (node_config_resolve), and the
 * strict JSON helpers keys.c and genesis.c share.
 *
 * Every error an operator can cause ends up as one line in a node_diag that
 * names the file and the field, so a bad config never needs a debugger. */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "l1.h"

/* ----------------------------------------------------------- diagnostics */

seq_err node_diag_set(node_diag *why, seq_err err, const char *format, ...)
{
    SEQ_ASSERT(format != NULL);
    if (why == NULL)
        return err;
    va_list ap;
    va_start(ap, format);
    vsnprintf(why->text, sizeof why->text, format, ap);
    va_end(ap);
    return err;
}

void node_diag_clear(node_diag *why)
{
    if (why != NULL)
        why->text[0] = '\0';
}

/* --------------------------------------------------------------- files */

seq_err node_config_file_read(char **out, size_t *out_len, node_diag *why, const char *path,
                              const char *what, size_t bytes_max)
{
    SEQ_ASSERT(out != NULL && out_len != NULL);
    SEQ_ASSERT(path != NULL && what != NULL);
    *out = NULL;
    *out_len = 0;
    seq_err err = SEQ_OK;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT)
            return node_diag_set(why, SEQ_ERR_NOT_FOUND, "%s %s: no such file", what, path);
        return node_diag_set(why, SEQ_ERR_IO, "%s %s: cannot open: %s", what, path,
                             strerror(errno));
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        err = node_diag_set(why, SEQ_ERR_IO, "%s %s: not a regular file", what, path);
        goto close_file;
    }
    if ((uint64_t)st.st_size > bytes_max) {
        err = node_diag_set(why, SEQ_ERR_TOO_LARGE, "%s %s: %lld bytes, more than the %zu allowed",
                            what, path, (long long)st.st_size, bytes_max);
        goto close_file;
    }
    char *text = malloc((size_t)st.st_size + 1u);
    if (text == NULL) {
        err = node_diag_set(why, SEQ_ERR_NO_MEMORY, "%s %s: out of memory", what, path);
        goto close_file;
    }
    size_t len = 0;
    while (len < (size_t)st.st_size) {
        ssize_t n = read(fd, text + len, (size_t)st.st_size - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            err = node_diag_set(why, SEQ_ERR_IO, "%s %s: read failed: %s", what, path,
                                n < 0 ? strerror(errno) : "file shrank");
            goto free_text;
        }
        len += (size_t)n;
    }
    text[len] = '\0';
    *out = text;
    *out_len = len;
    close(fd);
    return SEQ_OK;

free_text:
    free(text);
close_file:
    close(fd);
    return err;
}

void node_config_hex(char *out, size_t out_len, const uint8_t *in, size_t in_len)
{
    seq_err err = l1_hex_encode(out, out_len, in, in_len);
    SEQ_ASSERT(err == SEQ_OK);
}

/* ------------------------------------------------------- strict JSON */

/* "where.name", or "name" at the top level. */
static const char *json_label(char *buf, size_t buf_len, const char *where, const char *name)
{
    if (where == NULL || where[0] == '\0')
        snprintf(buf, buf_len, "%s", name);
    else
        snprintf(buf, buf_len, "%s.%s", where, name);
    return buf;
}

#define JSON_LABEL_BYTES 96u

seq_err node_config_json_parse(json_t **out, const node_config_json *j, const char *text,
                               size_t text_len)
{
    SEQ_ASSERT(out != NULL && j != NULL && text != NULL);
    *out = NULL;
    json_error_t e;
    json_t *root = json_loadb(text, text_len, JSON_REJECT_DUPLICATES, &e);
    if (root == NULL)
        return node_diag_set(j->why, SEQ_ERR_MALFORMED, "%s: not valid JSON: line %d column %d%s%s",
                             j->file, e.line, e.column, j->secret_text ? "" : ": ",
                             j->secret_text ? "" : e.text);
    if (!json_is_object(root)) {
        json_decref(root);
        return node_diag_set(j->why, SEQ_ERR_MALFORMED, "%s: the top level must be a JSON object",
                             j->file);
    }
    *out = root;
    return SEQ_OK;
}

seq_err node_config_json_members(const node_config_json *j, const json_t *obj, const char *where,
                                 const char *const *names, size_t count)
{
    SEQ_ASSERT(j != NULL && json_is_object(obj));
    const char *key;
    json_t *value;
    char label[JSON_LABEL_BYTES];
    json_object_foreach((json_t *)obj, key, value)
    {
        (void)value;
        bool known = false;
        for (size_t i = 0; i < count && !known; i++)
            known = strcmp(key, names[i]) == 0;
        if (!known)
            return node_diag_set(j->why, SEQ_ERR_MALFORMED, "%s: %s: unknown field", j->file,
                                 json_label(label, sizeof label, where, key));
    }
    return SEQ_OK;
}

/* The member, or a "missing field" diagnostic (unless optional). */
static seq_err json_member(const node_config_json *j, json_t **out, const json_t *obj,
                           const char *where, const char *name, bool optional)
{
    SEQ_ASSERT(json_is_object(obj));
    char label[JSON_LABEL_BYTES];
    *out = json_object_get(obj, name);
    if (*out == NULL && !optional)
        return node_diag_set(j->why, SEQ_ERR_MALFORMED, "%s: %s: missing field", j->file,
                             json_label(label, sizeof label, where, name));
    return SEQ_OK;
}

seq_err node_config_json_u64(const node_config_json *j, uint64_t *out, const json_t *obj,
                             const char *where, const char *name, uint64_t min, uint64_t max)
{
    SEQ_ASSERT(j != NULL && out != NULL && min <= max);
    char label[JSON_LABEL_BYTES];
    json_t *v;
    seq_err err = json_member(j, &v, obj, where, name, false);
    if (err != SEQ_OK)
        return err;
    if (!json_is_integer(v))
        return node_diag_set(j->why, SEQ_ERR_MALFORMED, "%s: %s: must be an integer", j->file,
                             json_label(label, sizeof label, where, name));
    json_int_t n = json_integer_value(v);
    if (n < 0 || (uint64_t)n < min || (uint64_t)n > max)
        return node_diag_set(j->why, SEQ_ERR_INVALID_ARG, "%s: %s: %lld is outside %llu..%llu",
                             j->file, json_label(label, sizeof label, where, name), (long long)n,
                             (unsigned long long)min, (unsigned long long)max);
    *out = (uint64_t)n;
    return SEQ_OK;
}

seq_err node_config_json_u32(const node_config_json *j, uint32_t *out, const json_t *obj,
                             const char *where, const char *name, uint32_t min, uint32_t max)
{
    uint64_t v = 0;
    seq_err err = node_config_json_u64(j, &v, obj, where, name, min, max);
    if (err == SEQ_OK)
        *out = (uint32_t)v;
    return err;
}

seq_err node_config_json_string(const node_config_json *j, const char **out, const json_t *obj,
                                const char *where, const char *name, bool optional)
{
    SEQ_ASSERT(j != NULL && out != NULL);
    char label[JSON_LABEL_BYTES];
    json_t *v;
    *out = NULL;
    seq_err err = json_member(j, &v, obj, where, name, optional);
    if (err != SEQ_OK || v == NULL || (optional && json_is_null(v)))
        return err;
    if (!json_is_string(v))
        return node_diag_set(j->why, SEQ_ERR_MALFORMED, "%s: %s: must be a string%s", j->file,
                             json_label(label, sizeof label, where, name),
                             optional ? " or null" : "");
    *out = json_string_value(v);
    return SEQ_OK;
}

seq_err node_config_json_bool(const node_config_json *j, bool *out, const json_t *obj,
                              const char *where, const char *name, bool optional)
{
    SEQ_ASSERT(j != NULL && out != NULL);
    char label[JSON_LABEL_BYTES];
    json_t *v;
    seq_err err = json_member(j, &v, obj, where, name, optional);
    if (err != SEQ_OK || v == NULL)
        return err;
    if (!json_is_boolean(v))
        return node_diag_set(j->why, SEQ_ERR_MALFORMED, "%s: %s: must be true or false", j->file,
                             json_label(label, sizeof label, where, name));
    *out = json_is_true(v);
    return SEQ_OK;
}

seq_err node_config_addr_parse(seq_addr *out, const char *text)
{
    SEQ_ASSERT(out != NULL && text != NULL);
    memset(out, 0, sizeof(*out));
    if (strncmp(text, "0x", 2) != 0 || strlen(text) != 2u + 2u * SEQ_ADDR_BYTES)
        return SEQ_ERR_MALFORMED;
    seq_addr addr;
    if (l1_hex_decode_exact(addr.b, sizeof addr.b, text) != SEQ_OK)
        return SEQ_ERR_MALFORMED;
    bool lower = false, upper = false;
    for (const char *c = text + 2; *c != '\0'; c++) {
        lower = lower || (*c >= 'a' && *c <= 'f');
        upper = upper || (*c >= 'A' && *c <= 'F');
    }
    if (lower && upper) {
        char checksum[43];
        l1_addr_checksum(checksum, &addr);
        if (strcmp(checksum, text) != 0)
            return SEQ_ERR_BAD_SIGNATURE;
    }
    *out = addr;
    return SEQ_OK;
}

seq_err node_config_json_addr(const node_config_json *j, seq_addr *out, bool *present,
                              const json_t *obj, const char *where, const char *name, bool nullable)
{
    SEQ_ASSERT(j != NULL && out != NULL);
    SEQ_ASSERT(present != NULL || !nullable);
    char label[JSON_LABEL_BYTES];
    json_t *v;
    memset(out, 0, sizeof(*out));
    if (present != NULL)
        *present = false;
    seq_err err = json_member(j, &v, obj, where, name, false);
    if (err != SEQ_OK || (nullable && json_is_null(v)))
        return err;
    json_label(label, sizeof label, where, name);
    if (!json_is_string(v))
        return node_diag_set(j->why, SEQ_ERR_MALFORMED, "%s: %s: must be an address string%s",
                             j->file, label, nullable ? " or null" : "");
    err = node_config_addr_parse(out, json_string_value(v));
    if (err == SEQ_ERR_MALFORMED)
        return node_diag_set(j->why, SEQ_ERR_MALFORMED,
                             "%s: %s: \"%.60s\" is not an address (0x and 40 hex digits)", j->file,
                             label, json_string_value(v));
    if (err != SEQ_OK)
        return node_diag_set(j->why, SEQ_ERR_INVALID_ARG,
                             "%s: %s: %s fails its EIP-55 checksum (mixed case must match EIP-55; "
                             "use all lower case to skip the check)",
                             j->file, label, json_string_value(v));
    if (present != NULL)
        *present = true;
    return SEQ_OK;
}

seq_err node_config_json_hex(const node_config_json *j, uint8_t *out, size_t out_len,
                             const json_t *obj, const char *where, const char *name)
{
    SEQ_ASSERT(j != NULL && out != NULL);
    char label[JSON_LABEL_BYTES];
    json_t *v;
    memset(out, 0, out_len);
    seq_err err = json_member(j, &v, obj, where, name, false);
    if (err != SEQ_OK)
        return err;
    const char *text = json_string_value(v);
    if (text == NULL || strncmp(text, "0x", 2) != 0 || strlen(text) != 2u + 2u * out_len ||
        l1_hex_decode_exact(out, out_len, text) != SEQ_OK) {
        memset(out, 0, out_len);
        return node_diag_set(j->why, SEQ_ERR_MALFORMED, "%s: %s: must be 0x and %zu hex digits",
                             j->file, json_label(label, sizeof label, where, name), 2u * out_len);
    }
    return SEQ_OK;
}

/* -------------------------------------------------------------- config */

void node_config_defaults(node_config *out)
{
    SEQ_ASSERT(out != NULL);
    memset(out, 0, sizeof(*out));
    out->log_level = SEQ_LOG_INFO;
    out->log_format = SEQ_LOG_TEXT;
    out->l1_poll_ms = NODE_CONFIG_L1_POLL_MS_DEFAULT;
    out->mempool_settle_ms = NODE_CONFIG_SETTLE_MS_DEFAULT;
}

/* Copies path into dst (NODE_CONFIG_PATH_BYTES_MAX), joined to base_dir
 * when it is relative and base_dir is set. label names the field. */
static seq_err config_set_path(char *dst, node_diag *why, const char *label, const char *path,
                               const char *base_dir)
{
    if (path[0] == '\0')
        return node_diag_set(why, SEQ_ERR_INVALID_ARG, "%s: empty path", label);
    int n;
    if (path[0] != '/' && base_dir != NULL && base_dir[0] != '\0')
        n = snprintf(dst, NODE_CONFIG_PATH_BYTES_MAX, "%s/%s", base_dir, path);
    else
        n = snprintf(dst, NODE_CONFIG_PATH_BYTES_MAX, "%s", path);
    if (n < 0 || (size_t)n >= NODE_CONFIG_PATH_BYTES_MAX) {
        dst[0] = '\0';
        return node_diag_set(why, SEQ_ERR_INVALID_ARG, "%s: path longer than %u bytes", label,
                             NODE_CONFIG_PATH_BYTES_MAX - 1u);
    }
    return SEQ_OK;
}

static seq_err config_set_listen(char *dst, node_diag *why, const char *label, const char *url)
{
    if (!node_genesis_endpoint_valid(url))
        return node_diag_set(why, SEQ_ERR_INVALID_ARG,
                             "%s: \"%.200s\" is not tcp://HOST:PORT (port 1..65535)", label, url);
    snprintf(dst, NODE_GENESIS_ENDPOINT_BYTES_MAX, "%s", url);
    return SEQ_OK;
}

#define HTTP_SCHEME "http://"

static seq_err config_set_rpc_listen(char *dst, node_diag *why, const char *label, const char *url)
{
    if (strlen(url) >= NODE_CONFIG_URL_BYTES_MAX || strncmp(url, HTTP_SCHEME, 7) != 0 ||
        !node_genesis_host_port_valid(url + strlen(HTTP_SCHEME)))
        return node_diag_set(why, SEQ_ERR_INVALID_ARG,
                             "%s: \"%.200s\" is not http://HOST:PORT (port 1..65535)", label, url);
    snprintf(dst, NODE_CONFIG_URL_BYTES_MAX, "%s", url);
    return SEQ_OK;
}

/* The L1 client's own URL rules decide (no connection is made). */
static seq_err config_set_l1_rpc(char *dst, node_diag *why, const char *label, const char *url)
{
    l1_rpc *client = NULL;
    if (strlen(url) >= NODE_CONFIG_URL_BYTES_MAX || l1_rpc_new(&client, url, NULL) != SEQ_OK)
        return node_diag_set(why, SEQ_ERR_INVALID_ARG,
                             "%s: \"%.200s\" is not an http:// or https:// URL of at most %u bytes",
                             label, url, NODE_CONFIG_URL_BYTES_MAX - 1u);
    l1_rpc_free(client);
    snprintf(dst, NODE_CONFIG_URL_BYTES_MAX, "%s", url);
    return SEQ_OK;
}

static seq_err config_set_log_level(seq_log_level *dst, node_diag *why, const char *label,
                                    const char *name)
{
    if (!seq_log_level_parse(dst, name))
        return node_diag_set(why, SEQ_ERR_INVALID_ARG,
                             "%s: \"%.40s\" is not debug, info, warn or error", label, name);
    return SEQ_OK;
}

static seq_err config_set_log_format(seq_log_format *dst, node_diag *why, const char *label,
                                     const char *name)
{
    if (strcmp(name, "text") == 0)
        *dst = SEQ_LOG_TEXT;
    else if (strcmp(name, "json") == 0)
        *dst = SEQ_LOG_JSON;
    else
        return node_diag_set(why, SEQ_ERR_INVALID_ARG, "%s: \"%.40s\" is not text or json", label,
                             name);
    return SEQ_OK;
}

static seq_err config_set_env_name(char *dst, node_diag *why, const char *label, const char *name)
{
    size_t len = strlen(name);
    bool ok = len > 0 && len < NODE_CONFIG_ENV_BYTES_MAX && !(name[0] >= '0' && name[0] <= '9');
    for (size_t i = 0; ok && i < len; i++) {
        char c = name[i];
        ok = c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    }
    if (!ok)
        return node_diag_set(why, SEQ_ERR_INVALID_ARG,
                             "%s: \"%.60s\" is not an environment variable name", label, name);
    snprintf(dst, NODE_CONFIG_ENV_BYTES_MAX, "%s", name);
    return SEQ_OK;
}

/* The string fields of the file and how each is set. */
typedef enum {
    FIELD_PATH,
    FIELD_LISTEN,
    FIELD_RPC,
    FIELD_L1,
    FIELD_LEVEL,
    FIELD_FORMAT,
    FIELD_ENV
} field_kind;

typedef struct {
    const char *name;
    field_kind kind;
    size_t offset; /* in node_config */
} config_field;

static const config_field CONFIG_FIELDS[] = {
    {"data_dir", FIELD_PATH, offsetof(node_config, data_dir)},
    {"genesis", FIELD_PATH, offsetof(node_config, genesis)},
    {"key_dir", FIELD_PATH, offsetof(node_config, key_dir)},
    {"passphrase_file", FIELD_PATH, offsetof(node_config, passphrase_file)},
    {"passphrase_env", FIELD_ENV, offsetof(node_config, passphrase_env)},
    {"listen", FIELD_LISTEN, offsetof(node_config, listen)},
    {"rpc_listen", FIELD_RPC, offsetof(node_config, rpc_listen)},
    {"l1_rpc", FIELD_L1, offsetof(node_config, l1_rpc)},
    {"l1_deployment", FIELD_PATH, offsetof(node_config, l1_deployment)},
    {"log_level", FIELD_LEVEL, offsetof(node_config, log_level)},
    {"log_format", FIELD_FORMAT, offsetof(node_config, log_format)},
};

static seq_err config_set(node_config *c, node_diag *why, const config_field *f, const char *label,
                          const char *value, const char *base_dir)
{
    void *dst = (uint8_t *)c + f->offset;
    switch (f->kind) {
    case FIELD_PATH:
        return config_set_path(dst, why, label, value, base_dir);
    case FIELD_LISTEN:
        return config_set_listen(dst, why, label, value);
    case FIELD_RPC:
        return config_set_rpc_listen(dst, why, label, value);
    case FIELD_L1:
        return config_set_l1_rpc(dst, why, label, value);
    case FIELD_LEVEL:
        return config_set_log_level(dst, why, label, value);
    case FIELD_FORMAT:
        return config_set_log_format(dst, why, label, value);
    case FIELD_ENV:
        return config_set_env_name(dst, why, label, value);
    }
    SEQ_ASSERT(false);
    return SEQ_ERR_INTERNAL;
}

/* The directory part of path ("" for a bare file name). */
static void config_dir_of(char out[NODE_CONFIG_PATH_BYTES_MAX], const char *path)
{
    const char *slash = strrchr(path, '/');
    size_t len = slash == NULL ? 0 : (size_t)(slash - path);
    if (slash == path)
        len = 1; /* "/x" lives in "/" */
    len = SEQ_MIN(len, (size_t)NODE_CONFIG_PATH_BYTES_MAX - 1u);
    memcpy(out, path, len);
    out[len] = '\0';
}

/* test.faults (a boolean, default false) and test.fault_seed (an integer
 * in 0..NODE_CONFIG_FAULT_SEED_MAX, only with "faults": true). */
static seq_err config_test_faults(node_config *c, const node_config_json *j, const json_t *test)
{
    seq_err err = node_config_json_bool(j, &c->test_faults, test, "test", "faults", true);
    if (err != SEQ_OK || json_object_get(test, "fault_seed") == NULL)
        return err;
    if (!c->test_faults)
        return node_diag_set(j->why, SEQ_ERR_INVALID_ARG,
                             "%s: test.fault_seed: needs \"faults\": true", j->file);
    err = node_config_json_u64(j, &c->fault_seed, test, "test", "fault_seed", 0,
                               NODE_CONFIG_FAULT_SEED_MAX);
    c->has_fault_seed = err == SEQ_OK;
    return err;
}

/* "test": {"censor_senders": [ADDRESS, ...], "equivocate": "vote",
 * "faults": true, "fault_seed": N}: test modes, which only a build with
 * SEQ_TEST_MODES accepts, so a production binary cannot be configured
 * into misbehaving. */
static seq_err config_test_modes(node_config *c, const node_config_json *j, const json_t *root)
{
    const json_t *test = json_object_get(root, "test");
    if (test == NULL)
        return SEQ_OK;
#ifndef SEQ_TEST_MODES
    (void)c;
    (void)config_test_faults;
    return node_diag_set(j->why, SEQ_ERR_INVALID_ARG,
                         "%s: test: test modes need a build with -DSEQ_TEST_MODES=ON", j->file);
#else
    static const char *const names[] = {"censor_senders", "equivocate", "faults", "fault_seed"};
    if (!json_is_object(test))
        return node_diag_set(j->why, SEQ_ERR_MALFORMED, "%s: test: must be an object", j->file);
    seq_err err = node_config_json_members(j, test, "test", names, SEQ_ARRAY_LEN(names));
    if (err == SEQ_OK)
        err = config_test_faults(c, j, test);
    if (err != SEQ_OK)
        return err;
    const json_t *equivocate = json_object_get(test, "equivocate");
    if (equivocate != NULL) {
        const char *mode = json_string_value(equivocate);
        if (mode == NULL || strcmp(mode, "vote") != 0)
            return node_diag_set(j->why, SEQ_ERR_MALFORMED, "%s: test.equivocate: must be \"vote\"",
                                 j->file);
        c->equivocate_votes = true;
    }
    const json_t *list = json_object_get(test, "censor_senders");
    if (list == NULL)
        return SEQ_OK;
    if (!json_is_array(list) || json_array_size(list) > NODE_CONFIG_CENSOR_MAX)
        return node_diag_set(j->why, SEQ_ERR_MALFORMED,
                             "%s: test.censor_senders: must be an array of at most %u addresses",
                             j->file, NODE_CONFIG_CENSOR_MAX);
    for (size_t i = 0; i < json_array_size(list); i++) {
        const char *text = json_string_value(json_array_get(list, i));
        if (text == NULL || node_config_addr_parse(&c->censor[i], text) != SEQ_OK)
            return node_diag_set(j->why, SEQ_ERR_MALFORMED,
                                 "%s: test.censor_senders[%zu]: not an address", j->file, i);
    }
    c->censor_count = json_array_size(list);
    return SEQ_OK;
#endif
}

static seq_err config_from_json(node_config *c, const node_config_json *j, const json_t *root,
                                const char *base_dir)
{
    static const char *const names[] = {
        "version",
        "data_dir",
        "genesis",
        "key_dir",
        "passphrase_file",
        "passphrase_env",
        "insecure_key",
        "listen",
        "rpc_listen",
        "l1_rpc",
        "log_level",
        "log_format",
        "l1_deployment",
        "l1_poll_ms",
        "mempool_txs_max",
        "mempool_bytes_max",
        "mempool_sender_txs_max",
        "mempool_settle_ms",
        "test",
    };
    uint32_t version = 0;
    seq_err err = node_config_json_members(j, root, "", names, SEQ_ARRAY_LEN(names));
    if (err == SEQ_OK)
        err = node_config_json_u32(j, &version, root, "", "version", 0, UINT32_MAX);
    if (err == SEQ_OK && version != NODE_CONFIG_FORMAT_VERSION)
        return node_diag_set(j->why, SEQ_ERR_BAD_VERSION,
                             "%s: version: %u is not supported (this seqd reads version %u)",
                             j->file, version, NODE_CONFIG_FORMAT_VERSION);
    if (err == SEQ_OK)
        err = node_config_json_bool(j, &c->insecure_key, root, "", "insecure_key", true);
    if (err == SEQ_OK && json_object_get(root, "l1_poll_ms") != NULL)
        err = node_config_json_u32(j, &c->l1_poll_ms, root, "", "l1_poll_ms",
                                   NODE_CONFIG_L1_POLL_MS_MIN, NODE_CONFIG_L1_POLL_MS_MAX);
    const struct {
        const char *name;
        uint32_t *dst, min, max;
    } caps[] = {
        {"mempool_txs_max", &c->mempool_txs_max, 1, MEMPOOL_POOL_TXS_MAX},
        {"mempool_bytes_max", &c->mempool_bytes_max, MEMPOOL_TX_BYTES_MAX, MEMPOOL_POOL_BYTES_MAX},
        {"mempool_sender_txs_max", &c->mempool_sender_txs_max, 1, MEMPOOL_SENDER_TXS_MAX},
        {"mempool_settle_ms", &c->mempool_settle_ms, 0, MEMPOOL_SETTLE_MS_MAX},
    };
    for (size_t i = 0; i < SEQ_ARRAY_LEN(caps) && err == SEQ_OK; i++) {
        if (json_object_get(root, caps[i].name) != NULL)
            err = node_config_json_u32(j, caps[i].dst, root, "", caps[i].name, caps[i].min,
                                       caps[i].max);
    }
    for (size_t i = 0; i < SEQ_ARRAY_LEN(CONFIG_FIELDS) && err == SEQ_OK; i++) {
        const char *value = NULL;
        err = node_config_json_string(j, &value, root, "", CONFIG_FIELDS[i].name, true);
        if (err != SEQ_OK || value == NULL)
            continue;
        char label[NODE_CONFIG_PATH_BYTES_MAX + 64u];
        snprintf(label, sizeof label, "%s: %s", j->file, CONFIG_FIELDS[i].name);
        err = config_set(c, j->why, &CONFIG_FIELDS[i], label, value, base_dir);
    }
    if (err == SEQ_OK)
        err = config_test_modes(c, j, root);
    if (err == SEQ_OK && c->passphrase_file[0] != '\0' && c->passphrase_env[0] != '\0')
        return node_diag_set(j->why, SEQ_ERR_INVALID_ARG,
                             "%s: passphrase_file and passphrase_env: give at most one", j->file);
    return err;
}

seq_err node_config_load(node_config *out, node_diag *why, const char *path)
{
    SEQ_ASSERT(out != NULL && path != NULL);
    node_config_defaults(out);
    node_diag_clear(why);
    char *text = NULL;
    size_t text_len = 0;
    json_t *root = NULL;
    const node_config_json j = {.why = why, .file = path};
    seq_err err = node_config_file_read(&text, &text_len, why, path, "config file",
                                        NODE_CONFIG_FILE_BYTES_MAX);
    if (err != SEQ_OK)
        goto zero_output;
    err = node_config_json_parse(&root, &j, text, text_len);
    if (err != SEQ_OK)
        goto free_text;
    char base_dir[NODE_CONFIG_PATH_BYTES_MAX];
    config_dir_of(base_dir, path);
    err = config_from_json(out, &j, root, base_dir);
    json_decref(root);
free_text:
    free(text);
zero_output:
    if (err != SEQ_OK)
        memset(out, 0, sizeof(*out));
    return err;
}

seq_err node_config_apply_flags(node_config *config, node_diag *why, const node_config_flags *flags)
{
    SEQ_ASSERT(config != NULL && flags != NULL);
    node_diag_clear(why);
    const struct {
        const char *value;
        const char *flag;
        const char *field;
    } sets[] = {
        {flags->data_dir, "--data-dir", "data_dir"},
        {flags->genesis, "--genesis", "genesis"},
        {flags->key_dir, "--key-dir", "key_dir"},
        {flags->passphrase_file, "--passphrase-file", "passphrase_file"},
        {flags->listen, "--listen", "listen"},
        {flags->rpc_listen, "--rpc-listen", "rpc_listen"},
        {flags->l1_rpc, "--l1-rpc", "l1_rpc"},
        {flags->log_level, "--log-level", "log_level"},
        {flags->log_format, "--log-format", "log_format"},
    };
    node_config *next = malloc(sizeof(*next));
    if (next == NULL)
        return node_diag_set(why, SEQ_ERR_NO_MEMORY, "out of memory");
    *next = *config;
    seq_err err = SEQ_OK;
    for (size_t i = 0; i < SEQ_ARRAY_LEN(sets) && err == SEQ_OK; i++) {
        if (sets[i].value == NULL)
            continue;
        const config_field *f = NULL;
        for (size_t k = 0; k < SEQ_ARRAY_LEN(CONFIG_FIELDS) && f == NULL; k++)
            if (strcmp(CONFIG_FIELDS[k].name, sets[i].field) == 0)
                f = &CONFIG_FIELDS[k];
        SEQ_ASSERT(f != NULL);
        err = config_set(next, why, f, sets[i].flag, sets[i].value, NULL);
    }
    if (err == SEQ_OK && flags->passphrase_file != NULL)
        next->passphrase_env[0] = '\0'; /* the flag replaces whatever the file named */
    if (err == SEQ_OK && flags->insecure_key)
        next->insecure_key = true;
    if (err == SEQ_OK)
        *config = *next;
    free(next);
    return err;
}

/* ------------------------------------------------------------- resolve */

static seq_err resolve_required(node_diag *why, const node_config *c)
{
    const struct {
        const char *value, *field, *flag;
    } required[] = {
        {c->data_dir, "data_dir", "--data-dir"},
        {c->genesis, "genesis", "--genesis"},
        {c->key_dir, "key_dir", "--key-dir"},
    };
    for (size_t i = 0; i < SEQ_ARRAY_LEN(required); i++)
        if (required[i].value[0] == '\0')
            return node_diag_set(why, SEQ_ERR_INVALID_ARG,
                                 "%s is not set (config field \"%s\" or %s)", required[i].field,
                                 required[i].field, required[i].flag);
    return SEQ_OK;
}

/* Reads the passphrase the config names (if any) and loads the keys. */
static seq_err resolve_keys(node_config_resolved *r, node_diag *why)
{
    const node_config *c = &r->config;
    node_key_passphrase passphrase = {0};
    bool has_passphrase = c->passphrase_file[0] != '\0' || c->passphrase_env[0] != '\0';
    if (has_passphrase) {
        seq_err err = node_key_passphrase_read(
            &passphrase, why, c->passphrase_file[0] != '\0' ? c->passphrase_file : NULL,
            c->passphrase_file[0] != '\0' ? NULL : c->passphrase_env);
        if (err != SEQ_OK)
            return err;
    }
    seq_err err = node_key_load(&r->keys, why, c->key_dir, has_passphrase ? &passphrase : NULL,
                                c->insecure_key);
    node_key_passphrase_free(&passphrase);
    return err;
}

/* The key must be a committee member with the same transport key. */
static seq_err resolve_membership(node_config_resolved *r, node_diag *why)
{
    const node_config *c = &r->config;
    const node_key_public *pub = &r->keys.pub;
    char addr[43];
    l1_addr_checksum(addr, &pub->validator_address);
    if (!node_genesis_find(&r->genesis, &r->self_index, &pub->validator_address))
        return node_diag_set(why, SEQ_ERR_NOT_FOUND,
                             "key %s (%s/%s) is not in the genesis committee (%s, %u validators)",
                             addr, c->key_dir, NODE_KEY_FILE_VALIDATOR, c->genesis,
                             r->genesis.validator_count);
    const node_genesis_validator *v = &r->genesis.validators[r->self_index];
    if (memcmp(v->transport_public_key, pub->transport_public_key, WIRE_ED25519_KEY_BYTES) == 0)
        return SEQ_OK;
    char have[2u * WIRE_ED25519_KEY_BYTES + 3u], want[2u * WIRE_ED25519_KEY_BYTES + 3u];
    node_config_hex(have, sizeof have, pub->transport_public_key, WIRE_ED25519_KEY_BYTES);
    node_config_hex(want, sizeof want, v->transport_public_key, WIRE_ED25519_KEY_BYTES);
    return node_diag_set(
        why, SEQ_ERR_BAD_KEY,
        "transport key %s (%s/%s) does not match committee[%zu].transport_public_key "
        "%s of validator %s in %s",
        have, c->key_dir, NODE_KEY_FILE_TRANSPORT, r->self_index, want, addr, c->genesis);
}

/* With an L1: its deployment record (l1_deployment, or the one next to the
 * genesis file) must be this genesis's. Nothing contacts L1 here: a node
 * starts while L1 is down. */
static seq_err resolve_l1(node_config_resolved *r, node_diag *why)
{
    if (r->config.l1_rpc[0] == '\0')
        return SEQ_OK;
    char path[NODE_CONFIG_PATH_BYTES_MAX];
    if (r->config.l1_deployment[0] != '\0')
        snprintf(path, sizeof path, "%s", r->config.l1_deployment);
    else
        node_l1_record_default_path(path, sizeof path, r->config.genesis);
    seq_err err = node_l1_record_load(&r->l1, why, path);
    if (err == SEQ_ERR_NOT_FOUND)
        return node_diag_set(why, err,
                             "l1_rpc is set but there is no L1 deployment record at %s (run "
                             "`seqctl l1 deploy`, or set l1_deployment)",
                             path);
    if (err == SEQ_OK)
        err = node_l1_record_matches(why, path, &r->l1, &r->genesis, &r->genesis_hash);
    if (err != SEQ_OK)
        return err;
    snprintf(r->config.l1_deployment, sizeof r->config.l1_deployment, "%s", path);
    r->has_l1 = true;
    return SEQ_OK;
}

/* The data directory is a directory, or can be created (its parent is). */
static seq_err resolve_data_dir(node_config_resolved *r, node_diag *why)
{
    const char *dir = r->config.data_dir;
    struct stat st;
    if (stat(dir, &st) == 0) {
        if (!S_ISDIR(st.st_mode))
            return node_diag_set(why, SEQ_ERR_INVALID_ARG,
                                 "data_dir %s exists and is not a directory", dir);
        r->data_dir_exists = true;
        return SEQ_OK;
    }
    if (errno != ENOENT)
        return node_diag_set(why, SEQ_ERR_IO, "data_dir %s: %s", dir, strerror(errno));
    char parent[NODE_CONFIG_PATH_BYTES_MAX];
    config_dir_of(parent, dir);
    if (parent[0] == '\0')
        snprintf(parent, sizeof parent, ".");
    if (stat(parent, &st) != 0 || !S_ISDIR(st.st_mode))
        return node_diag_set(why, SEQ_ERR_NOT_FOUND,
                             "data_dir %s: its parent directory %s does not exist", dir, parent);
    r->data_dir_exists = false;
    return SEQ_OK;
}

seq_err node_config_resolve(node_config_resolved *out, node_diag *why, const node_config *config)
{
    SEQ_ASSERT(out != NULL && config != NULL);
    memset(out, 0, sizeof(*out));
    node_diag_clear(why);
    out->config = *config;
    seq_err err = resolve_required(why, config);
    if (err != SEQ_OK)
        goto zero_output;
    err = node_genesis_load(&out->genesis, why, config->genesis);
    if (err != SEQ_OK)
        goto zero_output;
    err = resolve_keys(out, why);
    if (err != SEQ_OK)
        goto zero_output;
    err = resolve_membership(out, why);
    if (err == SEQ_OK)
        err = resolve_data_dir(out, why);
    if (err != SEQ_OK)
        goto release_keys;
    if (out->config.listen[0] == '\0')
        snprintf(out->config.listen, sizeof out->config.listen, "%s",
                 out->genesis.validators[out->self_index].endpoint);
    node_genesis_hash(&out->genesis_hash, &out->genesis);
    err = resolve_l1(out, why);
    if (err != SEQ_OK)
        goto release_keys;
    return SEQ_OK;

release_keys:
    node_key_free(&out->keys);
zero_output:
    memset(out, 0, sizeof(*out));
    return err;
}

void node_config_release(node_config_resolved *r)
{
    if (r == NULL)
        return;
    node_key_free(&r->keys);
    memset(r, 0, sizeof(*r));
}
