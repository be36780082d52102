/* ctl_query.c — seqctl submit, tx and block: one JSON-RPC call each to a
 * node's API (eth_sendRawTransaction or seq_sendPayload,
 * seq_getTransactionStatus, seq_getBlockByHeight) through node_ctl_call
 * (ctl_status.c), printed for a person or, with --json, as the node's
 * result on one line. Arguments are checked before anything is sent: a
 * malformed hash, height or hex string is a usage error (exit 2); a node
 * that does not answer or answers with an error is a failure (exit 1). */
#include "internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "l1.h"

#define QUERY_HASH_HEX_DIGITS (2u * SEQ_HASH_BYTES)

/* The arguments every query command shares, and the ones that vary. */
typedef struct {
    const char *cmd; /* "submit", "tx", "block": in messages */
    const char *rpc;
    bool json;
    bool txs;                  /* block --txs */
    const char *raw, *payload; /* submit */
    const char *positional;    /* tx HASH, block HEIGHT */
} query_args;

/* Parses argv[2..]: --rpc URL, --json, and the flags the command allows.
 * Returns -1 when the command may run, else the exit code. */
static int query_parse(query_args *a, const char *cmd, int argc, char **argv, FILE *err,
                       bool takes_positional)
{
    memset(a, 0, sizeof *a);
    a->cmd = cmd;
    bool submit = strcmp(cmd, "submit") == 0, block = strcmp(cmd, "block") == 0;
    for (int i = 2; i < argc; i++) {
        const char *arg = argv[i];
        bool has_value = i + 1 < argc;
        if (strcmp(arg, "--json") == 0) {
            a->json = true;
        } else if (strcmp(arg, "--txs") == 0 && block) {
            a->txs = true;
        } else if (strcmp(arg, "--rpc") == 0 && has_value && a->rpc == NULL) {
            a->rpc = argv[++i];
        } else if (strcmp(arg, "--raw") == 0 && has_value && submit && a->raw == NULL) {
            a->raw = argv[++i];
        } else if (strcmp(arg, "--payload") == 0 && has_value && submit && a->payload == NULL) {
            a->payload = argv[++i];
        } else if (takes_positional && arg[0] != '-' && a->positional == NULL) {
            a->positional = arg;
        } else {
            fprintf(err, "seqctl %s: unknown, repeated or incomplete argument '%s'\n", cmd, arg);
            return NODE_EXIT_USAGE;
        }
    }
    if (a->rpc == NULL) {
        fprintf(err, "seqctl %s: --rpc URL is required\n", cmd);
        return NODE_EXIT_USAGE;
    }
    return -1;
}

/* True iff text is "0x" and 2..2 * bytes_max hex digits, an even number. */
static bool hex_valid(const char *text, size_t bytes_max)
{
    if (strncmp(text, "0x", 2) != 0)
        return false;
    size_t digits = strlen(text + 2);
    if (digits == 0 || digits % 2 != 0 || digits / 2 > bytes_max)
        return false;
    for (size_t i = 2; text[i] != '\0'; i++)
        if (strchr("0123456789abcdefABCDEF", text[i]) == NULL)
            return false;
    return true;
}

/* Calls method with params (a JSON array, stolen) on a->rpc. Prints why
 * to err on failure. */
static seq_err query_call(json_t **out, const query_args *a, FILE *err, const char *method,
                          json_t *params)
{
    *out = NULL;
    char *text = params != NULL ? json_dumps(params, JSON_COMPACT) : NULL;
    json_decref(params);
    if (text == NULL) {
        fprintf(err, "seqctl %s: out of memory\n", a->cmd);
        return SEQ_ERR_NO_MEMORY;
    }
    char why[L1_RPC_ERROR_TEXT_BYTES + L1_RPC_ERROR_DATA_BYTES + 8];
    seq_err e = node_ctl_call(out, why, sizeof why, a->rpc, method, text);
    free(text);
    if (e != SEQ_OK && strstr(why, a->rpc) != NULL) /* the client names the endpoint */
        fprintf(err, "seqctl %s: %s\n", a->cmd, why);
    else if (e != SEQ_OK)
        fprintf(err, "seqctl %s: %s: %s\n", a->cmd, a->rpc, why);
    return e;
}

static void print_json(FILE *out, const json_t *v)
{
    char *text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    fprintf(out, "%s\n", text != NULL ? text : "null");
    free(text);
}

/* "2026-01-02T03:04:05.678Z" for a Unix time in ms. */
static void time_text(char *out, size_t out_len, uint64_t ms)
{
    time_t secs = (time_t)(ms / 1000u);
    struct tm tm;
    if (gmtime_r(&secs, &tm) == NULL || strftime(out, out_len, "%Y-%m-%dT%H:%M:%S", &tm) == 0) {
        snprintf(out, out_len, "?");
        return;
    }
    size_t n = strlen(out);
    snprintf(out + n, out_len - n, ".%03uZ", (unsigned)(ms % 1000u));
}

static const char *str_of(const json_t *obj, const char *name)
{
    const char *s = json_string_value(json_object_get(obj, name));
    return s != NULL ? s : "?";
}

static uint64_t u64_of(const json_t *obj, const char *name)
{
    return (uint64_t)json_integer_value(json_object_get(obj, name));
}

/* ---------------------------------------------------------------- submit */

void node_seqctl_submit_usage(FILE *f)
{
    fputs("usage: seqctl submit --rpc URL (--raw 0xHEX | --payload NS:0xHEX) [--json]\n"
          "\n"
          "Submits a transaction to a node's JSON-RPC API and prints its hash.\n"
          "  --raw 0xHEX         a signed Ethereum tx (legacy, EIP-2930, EIP-1559) or an\n"
          "                      opaque 0xb0 payload, as eth_sendRawTransaction takes it\n"
          "  --payload NS:0xHEX  an opaque rollup payload for namespace NS (decimal or\n"
          "                      0x hex), as seq_sendPayload takes it\n"
          "  --json              print the hash as a JSON string\n"
          "Exits 1 if the node refuses the tx (its reason is printed) or does not answer.\n"
          "'seqctl tx --rpc URL HASH' then follows it.\n",
          f);
}

int node_seqctl_submit(int argc, char **argv, FILE *out, FILE *err)
{
    query_args a;
    int code = query_parse(&a, "submit", argc, argv, err, false);
    if (code < 0 && (a.raw == NULL) == (a.payload == NULL)) {
        fputs("seqctl submit: give one of --raw 0xHEX or --payload NS:0xHEX\n", err);
        code = NODE_EXIT_USAGE;
    }
    json_t *params = NULL;
    const char *method = NULL;
    if (code < 0 && a.raw != NULL) {
        if (!hex_valid(a.raw, MEMPOOL_TX_BYTES_MAX)) {
            fprintf(err,
                    "seqctl submit: --raw must be 0x and an even number of hex digits, "
                    "at most %u bytes\n",
                    MEMPOOL_TX_BYTES_MAX);
            code = NODE_EXIT_USAGE;
        } else {
            method = "eth_sendRawTransaction";
            params = json_pack("[s]", a.raw);
        }
    } else if (code < 0) {
        const char *colon = strchr(a.payload, ':');
        char ns_text[24] = "";
        uint64_t ns = 0;
        if (colon != NULL && (size_t)(colon - a.payload) < sizeof ns_text)
            memcpy(ns_text, a.payload, (size_t)(colon - a.payload));
        if (colon == NULL || !node_ctl_u64(&ns, ns_text) ||
            !hex_valid(colon + 1, MEMPOOL_TX_BYTES_MAX - MEMPOOL_OPAQUE_HEADER_BYTES)) {
            fputs("seqctl submit: --payload must be NS:0xHEX (NS a namespace number, then at "
                  "least one byte in hex)\n",
                  err);
            code = NODE_EXIT_USAGE;
        } else {
            char ns_hex[24];
            snprintf(ns_hex, sizeof ns_hex, "0x%llx", (unsigned long long)ns);
            method = "seq_sendPayload";
            params = json_pack("[s,s]", ns_hex, colon + 1);
        }
    }
    if (code >= 0) {
        node_seqctl_submit_usage(err);
        return code;
    }
    json_t *hash = NULL;
    if (query_call(&hash, &a, err, method, params) != SEQ_OK)
        return NODE_EXIT_FAILURE;
    code = NODE_EXIT_OK;
    if (!json_is_string(hash)) {
        fputs("seqctl submit: the node answered without a tx hash\n", err);
        code = NODE_EXIT_FAILURE;
    } else if (a.json) {
        print_json(out, hash);
    } else {
        fprintf(out, "%s\n", json_string_value(hash));
    }
    json_decref(hash);
    return code;
}

/* -------------------------------------------------------------------- tx */

void node_seqctl_tx_usage(FILE *f)
{
    fputs("usage: seqctl tx --rpc URL HASH [--json]\n"
          "\n"
          "Asks a node for a transaction's status (seq_getTransactionStatus): unknown,\n"
          "pending (in that node's pool), softConfirmed (committed), posted (its block's\n"
          "batch is on L1) or final (that L1 block is finalized), and prints the three\n"
          "clocks: soft-confirmed at height H (block hash, time), posted in batch K at L1\n"
          "block N (tx), final (the L1 finalized block); \"not yet\" for those not reached.\n"
          "HASH is 0x and 64 hex digits. --json prints the node's answer as one JSON line.\n"
          "Exits 1 if the node does not answer or answers with an error.\n",
          f);
}

/* The L1 clocks, one line each after label (padded to width): posted
 * is the batch holding the block, final the L1 finalized block that
 * covers it; "not yet" while null, "never (genesis)" for height 0, and
 * "?" when the node does not report them (a seqd before the clocks). */
static void posted_print(FILE *out, int width, const json_t *posted, bool genesis)
{
    fprintf(out, "%-*s ", width, "posted");
    if (posted == NULL)
        fputs("? (not reported by this node)\n", out);
    else if (!json_is_object(posted))
        fputs(genesis ? "never (genesis)\n" : "not yet\n", out);
    else
        fprintf(out, "in batch %llu at L1 block %llu tx %s (heights %llu..%llu)\n",
                (unsigned long long)u64_of(posted, "batchIndex"),
                (unsigned long long)u64_of(posted, "l1Block"), str_of(posted, "l1TxHash"),
                (unsigned long long)u64_of(posted, "firstHeight"),
                (unsigned long long)u64_of(posted, "lastHeight"));
}

static void final_print(FILE *out, int width, const json_t *final, bool genesis)
{
    fprintf(out, "%-*s ", width, "final");
    if (final == NULL)
        fputs("? (not reported by this node)\n", out);
    else if (!json_is_object(final))
        fputs(genesis ? "never (genesis)\n" : "not yet\n", out);
    else
        fprintf(out, "yes (L1 finalized %llu)\n", (unsigned long long)u64_of(final, "l1Finalized"));
}

void node_ctl_tx_print(FILE *out, const json_t *st)
{
    fprintf(out, "hash            %s\n", str_of(st, "hash"));
    fprintf(out, "status          %s\n", str_of(st, "status"));
    const json_t *soft = json_object_get(st, "softConfirmed");
    if (json_is_object(soft)) {
        char when[40];
        time_text(when, sizeof when, u64_of(soft, "timestampMs"));
        fprintf(out, "soft-confirmed  at height %llu (block %s, %s), index %llu\n",
                (unsigned long long)u64_of(soft, "height"), str_of(soft, "blockHash"), when,
                (unsigned long long)u64_of(soft, "index"));
    } else {
        fputs("soft-confirmed  not yet\n", out);
    }
    posted_print(out, 15, json_object_get(st, "posted"), false);
    final_print(out, 15, json_object_get(st, "final"), false);
}

int node_seqctl_tx(int argc, char **argv, FILE *out, FILE *err)
{
    query_args a;
    int code = query_parse(&a, "tx", argc, argv, err, true);
    if (code < 0 && a.positional == NULL) {
        fputs("seqctl tx: HASH is required\n", err);
        code = NODE_EXIT_USAGE;
    } else if (code < 0 && (!hex_valid(a.positional, SEQ_HASH_BYTES) ||
                            strlen(a.positional) != 2 + QUERY_HASH_HEX_DIGITS)) {
        fprintf(err, "seqctl tx: '%s' is not a tx hash (0x and 64 hex digits)\n", a.positional);
        code = NODE_EXIT_USAGE;
    }
    if (code >= 0) {
        node_seqctl_tx_usage(err);
        return code;
    }
    json_t *st = NULL;
    if (query_call(&st, &a, err, "seq_getTransactionStatus", json_pack("[s]", a.positional)) !=
        SEQ_OK)
        return NODE_EXIT_FAILURE;
    code = NODE_EXIT_OK;
    if (!json_is_object(st)) {
        fputs("seqctl tx: the node's answer is not a status object\n", err);
        code = NODE_EXIT_FAILURE;
    } else if (a.json) {
        print_json(out, st);
    } else {
        node_ctl_tx_print(out, st);
    }
    json_decref(st);
    return code;
}

/* ----------------------------------------------------------------- block */

void node_seqctl_block_usage(FILE *f)
{
    fputs("usage: seqctl block --rpc URL HEIGHT [--txs] [--json]\n"
          "\n"
          "Prints the block a node committed at HEIGHT (decimal or 0x hex; 0 is the\n"
          "genesis block) from seq_getBlockByHeight: hash, parent, view, proposer, time,\n"
          "tx root, L1 origin, forced-inclusion cursor, tx count, the QC the node\n"
          "stores for it, and the L1 clocks: the batch holding it (posted) and whether\n"
          "that L1 block is finalized (final). --txs adds the tx hashes in block order;\n"
          "--json prints the node's answer as one JSON line.\n"
          "Exits 1 if the node has no block at HEIGHT (above its tip), does not answer or\n"
          "answers with an error.\n",
          f);
}

void node_ctl_block_print(FILE *out, const json_t *b)
{
    char when[40];
    time_text(when, sizeof when, u64_of(b, "timestampMs"));
    fprintf(out, "height         %llu\n", (unsigned long long)u64_of(b, "height"));
    fprintf(out, "hash           %s\n", str_of(b, "hash"));
    fprintf(out, "parent         %s\n", str_of(b, "parentHash"));
    fprintf(out, "view           %llu\n", (unsigned long long)u64_of(b, "view"));
    fprintf(out, "proposer       %s\n", str_of(b, "proposer"));
    fprintf(out, "time           %s (%llu ms)\n", when,
            (unsigned long long)u64_of(b, "timestampMs"));
    fprintf(out, "tx root        %s\n", str_of(b, "txRoot"));
    fprintf(out, "l1 origin      %llu %s\n", (unsigned long long)u64_of(b, "l1OriginNumber"),
            str_of(b, "l1OriginHash"));
    fprintf(out, "forced cursor  %llu\n", (unsigned long long)u64_of(b, "forcedCursor"));
    fprintf(out, "txs            %llu\n", (unsigned long long)u64_of(b, "txCount"));
    uint64_t signers = u64_of(b, "qcSigners");
    if (signers > 0)
        fprintf(out, "qc             view %llu, %llu signers\n",
                (unsigned long long)u64_of(b, "qcView"), (unsigned long long)signers);
    else
        fputs("qc             not stored here\n", out);
    const json_t *height = json_object_get(b, "height");
    bool genesis = json_is_integer(height) && json_integer_value(height) == 0;
    posted_print(out, 14, json_object_get(b, "posted"), genesis);
    final_print(out, 14, json_object_get(b, "final"), genesis);
    const json_t *txs = json_object_get(b, "transactions");
    for (size_t i = 0; i < json_array_size(txs); i++)
        fprintf(out, "  %5zu  %s\n", i,
                json_string_value(json_array_get(txs, i)) != NULL
                    ? json_string_value(json_array_get(txs, i))
                    : "?");
}

int node_seqctl_block(int argc, char **argv, FILE *out, FILE *err)
{
    query_args a;
    uint64_t height = 0;
    int code = query_parse(&a, "block", argc, argv, err, true);
    if (code < 0 && a.positional == NULL) {
        fputs("seqctl block: HEIGHT is required\n", err);
        code = NODE_EXIT_USAGE;
    } else if (code < 0 && !node_ctl_u64(&height, a.positional)) {
        fprintf(err, "seqctl block: '%s' is not a height (decimal or 0x hex)\n", a.positional);
        code = NODE_EXIT_USAGE;
    }
    if (code >= 0) {
        node_seqctl_block_usage(err);
        return code;
    }
    char height_hex[24];
    snprintf(height_hex, sizeof height_hex, "0x%llx", (unsigned long long)height);
    json_t *b = NULL;
    if (query_call(&b, &a, err, "seq_getBlockByHeight", json_pack("[s,b]", height_hex, a.txs)) !=
        SEQ_OK)
        return NODE_EXIT_FAILURE;
    code = NODE_EXIT_OK;
    if (json_is_null(b)) {
        fprintf(err, "seqctl block: %s has no block at height %llu (above its tip)\n", a.rpc,
                (unsigned long long)height);
        code = NODE_EXIT_FAILURE;
    } else if (!json_is_object(b)) {
        fputs("seqctl block: the node's answer is not a block\n", err);
        code = NODE_EXIT_FAILURE;
    } else if (a.json) {
        print_json(out, b);
    } else {
        node_ctl_block_print(out, b);
    }
    json_decref(b);
    return code;
}
