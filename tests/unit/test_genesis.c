/* Tests for the genesis file (node/genesis.c): write -> load round trips,
 * a hash that ignores JSON formatting and member order but not values, the
 * documented hash encoding, every invalid field named, and the helpers that
 * feed the consensus core. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <jansson.h>
#include <sodium.h>

#include <zstd.h>

#include "../../node/internal.h"
#include "l1.h"
#include "node.h"
#include "test_files.h"

/* node_genesis_hash of test_hash_encoding's genesis, pinned. */
#define GENESIS_HASH_VECTOR "0xb10ab66fe86e418de3d9d150ffe1941a1c309f3f6cc982a1314a176694f4ef90"

/* A committee of n deterministic validators on loopback ports. */
static void make_genesis(node_genesis *g, size_t n)
{
    node_genesis_defaults(g);
    g->l2_chain_id = 901;
    g->l1_chain_id = 31337;
    g->timestamp_ms = UINT64_C(1700000000000);
    g->validator_count = (uint32_t)n;
    for (size_t i = 0; i < n; i++) {
        node_genesis_validator *v = &g->validators[i];
        uint8_t secret[32] = {0}, seed[32], sk[64];
        secret[31] = (uint8_t)(i + 1);
        memset(seed, (int)(i + 1), sizeof seed);
        assert_int_equal(l1_secp_address(&v->address, secret), SEQ_OK);
        crypto_sign_seed_keypair(v->transport_public_key, sk, seed);
        v->weight = 1;
        snprintf(v->endpoint, sizeof v->endpoint, "tcp://127.0.0.1:%zu", 7001 + i);
    }
}

/* The JSON text node_genesis_write produces for g; free() it. */
static char *genesis_text(const node_genesis *g)
{
    char *dir = tf_mkdtemp();
    char path[TF_PATH_BYTES];
    node_diag why;
    assert_int_equal(node_genesis_write(&why, tf_join(path, dir, "genesis.json"), g), SEQ_OK);
    char *text = tf_read(path);
    tf_rmtree(dir);
    free(dir);
    return text;
}

static void hash_of_text(seq_hash *out, const char *text)
{
    node_genesis *g = malloc(sizeof(*g));
    assert_non_null(g);
    node_diag why;
    seq_err err = node_genesis_parse(g, &why, "text", text, strlen(text));
    if (err != SEQ_OK)
        fail_msg("parse failed: %s", why.text);
    node_genesis_hash(out, g);
    free(g);
}

static void test_round_trip(void **state)
{
    (void)state;
    node_genesis *g = malloc(sizeof(*g)), *back = malloc(sizeof(*back));
    assert_non_null(g);
    assert_non_null(back);
    make_genesis(g, 4);
    g->validators[2].weight = 3;
    g->mempool.ordering = MEMPOOL_POLICY_PRIORITY;
    g->l1.has_inbox_address = true;
    memset(g->l1.inbox_address.b, 0xab, SEQ_ADDR_BYTES);
    node_diag why;
    assert_int_equal(node_genesis_validate(&why, g), SEQ_OK);

    char *dir = tf_mkdtemp();
    char path[TF_PATH_BYTES];
    tf_join(path, dir, "genesis.json");
    assert_int_equal(node_genesis_write(&why, path, g), SEQ_OK);
    mode_t mask = umask(0);
    umask(mask);
    assert_int_equal(tf_mode(path), 0644 & ~mask);
    assert_int_equal(node_genesis_load(back, &why, path), SEQ_OK);
    assert_string_equal(why.text, "");
    assert_memory_equal(g, back, sizeof(*g));
    seq_hash a, b;
    node_genesis_hash(&a, g);
    node_genesis_hash(&b, back);
    assert_memory_equal(&a, &b, sizeof a);

    char *text = tf_read(path);
    char checksum[43];
    l1_addr_checksum(checksum, &g->validators[0].address);
    assert_non_null(strstr(text, checksum));
    assert_non_null(strstr(text, "\"committee_address\": null"));
    assert_non_null(strstr(text, "\"ordering\": \"priority\""));
    free(text);

    /* never overwritten, and nothing invalid is written */
    assert_int_equal(node_genesis_write(&why, path, g), SEQ_ERR_EXISTS);
    assert_non_null(strstr(why.text, "refusing to overwrite"));
    g->validators[1].weight = 0;
    char other[TF_PATH_BYTES];
    assert_int_equal(node_genesis_write(&why, tf_join(other, dir, "bad.json"), g),
                     SEQ_ERR_INVALID_ARG);
    assert_non_null(strstr(why.text, "committee[1].weight"));
    assert_int_equal(access(other, F_OK), -1);

    assert_int_equal(node_genesis_load(back, &why, other), SEQ_ERR_NOT_FOUND);
    assert_non_null(strstr(why.text, other));
    tf_rmtree(dir);
    free(dir);
    free(g);
    free(back);
}

/* Reformatting, reordering members and lower-casing addresses keep the
 * hash; so does moving an endpoint. */
static void test_hash_ignores_formatting(void **state)
{
    (void)state;
    node_genesis *g = malloc(sizeof(*g));
    assert_non_null(g);
    make_genesis(g, 3);
    seq_hash want, got;
    node_genesis_hash(&want, g);
    char *text = genesis_text(g);
    hash_of_text(&got, text);
    assert_memory_equal(&got, &want, sizeof want);

    json_error_t e;
    json_t *root = json_loads(text, 0, &e);
    assert_non_null(root);
    const size_t flags[] = {JSON_COMPACT, JSON_INDENT(7) | JSON_SORT_KEYS,
                            JSON_COMPACT | JSON_SORT_KEYS};
    for (size_t i = 0; i < SEQ_ARRAY_LEN(flags); i++) {
        char *other = json_dumps(root, flags[i]);
        hash_of_text(&got, other);
        assert_memory_equal(&got, &want, sizeof want);
        free(other);
    }
    /* lower-case addresses are accepted and mean the same */
    json_t *first = json_array_get(json_object_get(root, "committee"), 0);
    char lower[43];
    snprintf(lower, sizeof lower, "%s", json_string_value(json_object_get(first, "address")));
    for (char *c = lower; *c; c++)
        if (*c >= 'A' && *c <= 'F')
            *c = (char)(*c - 'A' + 'a');
    json_object_set_new(first, "address", json_string(lower));
    json_object_set_new(first, "endpoint", json_string("tcp://validator-0.example:9000"));
    char *moved = json_dumps(root, JSON_INDENT(1));
    hash_of_text(&got, moved);
    assert_memory_equal(&got, &want, sizeof want);
    free(moved);
    json_decref(root);
    free(text);
    free(g);
}

/* Every hashed value changes the hash. */
static void test_hash_covers_values(void **state)
{
    (void)state;
    node_genesis *base = malloc(sizeof(*base)), *g = malloc(sizeof(*g));
    assert_non_null(base);
    assert_non_null(g);
    make_genesis(base, 3);
    seq_hash h0, h;
    node_genesis_hash(&h0, base);
    for (int change = 0; change < 22; change++) {
        *g = *base;
        switch (change) {
        case 0:
            g->l2_chain_id++;
            break;
        case 1:
            g->l1_chain_id++;
            break;
        case 2:
            g->timestamp_ms++;
            break;
        case 3:
            g->validators[1].weight = 2;
            break;
        case 4:
            g->validators[0].address.b[19] ^= 1;
            break;
        case 5:
            g->validators[2].transport_public_key[0] ^= 1;
            break;
        case 6:
            g->validators[0] = base->validators[1], g->validators[1] = base->validators[0];
            break;
        case 7:
            g->validator_count = 2;
            break;
        case 8:
            g->consensus.timeout_ms_base++;
            break;
        case 9:
            g->consensus.timeout_ms_max++;
            break;
        case 10:
            g->consensus.fetch_retry_ms++;
            break;
        case 11:
            g->consensus.blocks_max++;
            break;
        case 12:
            g->consensus.block_tx_bytes_max--;
            break;
        case 13:
            g->consensus.block_txs_max--;
            break;
        case 14:
            g->mempool.ordering = MEMPOOL_POLICY_PRIORITY;
            break;
        case 15:
            g->batch.max_blocks++;
            break;
        case 16:
            g->batch.max_bytes++;
            break;
        case 17:
            g->l1.has_committee_address = true;
            g->l1.committee_address.b[0] = 1;
            break;
        case 18:
            g->l1.confirmations++;
            break;
        case 19:
            g->l1.inclusion_window_blocks++;
            break;
        case 20:
            g->batch.max_span_ms++;
            break;
        case 21:
            g->batch.poster_timeout_ms++;
            break;
        }
        node_genesis_hash(&h, g);
        if (memcmp(&h, &h0, sizeof h) == 0)
            fail_msg("change %d does not change the hash", change);
    }
    /* an endpoint is not part of the chain's identity */
    *g = *base;
    snprintf(g->validators[0].endpoint, sizeof g->validators[0].endpoint, "tcp://10.0.0.1:1");
    node_genesis_hash(&h, g);
    assert_memory_equal(&h, &h0, sizeof h);
    free(base);
    free(g);
}

static void put_u32(uint8_t **p, uint32_t v)
{
    for (int i = 3; i >= 0; i--)
        *(*p)++ = (uint8_t)(v >> (8 * i));
}

static void put_u64(uint8_t **p, uint64_t v)
{
    put_u32(p, (uint32_t)(v >> 32));
    put_u32(p, (uint32_t)v);
}

static void put_bytes(uint8_t **p, const void *b, size_t n)
{
    memcpy(*p, b, n);
    *p += n;
}

/* The encoding exactly as node/README.md documents it, and a pinned value. */
static void test_hash_encoding(void **state)
{
    (void)state;
    node_genesis *g = malloc(sizeof(*g));
    assert_non_null(g);
    make_genesis(g, 2);
    g->validators[1].weight = 5;
    g->l1.has_committee_address = true;
    memset(g->l1.committee_address.b, 0x11, SEQ_ADDR_BYTES);
    uint8_t buf[512], *p = buf;
    put_bytes(&p, "seqd-genesis", 12);
    put_u32(&p, 1);
    put_u64(&p, 901);
    put_u64(&p, 31337);
    put_u64(&p, UINT64_C(1700000000000));
    put_u32(&p, 2);
    for (size_t i = 0; i < 2; i++) {
        put_bytes(&p, g->validators[i].address.b, 20);
        put_u32(&p, g->validators[i].weight);
        put_bytes(&p, g->validators[i].transport_public_key, 32);
    }
    put_u32(&p, 1000);
    put_u32(&p, 30000);
    put_u32(&p, 500);
    put_u32(&p, 256);
    put_u32(&p, 100u << 10);
    put_u32(&p, 4096);
    *p++ = 1; /* fifo */
    put_u32(&p, 1024);
    put_u32(&p, 120u << 10);
    put_u32(&p, 2000);
    put_u32(&p, 10000);
    *p++ = 1;
    put_bytes(&p, g->l1.committee_address.b, 20);
    *p++ = 0;
    memset(p, 0, 20);
    p += 20;
    put_u32(&p, 1);
    put_u64(&p, 32);
    assert_int_equal(p - buf, 12 + 4 + 24 + 4 + 2 * 56 + 24 + 1 + 16 + 42 + 12);
    seq_hash want, got;
    l1_keccak256(&want, buf, (size_t)(p - buf));
    node_genesis_hash(&got, g);
    assert_memory_equal(&got, &want, sizeof want);
    char hex[67];
    assert_int_equal(l1_hex_encode(hex, sizeof hex, got.b, 32), SEQ_OK);
    assert_string_equal(hex, GENESIS_HASH_VECTOR);
    free(g);
}

/* ---------------------------------------------------------- invalid fields */

/* Sets (value) or deletes (NULL) the member at path: "a.b", "committee[1].c". */
static void json_set_path(json_t *root, const char *path, json_t *value)
{
    char buf[128];
    snprintf(buf, sizeof buf, "%s", path);
    json_t *node = root;
    char *save = NULL;
    char *seg = strtok_r(buf, ".", &save);
    while (seg != NULL) {
        char *next = strtok_r(NULL, ".", &save);
        char *bracket = strchr(seg, '[');
        size_t index = 0;
        if (bracket != NULL) {
            index = strtoul(bracket + 1, NULL, 10);
            *bracket = '\0';
        }
        if (next == NULL && bracket == NULL) {
            if (value == NULL)
                assert_int_equal(json_object_del(node, seg), 0);
            else
                assert_int_equal(json_object_set_new(node, seg, value), 0);
            return;
        }
        node = json_object_get(node, seg);
        assert_non_null(node);
        if (bracket != NULL) {
            if (next == NULL) {
                assert_int_equal(json_array_set_new(node, index, value), 0);
                return;
            }
            node = json_array_get(node, index);
            assert_non_null(node);
        }
        seg = next;
    }
}

typedef struct {
    const char *path;
    const char *value; /* JSON text; NULL deletes the member */
    seq_err code;
    const char *text; /* the diagnostic contains it */
} invalid_case;

static const invalid_case INVALID[] = {
    {"version", "2", SEQ_ERR_BAD_VERSION, "version: 2 is not supported"},
    {"version", NULL, SEQ_ERR_MALFORMED, "version: missing field"},
    {"l2_chain_id", "0", SEQ_ERR_INVALID_ARG, "l2_chain_id: 0 is outside 1..9007199254740991"},
    {"l2_chain_id", "9007199254740992", SEQ_ERR_INVALID_ARG, "l2_chain_id"},
    {"l2_chain_id", "\"901\"", SEQ_ERR_MALFORMED, "l2_chain_id: must be an integer"},
    {"l2_chain_id", "901.0", SEQ_ERR_MALFORMED, "l2_chain_id: must be an integer"},
    {"l2_chain_id", "-1", SEQ_ERR_INVALID_ARG, "l2_chain_id"},
    {"l1_chain_id", "0", SEQ_ERR_INVALID_ARG, "l1_chain_id: 0"},
    {"timestamp_ms", "9007199254740992", SEQ_ERR_INVALID_ARG, "timestamp_ms"},
    {"timestamp_ms", "null", SEQ_ERR_MALFORMED, "timestamp_ms: must be an integer"},
    {"extra", "1", SEQ_ERR_MALFORMED, "extra: unknown field"},
    {"committee", "[]", SEQ_ERR_INVALID_ARG, "committee: 0 validators"},
    {"committee", "{}", SEQ_ERR_MALFORMED, "committee: must be an array"},
    {"committee", NULL, SEQ_ERR_MALFORMED, "committee: missing field"},
    {"committee[1]", "7", SEQ_ERR_MALFORMED, "committee[1]: must be an object"},
    {"committee[1].weight", "0", SEQ_ERR_INVALID_ARG, "committee[1].weight: 0 is outside 1..4096"},
    {"committee[1].weight", "4097", SEQ_ERR_INVALID_ARG, "committee[1].weight"},
    {"committee[0].weight", "4094", SEQ_ERR_INVALID_ARG, "committee: total weight 4097"},
    {"committee[2].extra", "true", SEQ_ERR_MALFORMED, "committee[2].extra: unknown field"},
    {"committee[2].endpoint", NULL, SEQ_ERR_MALFORMED, "committee[2].endpoint: missing field"},
    {"committee[0].address", "\"0x1234\"", SEQ_ERR_MALFORMED, "committee[0].address"},
    {"committee[0].address", "\"0x0000000000000000000000000000000000000000\"", SEQ_ERR_INVALID_ARG,
     "committee[0].address: the zero address"},
    {"committee[0].address", "\"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD\"", SEQ_ERR_INVALID_ARG,
     "committee[0].address: 0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD fails its EIP-55"},
    {"committee[2].address", "COPY committee[0].address", SEQ_ERR_INVALID_ARG,
     "committee[2].address: the same as committee[0].address"},
    {"committee[1].transport_public_key", "COPY committee[0].transport_public_key",
     SEQ_ERR_INVALID_ARG, "committee[1].transport_public_key: the same as committee[0]"},
    {"committee[1].transport_public_key",
     "\"0x0000000000000000000000000000000000000000000000000000000000000000\"", SEQ_ERR_INVALID_ARG,
     "committee[1].transport_public_key: not a valid Ed25519 public key"},
    {"committee[1].transport_public_key", "\"0x00\"", SEQ_ERR_MALFORMED,
     "committee[1].transport_public_key: must be 0x and 64 hex digits"},
    {"committee[3].endpoint", "COPY committee[1].endpoint", SEQ_ERR_INVALID_ARG,
     "committee[3].endpoint: the same as committee[1].endpoint"},
    {"committee[3].endpoint", "\"tcp://127.0.0.1\"", SEQ_ERR_INVALID_ARG, "committee[3].endpoint"},
    {"committee[3].endpoint", "\"tcp://127.0.0.1:0\"", SEQ_ERR_INVALID_ARG,
     "committee[3].endpoint"},
    {"committee[3].endpoint", "\"udp://127.0.0.1:7\"", SEQ_ERR_INVALID_ARG,
     "committee[3].endpoint"},
    {"committee[3].endpoint", "5", SEQ_ERR_MALFORMED, "committee[3].endpoint: must be a string"},
    {"consensus", "[]", SEQ_ERR_MALFORMED, "consensus: must be an object"},
    {"consensus", NULL, SEQ_ERR_MALFORMED, "consensus: missing field"},
    {"consensus.extra", "1", SEQ_ERR_MALFORMED, "consensus.extra: unknown field"},
    {"consensus.timeout_ms_base", "9", SEQ_ERR_INVALID_ARG, "consensus.timeout_ms_base: 9"},
    {"consensus.timeout_ms_base", NULL, SEQ_ERR_MALFORMED, "consensus.timeout_ms_base: missing"},
    {"consensus.timeout_ms_max", "600001", SEQ_ERR_INVALID_ARG, "consensus.timeout_ms_max"},
    {"consensus.timeout_ms_max", "999", SEQ_ERR_INVALID_ARG,
     "consensus.timeout_ms_max: 999 is below consensus.timeout_ms_base 1000"},
    {"consensus.fetch_retry_ms", "0", SEQ_ERR_INVALID_ARG, "consensus.fetch_retry_ms"},
    {"consensus.blocks_max", "71", SEQ_ERR_INVALID_ARG,
     "consensus.blocks_max: 71 is outside 72..4096"},
    {"consensus.blocks_max", "4097", SEQ_ERR_INVALID_ARG, "consensus.blocks_max"},
    {"consensus.block_tx_bytes_max", "0", SEQ_ERR_INVALID_ARG, "consensus.block_tx_bytes_max"},
    {"consensus.block_tx_bytes_max", "2097153", SEQ_ERR_INVALID_ARG,
     "consensus.block_tx_bytes_max"},
    {"consensus.block_txs_max", "16385", SEQ_ERR_INVALID_ARG, "consensus.block_txs_max"},
    {"consensus.block_txs_max", "4294967296", SEQ_ERR_INVALID_ARG, "consensus.block_txs_max"},
    {"mempool.ordering", "\"lifo\"", SEQ_ERR_INVALID_ARG, "mempool.ordering: \"lifo\""},
    {"mempool.extra", "1", SEQ_ERR_MALFORMED, "mempool.extra: unknown field"},
    {"batch.max_blocks", "0", SEQ_ERR_INVALID_ARG, "batch.max_blocks"},
    {"batch.max_blocks", "65537", SEQ_ERR_INVALID_ARG, "batch.max_blocks"},
    {"batch.max_bytes", "130049", SEQ_ERR_INVALID_ARG,
     "batch.max_bytes: 130049 is outside 1..130048"},
    {"batch.max_bytes", "118955", SEQ_ERR_INVALID_ARG,
     "batch.max_bytes: 118955 cannot hold a full block (118956 bytes"},
    {"batch.max_span_ms", "0", SEQ_ERR_INVALID_ARG, "batch.max_span_ms: 0 is outside"},
    {"batch.max_span_ms", NULL, SEQ_ERR_MALFORMED, "batch.max_span_ms: missing"},
    {"batch.poster_timeout_ms", "9", SEQ_ERR_INVALID_ARG, "batch.poster_timeout_ms: 9"},
    {"batch.poster_timeout_ms", NULL, SEQ_ERR_MALFORMED, "batch.poster_timeout_ms: missing"},
    {"l1.committee_address", "\"0x0000000000000000000000000000000000000000\"", SEQ_ERR_INVALID_ARG,
     "l1.committee_address: the zero address (use null)"},
    {"l1.inbox_address", "\"nope\"", SEQ_ERR_MALFORMED, "l1.inbox_address"},
    {"l1.inbox_address", "1", SEQ_ERR_MALFORMED,
     "l1.inbox_address: must be an address string or null"},
    {"l1.confirmations", "1025", SEQ_ERR_INVALID_ARG, "l1.confirmations"},
    {"l1.inclusion_window_blocks", "0", SEQ_ERR_INVALID_ARG, "l1.inclusion_window_blocks"},
    {"l1.inclusion_window_blocks", "1000001", SEQ_ERR_INVALID_ARG, "l1.inclusion_window_blocks"},
    {"l1.extra", "null", SEQ_ERR_MALFORMED, "l1.extra: unknown field"},
};

/* The value of a case: JSON text, or "COPY path" of another member. */
static json_t *case_value(json_t *root, const char *value)
{
    if (value == NULL)
        return NULL;
    if (strncmp(value, "COPY committee[", 15) == 0) {
        size_t index = strtoul(value + 15, NULL, 10);
        const char *member = strchr(value, '.') + 1;
        json_t *entry = json_array_get(json_object_get(root, "committee"), index);
        return json_deep_copy(json_object_get(entry, member));
    }
    json_error_t e;
    json_t *v = json_loads(value, JSON_DECODE_ANY, &e);
    assert_non_null(v);
    return v;
}

static void test_invalid_fields(void **state)
{
    (void)state;
    node_genesis *g = malloc(sizeof(*g));
    assert_non_null(g);
    make_genesis(g, 4);
    g->l1.has_committee_address = true; /* a posting chain: blocks must fit batches */
    memset(g->l1.committee_address.b, 0x11, SEQ_ADDR_BYTES);
    char *text = genesis_text(g);
    json_error_t e;
    for (size_t i = 0; i < SEQ_ARRAY_LEN(INVALID); i++) {
        const invalid_case *c = &INVALID[i];
        json_t *root = json_loads(text, 0, &e);
        assert_non_null(root);
        json_set_path(root, c->path, case_value(root, c->value));
        char *bad = json_dumps(root, JSON_INDENT(2));
        node_diag why;
        memset(g, 0xaa, sizeof(*g));
        seq_err err = node_genesis_parse(g, &why, "g.json", bad, strlen(bad));
        if (err != c->code || strstr(why.text, c->text) == NULL ||
            strncmp(why.text, "g.json: ", 8) != 0)
            fail_msg("case %zu (%s = %s): got %s \"%s\"", i, c->path, c->value ? c->value : "-",
                     seq_errname(err), why.text);
        for (size_t b = 0; b < sizeof(*g); b++)
            assert_int_equal(((const uint8_t *)g)[b], 0);
        free(bad);
        json_decref(root);
    }
    free(text);
    free(g);
}

static void test_invalid_text(void **state)
{
    (void)state;
    node_genesis *g = malloc(sizeof(*g));
    assert_non_null(g);
    make_genesis(g, 1);
    char *text = genesis_text(g);
    node_diag why;
    /* a repeated member, trailing bytes, not JSON, not an object */
    char *dup = malloc(strlen(text) + 32);
    assert_non_null(dup);
    snprintf(dup, strlen(text) + 32, "{\"version\": 1, %s", text + 1);
    assert_int_equal(node_genesis_parse(g, &why, "g", dup, strlen(dup)), SEQ_ERR_MALFORMED);
    assert_non_null(strstr(why.text, "duplicate"));
    snprintf(dup, strlen(text) + 32, "%s x", text);
    assert_int_equal(node_genesis_parse(g, &why, "g", dup, strlen(dup)), SEQ_ERR_MALFORMED);
    assert_non_null(strstr(why.text, "not valid JSON"));
    assert_int_equal(node_genesis_parse(g, &why, "g", "[1]", 3), SEQ_ERR_MALFORMED);
    assert_non_null(strstr(why.text, "must be a JSON object"));
    assert_int_equal(node_genesis_parse(g, &why, "g", "", 0), SEQ_ERR_MALFORMED);
    /* the same text parses when the length cuts the junk off */
    assert_int_equal(node_genesis_parse(g, &why, "g", dup, strlen(text)), SEQ_OK);
    free(dup);
    free(text);

    char *dir = tf_mkdtemp();
    char path[TF_PATH_BYTES];
    tf_join(path, dir, "big.json");
    char *big = malloc(NODE_GENESIS_FILE_BYTES_MAX + 2);
    assert_non_null(big);
    memset(big, ' ', NODE_GENESIS_FILE_BYTES_MAX + 1);
    big[NODE_GENESIS_FILE_BYTES_MAX + 1] = '\0';
    tf_write(path, big, 0644);
    assert_int_equal(node_genesis_load(g, &why, path), SEQ_ERR_TOO_LARGE);
    assert_non_null(strstr(why.text, "big.json"));
    assert_int_equal(node_genesis_load(g, &why, dir), SEQ_ERR_IO);
    free(big);
    tf_rmtree(dir);
    free(dir);
    free(g);
}

/* "tcp://aaaaaaaaa.aaaaaaaaa.(...)a:7001", len characters long. */
static void long_endpoint(char *out, size_t len)
{
    size_t host = len - strlen("tcp://") - strlen(":7001");
    memcpy(out, "tcp://", 6);
    for (size_t i = 0; i < host; i++)
        out[6 + i] = i % 10 == 9 && i + 1 < host ? '.' : 'a';
    memcpy(out + 6 + host, ":7001", 6);
    assert_int_equal(strlen(out), len);
}

static void test_endpoints(void **state)
{
    (void)state;
    const char *good[] = {"tcp://127.0.0.1:7001",        "tcp://localhost:1",
                          "tcp://a-b.example.org:65535", "tcp://[::1]:7000",
                          "tcp://[fe80::1:2]:80",        "tcp://0.0.0.0:9"};
    const char *bad[] = {"tcp://127.0.0.1",
                         "tcp://127.0.0.1:",
                         "tcp://127.0.0.1:0",
                         "tcp://h:65536",
                         "tcp://h:080",
                         "tcp://h:8a",
                         "tcp://:80",
                         "tcp://-h:1",
                         "tcp://h-:1",
                         "tcp://a..b:1",
                         "tcp://.a:1",
                         "tcp://a.:1",
                         "tcp://h_x:1",
                         "tcp://[::1:7000",
                         "tcp://[]:1",
                         "tcp://[zz::]:1",
                         "tcp://::1:7000",
                         "udp://h:1",
                         "TCP://h:1",
                         "tcp://h:1/path",
                         "h:1",
                         "tcp://user@h:1",
                         "",
                         "tcp://h:1 "};
    for (size_t i = 0; i < SEQ_ARRAY_LEN(good); i++)
        if (!node_genesis_endpoint_valid(good[i]))
            fail_msg("%s refused", good[i]);
    for (size_t i = 0; i < SEQ_ARRAY_LEN(bad); i++)
        if (node_genesis_endpoint_valid(bad[i]))
            fail_msg("%s accepted", bad[i]);
    char longest[NODE_GENESIS_ENDPOINT_BYTES_MAX + 1];
    long_endpoint(longest, NODE_GENESIS_ENDPOINT_BYTES_MAX - 1u);
    assert_true(node_genesis_endpoint_valid(longest));
    long_endpoint(longest, NODE_GENESIS_ENDPOINT_BYTES_MAX);
    assert_false(node_genesis_endpoint_valid(longest));
    /* a DNS label is at most 63 characters */
    char label[128];
    memset(label, 'a', sizeof label);
    memcpy(label, "tcp://", 6);
    memcpy(label + 6 + 63, ":1", 3);
    assert_true(node_genesis_endpoint_valid(label));
    memset(label, 'a', sizeof label);
    memcpy(label, "tcp://", 6);
    memcpy(label + 6 + 64, ":1", 3);
    assert_false(node_genesis_endpoint_valid(label));
}

static void test_core_inputs(void **state)
{
    (void)state;
    node_genesis *g = malloc(sizeof(*g));
    cons_config *config = malloc(sizeof(*config));
    assert_non_null(g);
    assert_non_null(config);
    make_genesis(g, 4);
    g->validators[3].weight = 2;

    seq_block_header h;
    memset(&h, 0xaa, sizeof h);
    node_genesis_block_header(&h, g);
    assert_int_equal(h.l2_chain_id, 901);
    assert_int_equal(h.height, 0);
    assert_int_equal(h.view, 0);
    assert_int_equal(h.timestamp_ms, UINT64_C(1700000000000));
    assert_true(seq_hash_is_zero(&h.parent_hash) && seq_hash_is_zero(&h.tx_root));

    size_t index = 99;
    assert_true(node_genesis_find(g, &index, &g->validators[2].address));
    assert_int_equal(index, 2);
    seq_addr stranger = {{0x42}};
    assert_false(node_genesis_find(g, &index, &stranger));

    assert_int_equal(node_genesis_cons_config(config, g, &g->validators[1].address), SEQ_OK);
    assert_int_equal(config->committee.count, 4);
    assert_int_equal(config->committee.weight_total, 5);
    assert_int_equal(config->committee.weight_quorum, 4);
    assert_true(seq_addr_equal(&config->self, &g->validators[1].address));
    assert_int_equal(config->timeout_ms_base, NODE_GENESIS_TIMEOUT_MS_BASE_DEFAULT);
    assert_int_equal(config->blocks_max, CONS_BLOCKS_DEFAULT);
    assert_int_equal(config->genesis.l2_chain_id, config->l2_chain_id);
    assert_null(config->ops.sign);
    assert_int_equal(node_genesis_cons_config(config, g, &stranger), SEQ_ERR_INVALID_ARG);
    assert_int_equal(config->committee.count, 0);

    seq_hash got, want;
    const seq_addr zero = {{0}};
    node_genesis_domain_separator(&got, g);
    l1_eip712_domain_separator(&want, "seqd", "1", 31337, &zero);
    assert_memory_equal(&got, &want, sizeof got);
    g->l1.has_committee_address = true;
    memset(g->l1.committee_address.b, 0x77, SEQ_ADDR_BYTES);
    node_genesis_domain_separator(&got, g);
    l1_eip712_domain_separator(&want, "seqd", "1", 31337, &g->l1.committee_address);
    assert_memory_equal(&got, &want, sizeof got);

    g->validator_count = 0;
    cons_committee *committee = malloc(sizeof(*committee));
    assert_non_null(committee);
    assert_int_equal(node_genesis_committee(committee, g), SEQ_ERR_INVALID_ARG);
    free(committee);
    free(config);
    free(g);
}

/* Batch sizes: a full block must fit a batch, and a batch with every
 * signature must fit one L1 transaction; the limit shrinks as the
 * committee grows. */
static void test_batch_limits(void **state)
{
    (void)state;
    node_genesis *g = malloc(sizeof(*g));
    assert_non_null(g);
    make_genesis(g, 4);
    uint32_t limit4 = node_genesis_batch_bytes_limit(g);
    assert_true(limit4 >= NODE_GENESIS_BATCH_BYTES_DEFAULT);
    assert_true(limit4 <= NODE_GENESIS_BATCH_BYTES_MAX);
    assert_true(l1_batch_post_calldata_bytes(ZSTD_COMPRESSBOUND(limit4) + 1, 4) <=
                L1_TX_DATA_BYTES_MAX);
    if (limit4 < NODE_GENESIS_BATCH_BYTES_MAX)
        assert_true(l1_batch_post_calldata_bytes(ZSTD_COMPRESSBOUND(limit4 + 64) + 1, 4) >
                    L1_TX_DATA_BYTES_MAX);
    node_diag why;
    assert_int_equal(node_genesis_validate(&why, g), SEQ_OK);
    g->batch.max_bytes = limit4 + 1;
    if (limit4 < NODE_GENESIS_BATCH_BYTES_MAX) {
        assert_int_equal(node_genesis_validate(&why, g), SEQ_ERR_INVALID_ARG);
        assert_non_null(strstr(why.text, "fit one L1 transaction"));
    }
    /* 200 signatures take 13 KB of the transaction: a smaller limit. */
    g->validator_count = 200;
    uint32_t limit200 = node_genesis_batch_bytes_limit(g);
    assert_true(limit200 < limit4);
    assert_true(l1_batch_post_calldata_bytes(ZSTD_COMPRESSBOUND(limit200) + 1, 200) <=
                L1_TX_DATA_BYTES_MAX);
    /* The block bound: header, tx count, a prefix per tx, the tx bytes;
     * enforced when the genesis names the Committee (its chain posts). */
    make_genesis(g, 4);
    g->l1.has_committee_address = true;
    memset(g->l1.committee_address.b, 0x11, SEQ_ADDR_BYTES);
    g->consensus.block_txs_max = 10;
    g->consensus.block_tx_bytes_max = 1000;
    assert_int_equal(node_genesis_block_payload_bytes_max(g), 168 + 40 + 1000);
    g->batch.max_bytes = 4 + 168 + 40 + 1000;
    assert_int_equal(node_genesis_validate(&why, g), SEQ_OK);
    g->batch.max_bytes--;
    assert_int_equal(node_genesis_validate(&why, g), SEQ_ERR_INVALID_ARG);
    assert_non_null(strstr(why.text, "cannot hold a full block"));
    /* Ordering only (no L1 contracts named): blocks up to the wire caps. */
    g->l1.has_committee_address = false;
    assert_int_equal(node_genesis_validate(&why, g), SEQ_OK);
    g->consensus.block_tx_bytes_max = WIRE_BLOCK_TX_BYTES_MAX;
    g->consensus.block_txs_max = WIRE_BLOCK_TXS_MAX;
    assert_int_equal(node_genesis_validate(&why, g), SEQ_OK);
    free(g);
}

/* node_l1_record_from and node_l1_record_params are inverses for the
 * deployment parameters a record carries; the members come from the
 * genesis. */
static void test_l1_record_params(void **state)
{
    (void)state;
    node_genesis g;
    node_genesis_defaults(&g);
    g.l1_chain_id = 31337;
    g.l2_chain_id = 901;
    g.validator_count = 2;
    memset(g.validators[0].address.b, 0x11, SEQ_ADDR_BYTES);
    memset(g.validators[1].address.b, 0x22, SEQ_ADDR_BYTES);
    g.validators[0].weight = 1;
    g.validators[1].weight = 3;
    l1_deploy_params p;
    l1_deploy_params_default(&p);
    p.l1_chain_id = 31337;
    p.l2_chain_id = 901;
    p.epoch_blocks = 7;
    p.evidence_window_blocks = 11;
    p.unbonding_delay_blocks = 13;
    p.min_bond_wei = 17;
    p.inclusion_window_blocks = 19;
    p.force_grace_blocks = 23;
    p.force_fee_wei = 29;
    p.forced_tx_bytes_max = 31;
    seq_hash genesis_hash;
    memset(genesis_hash.b, 0x5a, SEQ_HASH_BYTES);
    seq_addr committee, inbox;
    memset(committee.b, 0xc0, SEQ_ADDR_BYTES);
    memset(inbox.b, 0x1b, SEQ_ADDR_BYTES);
    node_l1_record r;
    node_l1_record_from(&r, &p, &genesis_hash, &committee, &inbox);
    assert_memory_equal(r.genesis_hash.b, genesis_hash.b, SEQ_HASH_BYTES);
    assert_memory_equal(r.committee.b, committee.b, SEQ_ADDR_BYTES);
    assert_memory_equal(r.inbox.b, inbox.b, SEQ_ADDR_BYTES);
    assert_false(r.has_deployer);
    l1_deploy_params back;
    node_l1_record_params(&back, &r, &g);
    assert_int_equal(back.l1_chain_id, 31337);
    assert_int_equal(back.l2_chain_id, 901);
    assert_int_equal(back.epoch_blocks, 7);
    assert_int_equal(back.evidence_window_blocks, 11);
    assert_int_equal(back.unbonding_delay_blocks, 13);
    assert_int_equal(back.min_bond_wei, 17);
    assert_int_equal(back.inclusion_window_blocks, 19);
    assert_int_equal(back.force_grace_blocks, 23);
    assert_int_equal(back.force_fee_wei, 29);
    assert_int_equal(back.forced_tx_bytes_max, 31);
    assert_int_equal(back.member_count, 2);
    assert_memory_equal(back.members[1].b, g.validators[1].address.b, SEQ_ADDR_BYTES);
    assert_int_equal(back.weights[1], 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_l1_record_params),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_hash_ignores_formatting),
        cmocka_unit_test(test_hash_covers_values),
        cmocka_unit_test(test_hash_encoding),
        cmocka_unit_test(test_invalid_fields),
        cmocka_unit_test(test_invalid_text),
        cmocka_unit_test(test_endpoints),
        cmocka_unit_test(test_core_inputs),
        cmocka_unit_test(test_batch_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
