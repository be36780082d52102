/* genesis.c — the genesis file: strict JSON in, strict JSON out, one
 * validation routine for both directions, and the genesis hash over a
 * canonical binary encoding (node/README.md "Genesis").
 *
 * The parser only checks types and shapes; every value range lives in
 * genesis_validate so that a file read and a genesis built by seqctl obey
 * exactly the same rules. */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include "l1.h"

#define ENDPOINT_SCHEME           "tcp://"
#define HOST_BYTES_MAX            253u /* a DNS name */
#define HOST_LABEL_BYTES_MAX      63u  /* one label of it */
#define LABEL_BYTES               64u  /* "committee[255].transport_public_key" fits */
#define KEY_HEX_CHARS             (2u * WIRE_ED25519_KEY_BYTES + 3u)
#define GENESIS_ORDERING_FIFO     1u /* mempool.ordering in the hash encoding */
#define GENESIS_ORDERING_PRIORITY 2u

_Static_assert(NODE_GENESIS_INTEGER_MAX <= (uint64_t)INT64_MAX, "jansson integers are signed");
_Static_assert(CONS_VALIDATORS_MAX <= UINT32_MAX, "validator_count is a u32 in the encoding");

/* ------------------------------------------------------------ endpoints */

static bool host_char_valid(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.';
}

/* A DNS name or dotted IPv4: [A-Za-z0-9-.], no empty label, no label
 * starting or ending with '-'. */
static bool host_name_valid(const char *host, size_t len)
{
    if (len == 0 || len > HOST_BYTES_MAX)
        return false;
    size_t label_len = 0;
    for (size_t i = 0; i < len; i++) {
        bool label_start = i == 0 || host[i - 1] == '.';
        bool label_end = i + 1 == len || host[i + 1] == '.';
        label_len = host[i] == '.' ? 0 : label_len + 1;
        if (!host_char_valid(host[i]) || (host[i] == '.' && label_start) ||
            (host[i] == '-' && (label_start || label_end)) || label_len > HOST_LABEL_BYTES_MAX)
            return false;
    }
    return host[len - 1] != '.';
}

/* The inside of "[...]": hex digits, ':' and '.' (for an embedded IPv4). */
static bool host_ipv6_valid(const char *host, size_t len)
{
    if (len < 2 || len > 45)
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = host[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') ||
              c == ':' || c == '.'))
            return false;
    }
    return memchr(host, ':', len) != NULL;
}

static bool port_valid(const char *port)
{
    size_t len = strlen(port);
    if (len == 0 || len > 5 || port[0] == '0')
        return false;
    uint32_t value = 0;
    for (size_t i = 0; i < len; i++) {
        if (port[i] < '0' || port[i] > '9')
            return false;
        value = value * 10u + (uint32_t)(port[i] - '0');
    }
    return value >= 1 && value <= 65535;
}

bool node_genesis_host_port_valid(const char *host_port)
{
    SEQ_ASSERT(host_port != NULL);
    if (host_port[0] == '[') {
        const char *close = strchr(host_port, ']');
        return close != NULL && close[1] == ':' &&
               host_ipv6_valid(host_port + 1, (size_t)(close - host_port - 1)) &&
               port_valid(close + 2);
    }
    const char *colon = strchr(host_port, ':');
    return colon != NULL && host_name_valid(host_port, (size_t)(colon - host_port)) &&
           port_valid(colon + 1);
}

bool node_genesis_endpoint_valid(const char *endpoint)
{
    SEQ_ASSERT(endpoint != NULL);
    size_t scheme = strlen(ENDPOINT_SCHEME);
    return strnlen(endpoint, NODE_GENESIS_ENDPOINT_BYTES_MAX) < NODE_GENESIS_ENDPOINT_BYTES_MAX &&
           strncmp(endpoint, ENDPOINT_SCHEME, scheme) == 0 &&
           node_genesis_host_port_valid(endpoint + scheme);
}

/* ------------------------------------------------------------ defaults */

_Static_assert(ZSTD_COMPRESSBOUND(NODE_GENESIS_BATCH_BYTES_MAX) + 1u <= L1_BATCH_DATA_BYTES_MAX,
               "a batch of max_bytes payload compresses into what the Inbox takes");
_Static_assert(NODE_GENESIS_BLOCK_TX_BYTES_DEFAULT +
                       NODE_GENESIS_BLOCK_TXS_DEFAULT * L1_BATCH_TX_PREFIX_BYTES +
                       L1_BATCH_BLOCK_HEAD_BYTES + L1_BATCH_COUNT_BYTES <=
                   NODE_GENESIS_BATCH_BYTES_DEFAULT,
               "the default block fits the default batch");

/* Worst case postBatch calldata of a batch of payload_bytes with every
 * validator's signature. */
static size_t post_calldata_bytes_max(uint64_t payload_bytes, uint32_t validators)
{
    return l1_batch_post_calldata_bytes(ZSTD_COMPRESSBOUND(payload_bytes) + 1u, validators);
}

uint32_t node_genesis_batch_bytes_limit(const node_genesis *g)
{
    SEQ_ASSERT(g != NULL);
    uint32_t x = NODE_GENESIS_BATCH_BYTES_MAX;
    while (x > 0 && post_calldata_bytes_max(x, g->validator_count) > L1_TX_DATA_BYTES_MAX)
        x -= SEQ_MIN(x, 64u);
    return x;
}

uint64_t node_genesis_forced_due_blocks(const node_genesis *g)
{
    SEQ_ASSERT(g != NULL);
    return node_forced_due_blocks(g->l1.inclusion_window_blocks);
}

uint64_t node_genesis_block_payload_bytes_max(const node_genesis *g)
{
    SEQ_ASSERT(g != NULL);
    return (uint64_t)L1_BATCH_BLOCK_HEAD_BYTES +
           (uint64_t)g->consensus.block_txs_max * L1_BATCH_TX_PREFIX_BYTES +
           g->consensus.block_tx_bytes_max;
}

void node_genesis_defaults(node_genesis *out)
{
    SEQ_ASSERT(out != NULL);
    memset(out, 0, sizeof(*out));
    out->consensus.timeout_ms_base = NODE_GENESIS_TIMEOUT_MS_BASE_DEFAULT;
    out->consensus.timeout_ms_max = NODE_GENESIS_TIMEOUT_MS_MAX_DEFAULT;
    out->consensus.fetch_retry_ms = NODE_GENESIS_FETCH_RETRY_MS_DEFAULT;
    out->consensus.blocks_max = CONS_BLOCKS_DEFAULT;
    out->consensus.block_tx_bytes_max = NODE_GENESIS_BLOCK_TX_BYTES_DEFAULT;
    out->consensus.block_txs_max = NODE_GENESIS_BLOCK_TXS_DEFAULT;
    out->mempool.ordering = MEMPOOL_POLICY_FIFO;
    out->batch.max_blocks = NODE_GENESIS_BATCH_BLOCKS_DEFAULT;
    out->batch.max_bytes = NODE_GENESIS_BATCH_BYTES_DEFAULT;
    out->batch.max_span_ms = NODE_GENESIS_BATCH_SPAN_MS_DEFAULT;
    out->batch.poster_timeout_ms = NODE_GENESIS_POSTER_TIMEOUT_MS_DEFAULT;
    out->l1.confirmations = NODE_GENESIS_CONFIRMATIONS_DEFAULT;
    out->l1.inclusion_window_blocks = NODE_GENESIS_INCLUSION_WINDOW_DEFAULT;
}

/* ----------------------------------------------------------- validation */

/* Every scalar range, by JSON name. */
static seq_err genesis_validate_ranges(node_diag *why, const char *name, const node_genesis *g)
{
    const struct {
        const char *field;
        uint64_t value, min, max;
    } ranges[] = {
        {"l2_chain_id", g->l2_chain_id, 1, NODE_GENESIS_INTEGER_MAX},
        {"l1_chain_id", g->l1_chain_id, 1, NODE_GENESIS_INTEGER_MAX},
        {"timestamp_ms", g->timestamp_ms, 0, NODE_GENESIS_INTEGER_MAX},
        {"consensus.timeout_ms_base", g->consensus.timeout_ms_base, NODE_GENESIS_TIMER_MS_MIN,
         NODE_GENESIS_TIMER_MS_MAX},
        {"consensus.timeout_ms_max", g->consensus.timeout_ms_max, NODE_GENESIS_TIMER_MS_MIN,
         NODE_GENESIS_TIMER_MS_MAX},
        {"consensus.fetch_retry_ms", g->consensus.fetch_retry_ms, NODE_GENESIS_TIMER_MS_MIN,
         NODE_GENESIS_TIMER_MS_MAX},
        {"consensus.blocks_max", g->consensus.blocks_max, CONS_BLOCKS_MIN, CONS_BLOCKS_MAX},
        {"consensus.block_tx_bytes_max", g->consensus.block_tx_bytes_max, 1,
         WIRE_BLOCK_TX_BYTES_MAX},
        {"consensus.block_txs_max", g->consensus.block_txs_max, 1, WIRE_BLOCK_TXS_MAX},
        {"batch.max_blocks", g->batch.max_blocks, 1, NODE_GENESIS_BATCH_BLOCKS_MAX},
        {"batch.max_bytes", g->batch.max_bytes, 1, NODE_GENESIS_BATCH_BYTES_MAX},
        {"batch.max_span_ms", g->batch.max_span_ms, 1, NODE_GENESIS_TIMER_MS_MAX},
        {"batch.poster_timeout_ms", g->batch.poster_timeout_ms, NODE_GENESIS_TIMER_MS_MIN,
         NODE_GENESIS_TIMER_MS_MAX},
        {"l1.confirmations", g->l1.confirmations, 0, NODE_GENESIS_CONFIRMATIONS_MAX},
        {"l1.inclusion_window_blocks", g->l1.inclusion_window_blocks, 1,
         NODE_GENESIS_INCLUSION_WINDOW_MAX},
    };
    for (size_t i = 0; i < SEQ_ARRAY_LEN(ranges); i++)
        if (ranges[i].value < ranges[i].min || ranges[i].value > ranges[i].max)
            return node_diag_set(why, SEQ_ERR_INVALID_ARG, "%s: %s: %llu is outside %llu..%llu",
                                 name, ranges[i].field, (unsigned long long)ranges[i].value,
                                 (unsigned long long)ranges[i].min,
                                 (unsigned long long)ranges[i].max);
    if (g->consensus.timeout_ms_max < g->consensus.timeout_ms_base)
        return node_diag_set(
            why, SEQ_ERR_INVALID_ARG,
            "%s: consensus.timeout_ms_max: %u is below consensus.timeout_ms_base %u", name,
            g->consensus.timeout_ms_max, g->consensus.timeout_ms_base);
    /* A batch must fit one L1 transaction, with every signature. */
    uint32_t limit = node_genesis_batch_bytes_limit(g);
    if (g->batch.max_bytes > limit)
        return node_diag_set(why, SEQ_ERR_INVALID_ARG,
                             "%s: batch.max_bytes: %u is above %u, the most whose compressed "
                             "data and %u signatures fit one L1 transaction (%u bytes of data)",
                             name, g->batch.max_bytes, limit, g->validator_count,
                             L1_TX_DATA_BYTES_MAX);
    /* Every block must fit one batch, or the chain could not be posted;
     * a genesis that names no L1 contracts (ordering only, no batches)
     * may have blocks up to the wire format's caps. */
    uint64_t block_bytes = node_genesis_block_payload_bytes_max(g);
    if (g->l1.has_committee_address && block_bytes + L1_BATCH_COUNT_BYTES > g->batch.max_bytes)
        return node_diag_set(why, SEQ_ERR_INVALID_ARG,
                             "%s: batch.max_bytes: %u cannot hold a full block (%llu bytes in a "
                             "batch with consensus.block_tx_bytes_max %u and "
                             "consensus.block_txs_max %u), and this genesis names the L1 "
                             "contracts its batches go to; raise it or lower those",
                             name, g->batch.max_bytes,
                             (unsigned long long)(block_bytes + L1_BATCH_COUNT_BYTES),
                             g->consensus.block_tx_bytes_max, g->consensus.block_txs_max);
    if (g->mempool.ordering != MEMPOOL_POLICY_FIFO &&
        g->mempool.ordering != MEMPOOL_POLICY_PRIORITY)
        return node_diag_set(why, SEQ_ERR_INVALID_ARG, "%s: mempool.ordering: not fifo or priority",
                             name);
    const seq_addr zero = {{0}};
    if (g->l1.has_committee_address && seq_addr_equal(&g->l1.committee_address, &zero))
        return node_diag_set(why, SEQ_ERR_INVALID_ARG,
                             "%s: l1.committee_address: the zero address (use null)", name);
    if (g->l1.has_inbox_address && seq_addr_equal(&g->l1.inbox_address, &zero))
        return node_diag_set(why, SEQ_ERR_INVALID_ARG,
                             "%s: l1.inbox_address: the zero address (use null)", name);
    return SEQ_OK;
}

/* Validator i on its own and against those before it. */
static seq_err genesis_validate_member(node_diag *why, const char *name, const node_genesis *g,
                                       size_t i)
{
    const node_genesis_validator *v = &g->validators[i];
    const seq_addr zero = {{0}};
    if (seq_addr_equal(&v->address, &zero))
        return node_diag_set(why, SEQ_ERR_INVALID_ARG,
                             "%s: committee[%zu].address: the zero address", name, i);
    if (v->weight < 1 || v->weight > CONS_WEIGHT_TOTAL_MAX)
        return node_diag_set(why, SEQ_ERR_INVALID_ARG,
                             "%s: committee[%zu].weight: %u is outside 1..%u", name, i, v->weight,
                             CONS_WEIGHT_TOTAL_MAX);
    if (crypto_core_ed25519_is_valid_point(v->transport_public_key) != 1)
        return node_diag_set(why, SEQ_ERR_INVALID_ARG,
                             "%s: committee[%zu].transport_public_key: not a valid Ed25519 public "
                             "key",
                             name, i);
    if (!node_genesis_endpoint_valid(v->endpoint))
        return node_diag_set(why, SEQ_ERR_INVALID_ARG,
                             "%s: committee[%zu].endpoint: \"%.130s\" is not tcp://HOST:PORT "
                             "(port 1..65535)",
                             name, i, v->endpoint);
    for (size_t k = 0; k < i; k++) {
        const node_genesis_validator *w = &g->validators[k];
        const char *field =
            seq_addr_equal(&v->address, &w->address) ? "address"
            : memcmp(v->transport_public_key, w->transport_public_key, WIRE_ED25519_KEY_BYTES) == 0
                ? "transport_public_key"
            : strcmp(v->endpoint, w->endpoint) == 0 ? "endpoint"
                                                    : NULL;
        if (field != NULL)
            return node_diag_set(why, SEQ_ERR_INVALID_ARG,
                                 "%s: committee[%zu].%s: the same as committee[%zu].%s", name, i,
                                 field, k, field);
    }
    return SEQ_OK;
}

static seq_err genesis_validate(node_diag *why, const char *name, const node_genesis *g)
{
    if (sodium_init() < 0)
        return node_diag_set(why, SEQ_ERR_INTERNAL, "libsodium could not start");
    seq_err err = genesis_validate_ranges(why, name, g);
    if (err != SEQ_OK)
        return err;
    if (g->validator_count < 1 || g->validator_count > CONS_VALIDATORS_MAX)
        return node_diag_set(why, SEQ_ERR_INVALID_ARG,
                             "%s: committee: %u validators, must be 1..%u", name,
                             g->validator_count, CONS_VALIDATORS_MAX);
    uint64_t weight_total = 0;
    for (size_t i = 0; i < g->validator_count; i++) {
        err = genesis_validate_member(why, name, g, i);
        if (err != SEQ_OK)
            return err;
        weight_total += g->validators[i].weight;
    }
    if (weight_total > CONS_WEIGHT_TOTAL_MAX)
        return node_diag_set(why, SEQ_ERR_INVALID_ARG,
                             "%s: committee: total weight %llu exceeds %u", name,
                             (unsigned long long)weight_total, CONS_WEIGHT_TOTAL_MAX);
    cons_committee *committee = malloc(sizeof(*committee));
    if (committee == NULL)
        return node_diag_set(why, SEQ_ERR_NO_MEMORY, "out of memory");
    err = node_genesis_committee(committee, g);
    free(committee);
    if (err != SEQ_OK)
        return node_diag_set(why, err, "%s: committee: refused by the consensus core", name);
    return SEQ_OK;
}

seq_err node_genesis_validate(node_diag *why, const node_genesis *g)
{
    SEQ_ASSERT(g != NULL);
    node_diag_clear(why);
    return genesis_validate(why, "genesis", g);
}

/* ---------------------------------------------------------------- parse */

/* Member name of root as an object with exactly the members names. */
static seq_err genesis_object(const json_t **out, const node_config_json *j, const json_t *root,
                              const char *name, const char *const *names, size_t count)
{
    *out = json_object_get(root, name);
    if (*out == NULL)
        return node_diag_set(j->why, SEQ_ERR_MALFORMED, "%s: %s: missing field", j->file, name);
    if (!json_is_object(*out))
        return node_diag_set(j->why, SEQ_ERR_MALFORMED, "%s: %s: must be an object", j->file, name);
    return node_config_json_members(j, *out, name, names, count);
}

static seq_err genesis_read_validator(node_genesis_validator *v, const node_config_json *j,
                                      const json_t *entry, const char *where)
{
    static const char *const names[] = {"address", "weight", "transport_public_key", "endpoint"};
    if (!json_is_object(entry))
        return node_diag_set(j->why, SEQ_ERR_MALFORMED, "%s: %s: must be an object", j->file,
                             where);
    const char *endpoint = NULL;
    seq_err err = node_config_json_members(j, entry, where, names, SEQ_ARRAY_LEN(names));
    if (err == SEQ_OK)
        err = node_config_json_addr(j, &v->address, NULL, entry, where, "address", false);
    if (err == SEQ_OK)
        err = node_config_json_u32(j, &v->weight, entry, where, "weight", 0, UINT32_MAX);
    if (err == SEQ_OK)
        err = node_config_json_hex(j, v->transport_public_key, WIRE_ED25519_KEY_BYTES, entry, where,
                                   "transport_public_key");
    if (err == SEQ_OK)
        err = node_config_json_string(j, &endpoint, entry, where, "endpoint", false);
    if (err != SEQ_OK)
        return err;
    if (strlen(endpoint) >= sizeof v->endpoint)
        return node_diag_set(j->why, SEQ_ERR_INVALID_ARG, "%s: %s.endpoint: longer than %u bytes",
                             j->file, where, NODE_GENESIS_ENDPOINT_BYTES_MAX - 1u);
    snprintf(v->endpoint, sizeof v->endpoint, "%s", endpoint);
    return SEQ_OK;
}

static seq_err genesis_read_committee(node_genesis *g, const node_config_json *j,
                                      const json_t *root)
{
    const json_t *list = json_object_get(root, "committee");
    if (list == NULL)
        return node_diag_set(j->why, SEQ_ERR_MALFORMED, "%s: committee: missing field", j->file);
    if (!json_is_array(list))
        return node_diag_set(j->why, SEQ_ERR_MALFORMED, "%s: committee: must be an array", j->file);
    size_t count = json_array_size(list);
    if (count < 1 || count > CONS_VALIDATORS_MAX)
        return node_diag_set(j->why, SEQ_ERR_INVALID_ARG,
                             "%s: committee: %zu validators, must be 1..%u", j->file, count,
                             CONS_VALIDATORS_MAX);
    for (size_t i = 0; i < count; i++) {
        char where[LABEL_BYTES];
        snprintf(where, sizeof where, "committee[%zu]", i);
        seq_err err = genesis_read_validator(&g->validators[i], j, json_array_get(list, i), where);
        if (err != SEQ_OK)
            return err;
    }
    g->validator_count = (uint32_t)count;
    return SEQ_OK;
}

static seq_err genesis_read_consensus(node_genesis *g, const node_config_json *j,
                                      const json_t *root)
{
    static const char *const names[] = {"timeout_ms_base", "timeout_ms_max",     "fetch_retry_ms",
                                        "blocks_max",      "block_tx_bytes_max", "block_txs_max"};
    uint32_t *fields[] = {&g->consensus.timeout_ms_base,    &g->consensus.timeout_ms_max,
                          &g->consensus.fetch_retry_ms,     &g->consensus.blocks_max,
                          &g->consensus.block_tx_bytes_max, &g->consensus.block_txs_max};
    _Static_assert(SEQ_ARRAY_LEN(names) == SEQ_ARRAY_LEN(fields), "one field per name");
    const json_t *c;
    seq_err err = genesis_object(&c, j, root, "consensus", names, SEQ_ARRAY_LEN(names));
    for (size_t i = 0; i < SEQ_ARRAY_LEN(names) && err == SEQ_OK; i++)
        err = node_config_json_u32(j, fields[i], c, "consensus", names[i], 0, UINT32_MAX);
    return err;
}

static seq_err genesis_read_mempool_batch(node_genesis *g, const node_config_json *j,
                                          const json_t *root)
{
    static const char *const mempool_names[] = {"ordering"};
    static const char *const batch_names[] = {"max_blocks", "max_bytes", "max_span_ms",
                                              "poster_timeout_ms"};
    const json_t *m, *b;
    const char *ordering = NULL;
    seq_err err = genesis_object(&m, j, root, "mempool", mempool_names, 1);
    if (err == SEQ_OK)
        err = node_config_json_string(j, &ordering, m, "mempool", "ordering", false);
    if (err == SEQ_OK && !mempool_policy_parse(&g->mempool.ordering, ordering))
        return node_diag_set(j->why, SEQ_ERR_INVALID_ARG,
                             "%s: mempool.ordering: \"%.40s\" is not fifo or priority", j->file,
                             ordering);
    if (err == SEQ_OK)
        err = genesis_object(&b, j, root, "batch", batch_names, SEQ_ARRAY_LEN(batch_names));
    if (err == SEQ_OK)
        err =
            node_config_json_u32(j, &g->batch.max_blocks, b, "batch", "max_blocks", 0, UINT32_MAX);
    if (err == SEQ_OK)
        err = node_config_json_u32(j, &g->batch.max_bytes, b, "batch", "max_bytes", 0, UINT32_MAX);
    if (err == SEQ_OK)
        err = node_config_json_u32(j, &g->batch.max_span_ms, b, "batch", "max_span_ms", 0,
                                   UINT32_MAX);
    if (err == SEQ_OK)
        err = node_config_json_u32(j, &g->batch.poster_timeout_ms, b, "batch", "poster_timeout_ms",
                                   0, UINT32_MAX);
    return err;
}

static seq_err genesis_read_l1(node_genesis *g, const node_config_json *j, const json_t *root)
{
    static const char *const names[] = {"committee_address", "inbox_address", "confirmations",
                                        "inclusion_window_blocks"};
    const json_t *l;
    seq_err err = genesis_object(&l, j, root, "l1", names, SEQ_ARRAY_LEN(names));
    if (err == SEQ_OK)
        err = node_config_json_addr(j, &g->l1.committee_address, &g->l1.has_committee_address, l,
                                    "l1", "committee_address", true);
    if (err == SEQ_OK)
        err = node_config_json_addr(j, &g->l1.inbox_address, &g->l1.has_inbox_address, l, "l1",
                                    "inbox_address", true);
    if (err == SEQ_OK)
        err =
            node_config_json_u32(j, &g->l1.confirmations, l, "l1", "confirmations", 0, UINT32_MAX);
    if (err == SEQ_OK)
        err = node_config_json_u64(j, &g->l1.inclusion_window_blocks, l, "l1",
                                   "inclusion_window_blocks", 0, INT64_MAX);
    return err;
}

static seq_err genesis_from_json(node_genesis *g, const node_config_json *j, const json_t *root)
{
    static const char *const names[] = {"version",      "l2_chain_id", "l1_chain_id",
                                        "timestamp_ms", "committee",   "consensus",
                                        "mempool",      "batch",       "l1"};
    uint64_t version = 0;
    seq_err err = node_config_json_members(j, root, "", names, SEQ_ARRAY_LEN(names));
    if (err == SEQ_OK)
        err = node_config_json_u64(j, &version, root, "", "version", 0, UINT32_MAX);
    if (err == SEQ_OK && version != NODE_GENESIS_FORMAT_VERSION)
        return node_diag_set(j->why, SEQ_ERR_BAD_VERSION,
                             "%s: version: %llu is not supported (this seqd reads version %u)",
                             j->file, (unsigned long long)version, NODE_GENESIS_FORMAT_VERSION);
    if (err == SEQ_OK)
        err = node_config_json_u64(j, &g->l2_chain_id, root, "", "l2_chain_id", 0, INT64_MAX);
    if (err == SEQ_OK)
        err = node_config_json_u64(j, &g->l1_chain_id, root, "", "l1_chain_id", 0, INT64_MAX);
    if (err == SEQ_OK)
        err = node_config_json_u64(j, &g->timestamp_ms, root, "", "timestamp_ms", 0, INT64_MAX);
    if (err == SEQ_OK)
        err = genesis_read_committee(g, j, root);
    if (err == SEQ_OK)
        err = genesis_read_consensus(g, j, root);
    if (err == SEQ_OK)
        err = genesis_read_mempool_batch(g, j, root);
    if (err == SEQ_OK)
        err = genesis_read_l1(g, j, root);
    if (err == SEQ_OK)
        err = genesis_validate(j->why, j->file, g);
    return err;
}

seq_err node_genesis_parse(node_genesis *out, node_diag *why, const char *name, const char *text,
                           size_t text_len)
{
    SEQ_ASSERT(out != NULL && name != NULL);
    SEQ_ASSERT(text != NULL || text_len == 0);
    memset(out, 0, sizeof(*out));
    node_diag_clear(why);
    const node_config_json j = {.why = why, .file = name};
    if (text_len > NODE_GENESIS_FILE_BYTES_MAX)
        return node_diag_set(why, SEQ_ERR_TOO_LARGE, "%s: larger than %u bytes", name,
                             NODE_GENESIS_FILE_BYTES_MAX);
    json_t *root = NULL;
    seq_err err = node_config_json_parse(&root, &j, text, text_len);
    if (err != SEQ_OK)
        return err;
    err = genesis_from_json(out, &j, root);
    json_decref(root);
    if (err != SEQ_OK)
        memset(out, 0, sizeof(*out));
    return err;
}

seq_err node_genesis_load(node_genesis *out, node_diag *why, const char *path)
{
    SEQ_ASSERT(out != NULL && path != NULL);
    memset(out, 0, sizeof(*out));
    node_diag_clear(why);
    char *text = NULL;
    size_t text_len = 0;
    seq_err err = node_config_file_read(&text, &text_len, why, path, "genesis file",
                                        NODE_GENESIS_FILE_BYTES_MAX);
    if (err != SEQ_OK)
        return err;
    err = node_genesis_parse(out, why, path, text, text_len);
    free(text);
    return err;
}

/* ---------------------------------------------------------------- write */

static json_t *json_addr_or_null(bool present, const seq_addr *addr)
{
    if (!present)
        return json_null();
    char text[43];
    l1_addr_checksum(text, addr);
    return json_string(text);
}

static json_t *genesis_committee_json(const node_genesis *g)
{
    json_t *list = json_array();
    for (size_t i = 0; list != NULL && i < g->validator_count; i++) {
        const node_genesis_validator *v = &g->validators[i];
        char key[KEY_HEX_CHARS];
        node_config_hex(key, sizeof key, v->transport_public_key, WIRE_ED25519_KEY_BYTES);
        if (json_array_append_new(list, json_pack("{s:o, s:i, s:s, s:s}", "address",
                                                  json_addr_or_null(true, &v->address), "weight",
                                                  (int)v->weight, "transport_public_key", key,
                                                  "endpoint", v->endpoint)) != 0) {
            json_decref(list);
            list = NULL;
        }
    }
    return list;
}

/* The JSON text of a valid genesis, in field order; NULL when out of
 * memory. The caller frees it. */
static char *genesis_format(const node_genesis *g)
{
    const char *ordering = mempool_policy_name(g->mempool.ordering);
    json_t *root = json_pack(
        "{s:i, s:I, s:I, s:I, s:o, "
        "s:{s:i, s:i, s:i, s:i, s:i, s:i}, s:{s:s}, s:{s:i, s:i, s:i, s:i}, "
        "s:{s:o, s:o, s:i, s:I}}",
        "version", (int)NODE_GENESIS_FORMAT_VERSION, "l2_chain_id", (json_int_t)g->l2_chain_id,
        "l1_chain_id", (json_int_t)g->l1_chain_id, "timestamp_ms", (json_int_t)g->timestamp_ms,
        "committee", genesis_committee_json(g), "consensus", "timeout_ms_base",
        (int)g->consensus.timeout_ms_base, "timeout_ms_max", (int)g->consensus.timeout_ms_max,
        "fetch_retry_ms", (int)g->consensus.fetch_retry_ms, "blocks_max",
        (int)g->consensus.blocks_max, "block_tx_bytes_max", (int)g->consensus.block_tx_bytes_max,
        "block_txs_max", (int)g->consensus.block_txs_max, "mempool", "ordering", ordering, "batch",
        "max_blocks", (int)g->batch.max_blocks, "max_bytes", (int)g->batch.max_bytes, "max_span_ms",
        (int)g->batch.max_span_ms, "poster_timeout_ms", (int)g->batch.poster_timeout_ms, "l1",
        "committee_address",
        json_addr_or_null(g->l1.has_committee_address, &g->l1.committee_address), "inbox_address",
        json_addr_or_null(g->l1.has_inbox_address, &g->l1.inbox_address), "confirmations",
        (int)g->l1.confirmations, "inclusion_window_blocks",
        (json_int_t)g->l1.inclusion_window_blocks);
    if (root == NULL)
        return NULL;
    char *text = json_dumps(root, JSON_INDENT(2));
    json_decref(root);
    return text;
}

/* Creates path (0644, O_EXCL) holding text and a newline, fsync'd. */
static seq_err genesis_file_create(node_diag *why, const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0)
        return node_diag_set(why, errno == EEXIST ? SEQ_ERR_EXISTS : SEQ_ERR_IO, "%s: %s%s", path,
                             strerror(errno), errno == EEXIST ? "; refusing to overwrite it" : "");
    seq_err err = SEQ_OK;
    size_t len = strlen(text), done = 0;
    while (done <= len && err == SEQ_OK) {
        /* the text, then its newline */
        const char *chunk = done < len ? text + done : "\n";
        size_t chunk_len = done < len ? len - done : 1u;
        ssize_t n = write(fd, chunk, chunk_len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            err = node_diag_set(why, SEQ_ERR_IO, "%s: write failed: %s", path, strerror(errno));
        else
            done += (size_t)n;
    }
    if (err == SEQ_OK && fsync(fd) != 0)
        err = node_diag_set(why, SEQ_ERR_IO, "%s: fsync failed: %s", path, strerror(errno));
    if (close(fd) != 0 && err == SEQ_OK)
        err = node_diag_set(why, SEQ_ERR_IO, "%s: close failed: %s", path, strerror(errno));
    if (err != SEQ_OK)
        unlink(path);
    return err;
}

seq_err node_genesis_write(node_diag *why, const char *path, const node_genesis *g)
{
    SEQ_ASSERT(path != NULL && g != NULL);
    node_diag_clear(why);
    seq_err err = genesis_validate(why, path, g);
    if (err != SEQ_OK)
        return err;
    char *text = genesis_format(g);
    if (text == NULL)
        return node_diag_set(why, SEQ_ERR_NO_MEMORY, "%s: out of memory", path);
    err = genesis_file_create(why, path, text);
    free(text);
    return err;
}

/* ------------------------------------------------------------ the hash */

static void hash_u8(l1_keccak_ctx *k, uint8_t v)
{
    l1_keccak_update(k, &v, 1);
}

static void hash_u32(l1_keccak_ctx *k, uint32_t v)
{
    uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
    l1_keccak_update(k, b, sizeof b);
}

static void hash_u64(l1_keccak_ctx *k, uint64_t v)
{
    hash_u32(k, (uint32_t)(v >> 32));
    hash_u32(k, (uint32_t)v);
}

/* An optional address: a presence byte, then 20 bytes (zero if absent). */
static void hash_addr_opt(l1_keccak_ctx *k, bool present, const seq_addr *addr)
{
    const seq_addr zero = {{0}};
    hash_u8(k, present ? 1u : 0u);
    l1_keccak_update(k, (present ? addr : &zero)->b, SEQ_ADDR_BYTES);
}

void node_genesis_hash(seq_hash *out, const node_genesis *g)
{
    SEQ_ASSERT(out != NULL && g != NULL);
    SEQ_ASSERT(g->validator_count >= 1 && g->validator_count <= CONS_VALIDATORS_MAX);
    l1_keccak_ctx k;
    l1_keccak_init(&k);
    l1_keccak_update(&k, (const uint8_t *)NODE_GENESIS_HASH_TAG, strlen(NODE_GENESIS_HASH_TAG));
    hash_u32(&k, NODE_GENESIS_FORMAT_VERSION);
    hash_u64(&k, g->l2_chain_id);
    hash_u64(&k, g->l1_chain_id);
    hash_u64(&k, g->timestamp_ms);
    hash_u32(&k, g->validator_count);
    for (size_t i = 0; i < g->validator_count; i++) {
        const node_genesis_validator *v = &g->validators[i];
        l1_keccak_update(&k, v->address.b, SEQ_ADDR_BYTES);
        hash_u32(&k, v->weight);
        l1_keccak_update(&k, v->transport_public_key, WIRE_ED25519_KEY_BYTES);
    }
    hash_u32(&k, g->consensus.timeout_ms_base);
    hash_u32(&k, g->consensus.timeout_ms_max);
    hash_u32(&k, g->consensus.fetch_retry_ms);
    hash_u32(&k, g->consensus.blocks_max);
    hash_u32(&k, g->consensus.block_tx_bytes_max);
    hash_u32(&k, g->consensus.block_txs_max);
    hash_u8(&k, g->mempool.ordering == MEMPOOL_POLICY_PRIORITY ? GENESIS_ORDERING_PRIORITY
                                                               : GENESIS_ORDERING_FIFO);
    hash_u32(&k, g->batch.max_blocks);
    hash_u32(&k, g->batch.max_bytes);
    hash_u32(&k, g->batch.max_span_ms);
    hash_u32(&k, g->batch.poster_timeout_ms);
    hash_addr_opt(&k, g->l1.has_committee_address, &g->l1.committee_address);
    hash_addr_opt(&k, g->l1.has_inbox_address, &g->l1.inbox_address);
    hash_u32(&k, g->l1.confirmations);
    hash_u64(&k, g->l1.inclusion_window_blocks);
    l1_keccak_final(&k, out);
}

/* ------------------------------------------------------- what it feeds */

void node_genesis_block_header(seq_block_header *out, const node_genesis *g)
{
    SEQ_ASSERT(out != NULL && g != NULL);
    memset(out, 0, sizeof(*out));
    out->l2_chain_id = g->l2_chain_id;
    out->height = 0;
    out->view = 0;
    out->timestamp_ms = g->timestamp_ms;
}

seq_err node_genesis_committee(cons_committee *out, const node_genesis *g)
{
    SEQ_ASSERT(out != NULL && g != NULL);
    if (g->validator_count < 1 || g->validator_count > CONS_VALIDATORS_MAX) {
        memset(out, 0, sizeof(*out));
        return SEQ_ERR_INVALID_ARG;
    }
    cons_validator validators[CONS_VALIDATORS_MAX];
    for (size_t i = 0; i < g->validator_count; i++)
        validators[i] =
            (cons_validator){.addr = g->validators[i].address, .weight = g->validators[i].weight};
    return cons_committee_init(out, validators, g->validator_count);
}

void node_genesis_domain_separator(seq_hash *out, const node_genesis *g)
{
    SEQ_ASSERT(out != NULL && g != NULL);
    const seq_addr zero = {{0}};
    l1_eip712_domain_separator(out, L1_EIP712_NAME, L1_EIP712_VERSION, g->l1_chain_id,
                               g->l1.has_committee_address ? &g->l1.committee_address : &zero);
}

bool node_genesis_find(const node_genesis *g, size_t *index, const seq_addr *addr)
{
    SEQ_ASSERT(g != NULL && index != NULL && addr != NULL);
    SEQ_ASSERT(g->validator_count <= CONS_VALIDATORS_MAX);
    for (size_t i = 0; i < g->validator_count; i++) {
        if (seq_addr_equal(&g->validators[i].address, addr)) {
            *index = i;
            return true;
        }
    }
    return false;
}

seq_err node_genesis_cons_config(cons_config *out, const node_genesis *g, const seq_addr *self)
{
    SEQ_ASSERT(out != NULL && g != NULL && self != NULL);
    memset(out, 0, sizeof(*out));
    size_t index;
    seq_err err = node_genesis_committee(&out->committee, g);
    if (err == SEQ_OK && !node_genesis_find(g, &index, self))
        err = SEQ_ERR_INVALID_ARG;
    if (err != SEQ_OK) {
        memset(out, 0, sizeof(*out));
        return err;
    }
    out->l2_chain_id = g->l2_chain_id;
    out->self = *self;
    node_genesis_block_header(&out->genesis, g);
    out->timeout_ms_base = g->consensus.timeout_ms_base;
    out->timeout_ms_max = g->consensus.timeout_ms_max;
    out->fetch_retry_ms = g->consensus.fetch_retry_ms;
    out->blocks_max = g->consensus.blocks_max;
    out->block_tx_bytes_max = g->consensus.block_tx_bytes_max;
    out->block_txs_max = g->consensus.block_txs_max;
    return SEQ_OK;
}
