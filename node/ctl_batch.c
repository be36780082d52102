/* ctl_batch.c — seqctl batch decode: the blocks a batch carries, from its
 * data (a file, hex on the command line) or from the L1 transaction that
 * posted it (eth_getTransactionByHash, then the postBatch calldata). What
 * a rollup's derivation does with Inbox data, as a tool (l1/README.md
 * "Batch data"). Exit 2 for bad arguments, 1 when the data cannot be had
 * or is not a batch. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#include "l1.h"

_Static_assert(L1_BATCH_TX_BYTES_MAX == WIRE_TX_BYTES_MAX &&
                   L1_BATCH_BLOCK_TXS_MAX == WIRE_BLOCK_TXS_MAX &&
                   L1_BATCH_BLOCK_TX_BYTES_MAX == WIRE_BLOCK_TX_BYTES_MAX,
               "a batch holds any block the wire format carries");

#define BATCH_FILE_BYTES_MAX (8u << 20)
/* The decoder's arena: the payload, the block and hash arrays, and one
 * block's tx hashes. */
#define BATCH_ARENA_BYTES                                                                     \
    (L1_BATCH_PAYLOAD_BYTES_MAX +                                                             \
     L1_BATCH_BLOCKS_MAX * (sizeof(l1_batch_block) + sizeof(seq_hash)) +                      \
     L1_BATCH_BLOCK_TXS_MAX * sizeof(seq_hash) + L1_BATCH_BLOCK_TXS_MAX * sizeof(seq_bytes) + \
     (64u << 10))

typedef struct {
    const char *file, *hex, *rpc, *tx;
    bool json;
} batch_args;

void node_seqctl_batch_usage(FILE *f)
{
    fputs("usage: seqctl batch decode (--file FILE | --hex 0xDATA | --rpc URL --tx 0xHASH) "
          "[--json]\n"
          "\n"
          "Decodes batch data as the Inbox stores it (version byte, zstd frame, blocks)\n"
          "and checks the blocks form one chain: consecutive heights, parent hashes,\n"
          "tx roots. FILE holds the raw bytes or their 0x hex; with --rpc and --tx the\n"
          "data is taken from the postBatch calldata of that L1 transaction.\n",
          f);
}

static int batch_parse(batch_args *a, int argc, char **argv, FILE *err)
{
    memset(a, 0, sizeof *a);
    if (argc < 3 || strcmp(argv[2], "decode") != 0) {
        fprintf(err, "seqctl batch: the command is 'decode'\n");
        return NODE_EXIT_USAGE;
    }
    for (int i = 3; i < argc; i++) {
        const char *arg = argv[i];
        bool v = i + 1 < argc;
        if (strcmp(arg, "--json") == 0)
            a->json = true;
        else if (strcmp(arg, "--file") == 0 && v && a->file == NULL)
            a->file = argv[++i];
        else if (strcmp(arg, "--hex") == 0 && v && a->hex == NULL)
            a->hex = argv[++i];
        else if (strcmp(arg, "--rpc") == 0 && v && a->rpc == NULL)
            a->rpc = argv[++i];
        else if (strcmp(arg, "--tx") == 0 && v && a->tx == NULL)
            a->tx = argv[++i];
        else {
            fprintf(err, "seqctl batch decode: unknown, repeated or incomplete argument '%s'\n",
                    arg);
            return NODE_EXIT_USAGE;
        }
    }
    int sources = (a->file != NULL) + (a->hex != NULL) + (a->rpc != NULL || a->tx != NULL);
    if (sources != 1 || (a->rpc != NULL) != (a->tx != NULL)) {
        fprintf(err, "seqctl batch decode: give one of --file, --hex, or --rpc with --tx\n");
        return NODE_EXIT_USAGE;
    }
    return -1;
}

/* Hex text (0x..., surrounding whitespace allowed) into out. */
static bool hex_text(uint8_t *out, size_t cap, size_t *len, const char *text, size_t text_len)
{
    while (text_len > 0 && strchr(" \t\r\n", text[text_len - 1]) != NULL)
        text_len--;
    while (text_len > 0 && strchr(" \t\r\n", text[0]) != NULL) {
        text++;
        text_len--;
    }
    if (text_len < 2 || text[0] != '0' || (text[1] != 'x' && text[1] != 'X') ||
        (text_len - 2) % 2 != 0 || (text_len - 2) / 2 > cap)
        return false;
    char *copy = malloc(text_len + 1);
    if (copy == NULL)
        return false;
    memcpy(copy, text, text_len);
    copy[text_len] = '\0';
    *len = (text_len - 2) / 2;
    bool ok = l1_hex_decode_exact(out, *len, copy) == SEQ_OK;
    free(copy);
    return ok;
}

static int data_from_file(uint8_t *out, size_t *len, const char *path, FILE *err)
{
    char *text = NULL;
    size_t text_len = 0;
    node_diag why = {{0}};
    if (node_config_file_read(&text, &text_len, &why, path, "batch file", BATCH_FILE_BYTES_MAX) !=
        SEQ_OK) {
        fprintf(err, "seqctl batch decode: %s\n", why.text);
        return NODE_EXIT_FAILURE;
    }
    int code = NODE_EXIT_OK;
    if (text_len >= 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
        if (!hex_text(out, BATCH_FILE_BYTES_MAX, len, text, text_len)) {
            fprintf(err, "seqctl batch decode: %s: not 0x hex\n", path);
            code = NODE_EXIT_FAILURE;
        }
    } else {
        memcpy(out, text, text_len);
        *len = text_len;
    }
    free(text);
    return code;
}

static uint64_t word_u64(const uint8_t *w)
{
    return store_u64_from_be(w + 24);
}

/* The data argument of postBatch(header, data, signatures) calldata: the
 * header tuple is static (8 words), then the offsets of data and
 * signatures, each bytes as length and padded words. */
static bool postbatch_data(const uint8_t **data, size_t *len, const uint8_t *call, size_t call_len)
{
    uint8_t selector[4];
    l1_abi_selector(selector, "postBatch((uint64,uint64,bytes32,bytes32,uint64,uint64,uint64,"
                              "bytes32),bytes,bytes)");
    if (call_len < 4 + 10 * 32 || memcmp(call, selector, 4) != 0)
        return false;
    const uint8_t *args = call + 4;
    size_t args_len = call_len - 4;
    uint8_t zero[24] = {0};
    if (memcmp(args + 8 * 32, zero, 24) != 0)
        return false;
    uint64_t offset = word_u64(args + 8 * 32);
    if (offset > args_len - 32 || offset % 32 != 0)
        return false;
    if (memcmp(args + offset, zero, 24) != 0)
        return false;
    uint64_t n = word_u64(args + offset);
    if (n > args_len - offset - 32)
        return false;
    *data = args + offset + 32;
    *len = (size_t)n;
    return true;
}

static int data_from_l1(uint8_t *out, size_t *len, const batch_args *a, FILE *err)
{
    uint8_t hash[SEQ_HASH_BYTES];
    if (strlen(a->tx) != 2 + 2 * SEQ_HASH_BYTES ||
        l1_hex_decode_exact(hash, sizeof hash, a->tx) != SEQ_OK) {
        fprintf(err, "seqctl batch decode: --tx needs 0x and 64 hex digits\n");
        return NODE_EXIT_USAGE;
    }
    l1_rpc *rpc = NULL;
    if (l1_rpc_new(&rpc, a->rpc, NULL) != SEQ_OK) {
        fprintf(err, "seqctl batch decode: bad --rpc URL %s\n", a->rpc);
        return NODE_EXIT_USAGE;
    }
    char params[80], *result = NULL;
    snprintf(params, sizeof params, "[\"%s\"]", a->tx);
    int code = NODE_EXIT_FAILURE;
    if (l1_rpc_call(rpc, &result, "eth_getTransactionByHash", params) != SEQ_OK) {
        fprintf(err, "seqctl batch decode: %s\n", l1_rpc_last_error(rpc));
        goto free_rpc;
    }
    json_t *tx = json_loads(result, 0, NULL);
    const char *input = json_string_value(json_object_get(tx, "input"));
    if (input != NULL && strlen(input) < 2)
        input = NULL; /* not even "0x": treated as no transaction */
    if (input == NULL)
        fprintf(err, "seqctl batch decode: no transaction %s on %s\n", a->tx, a->rpc);
    size_t call_len = input != NULL ? (strlen(input) - 2) / 2 : 0;
    uint8_t *call = input != NULL ? malloc(call_len + 1) : NULL;
    const uint8_t *data = NULL;
    size_t data_len = 0;
    if (input != NULL &&
        (call == NULL || !hex_text(call, call_len, &call_len, input, strlen(input))))
        fprintf(err, "seqctl batch decode: the transaction's input is not hex\n");
    else if (input != NULL && !postbatch_data(&data, &data_len, call, call_len))
        fprintf(err, "seqctl batch decode: %s is not a postBatch call\n", a->tx);
    else if (input != NULL && data_len > BATCH_FILE_BYTES_MAX)
        fprintf(err, "seqctl batch decode: the batch data is too large\n");
    else if (input != NULL) {
        memcpy(out, data, data_len);
        *len = data_len;
        code = NODE_EXIT_OK;
    }
    free(call);
    json_decref(tx);
    free(result);
free_rpc:
    l1_rpc_free(rpc);
    return code;
}

static json_t *hex_json(const uint8_t *b, size_t len)
{
    char *text = malloc(2 * len + 3);
    if (text == NULL)
        return json_null();
    seq_err err = l1_hex_encode(text, 2 * len + 3, b, len);
    SEQ_ASSERT(err == SEQ_OK);
    json_t *j = json_string(text);
    free(text);
    return j;
}

static void print_json(FILE *out, const l1_batch *b, size_t data_len, size_t payload_len)
{
    json_t *blocks = json_array();
    for (size_t i = 0; i < b->block_count; i++) {
        const seq_block_header *h = &b->blocks[i].header;
        json_t *txs = json_array();
        for (size_t t = 0; t < b->blocks[i].tx_count; t++)
            json_array_append_new(txs, hex_json(b->blocks[i].txs[t].ptr, b->blocks[i].txs[t].len));
        json_array_append_new(blocks,
                              json_pack("{s:I,s:I,s:o,s:o,s:o,s:I,s:o,s:I,s:I,s:o,s:o}", "height",
                                        (json_int_t)h->height, "view", (json_int_t)h->view, "hash",
                                        hex_json(b->hashes[i].b, SEQ_HASH_BYTES), "parentHash",
                                        hex_json(h->parent_hash.b, SEQ_HASH_BYTES), "txRoot",
                                        hex_json(h->tx_root.b, SEQ_HASH_BYTES), "l1OriginNumber",
                                        (json_int_t)h->l1_origin_number, "l1OriginHash",
                                        hex_json(h->l1_origin_hash.b, SEQ_HASH_BYTES),
                                        "forcedCursor", (json_int_t)h->forced_cursor, "timestampMs",
                                        (json_int_t)h->timestamp_ms, "proposer",
                                        hex_json(h->proposer.b, SEQ_ADDR_BYTES), "txs", txs));
    }
    json_t *root =
        json_pack("{s:I,s:I,s:I,s:I,s:o}", "version", (json_int_t)L1_BATCH_VERSION, "l2ChainId",
                  (json_int_t)b->blocks[0].header.l2_chain_id, "dataBytes", (json_int_t)data_len,
                  "payloadBytes", (json_int_t)payload_len, "blocks", blocks);
    char *text = json_dumps(root, JSON_COMPACT);
    fprintf(out, "%s\n", text != NULL ? text : "null");
    free(text);
    json_decref(root);
}

static void print_text(FILE *out, const l1_batch *b, size_t data_len, size_t payload_len)
{
    size_t txs = 0;
    for (size_t i = 0; i < b->block_count; i++)
        txs += b->blocks[i].tx_count;
    fprintf(out,
            "batch data v%u: %zu bytes (payload %zu bytes), L2 chain %llu, heights %llu..%llu, "
            "%zu blocks, %zu txs\n",
            L1_BATCH_VERSION, data_len, payload_len,
            (unsigned long long)b->blocks[0].header.l2_chain_id,
            (unsigned long long)b->blocks[0].header.height,
            (unsigned long long)b->blocks[b->block_count - 1].header.height, b->block_count, txs);
    for (size_t i = 0; i < b->block_count; i++) {
        const seq_block_header *h = &b->blocks[i].header;
        char hash[2 * SEQ_HASH_BYTES + 3], proposer[2 * SEQ_ADDR_BYTES + 3];
        seq_err err = l1_hex_encode(hash, sizeof hash, b->hashes[i].b, SEQ_HASH_BYTES);
        SEQ_ASSERT(err == SEQ_OK);
        l1_addr_checksum(proposer, &h->proposer);
        fprintf(out, "  height %llu view %llu txs %zu hash %s proposer %s ts %llu\n",
                (unsigned long long)h->height, (unsigned long long)h->view, b->blocks[i].tx_count,
                hash, proposer, (unsigned long long)h->timestamp_ms);
    }
}

int node_seqctl_batch(int argc, char **argv, FILE *out, FILE *err)
{
    batch_args a;
    int code = batch_parse(&a, argc, argv, err);
    if (code >= 0) {
        node_seqctl_batch_usage(err);
        return code;
    }
    uint8_t *data = malloc(BATCH_FILE_BYTES_MAX);
    uint8_t *arena_mem = malloc(BATCH_ARENA_BYTES);
    size_t len = 0;
    code = NODE_EXIT_FAILURE;
    if (data == NULL || arena_mem == NULL) {
        fputs("seqctl batch decode: out of memory\n", err);
        goto free_buffers;
    }
    if (a.file != NULL) {
        code = data_from_file(data, &len, a.file, err);
    } else if (a.hex != NULL) {
        code = hex_text(data, BATCH_FILE_BYTES_MAX, &len, a.hex, strlen(a.hex)) ? NODE_EXIT_OK
                                                                                : NODE_EXIT_USAGE;
        if (code != NODE_EXIT_OK)
            fputs("seqctl batch decode: --hex needs 0x and an even number of hex digits\n", err);
    } else {
        code = data_from_l1(data, &len, &a, err);
    }
    if (code != NODE_EXIT_OK)
        goto free_buffers;
    seq_arena arena;
    seq_arena_init(&arena, arena_mem, BATCH_ARENA_BYTES);
    l1_batch b;
    seq_err e = l1_batch_decode(&b, &arena, data, len);
    if (e != SEQ_OK) {
        fprintf(err, "seqctl batch decode: not batch data: %s\n",
                e == SEQ_ERR_BAD_VERSION ? "unknown version byte"
                : e == SEQ_ERR_TOO_LARGE ? "the payload declares more than 16 MiB"
                                         : "the frame or the blocks are malformed");
        code = NODE_EXIT_FAILURE;
        goto free_buffers;
    }
    size_t payload_len = l1_batch_payload_bytes(b.blocks, b.block_count);
    if (a.json)
        print_json(out, &b, len, payload_len);
    else
        print_text(out, &b, len, payload_len);
free_buffers:
    free(arena_mem);
    free(data);
    return code;
}
