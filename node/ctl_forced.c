/* ctl_forced.c — `seqctl forced --rpc URL [--from INDEX] [--count N]
 * [--json]`: the forced queue as a node stores it. seq_getForcedQueue gives
 * the summary (entries stored, the forced cursors of the committed tip and
 * of the last L1 batch, the due delay and the window); then one
 * seq_getForcedEntry per entry from INDEX on, at most N, stopping at the
 * first the node does not store. Each row says when the entry falls due,
 * which L2 block consumed it (and whether its tx is in L2 by then), how
 * long after its L1 queueing, and which L1 batch consumed it (a "!" when
 * after the inclusion window).
 *
 * All calls go through one client with the options of node_ctl_call (one
 * attempt of at most NODE_CTL_TIMEOUT_MS, never retried), so the up to
 * NODE_CTL_FORCED_COUNT_MAX + 1 calls reuse one connection. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#include "l1.h"

void node_seqctl_forced_usage(FILE *f)
{
    fprintf(f,
            "usage: seqctl forced --rpc URL [--from INDEX] [--count N] [--json]\n"
            "\n"
            "Shows the forced-inclusion queue a node stores (seq_getForcedQueue), then one\n"
            "row per entry (seq_getForcedEntry): its L1 block, the L1 origin it is due at,\n"
            "the L2 block that consumed it, whether its tx is in L2 by that block (COPY),\n"
            "the time from L1 queueing to that block (SOFT, s), the L1 batch that consumed\n"
            "it (\"advance\": a forceAdvance), that batch's L1 block (\"!\" when past the\n"
            "entry's inclusion window) and the time from queueing to it (POSTED, s).\n"
            "  --from INDEX  first entry (decimal or 0x hex); default: the newest N\n"
            "  --count N     entries at most, 1..%u (default %u); stops at the first\n"
            "                entry the node does not store\n"
            "  --json        print {\"queue\": ..., \"entries\": [...]} on one line\n"
            "Exits 1 if the node does not answer or answers with an error.\n",
            NODE_CTL_FORCED_COUNT_MAX, NODE_CTL_FORCED_COUNT_DEFAULT);
}

typedef struct {
    const char *rpc, *from_text, *count_text;
    uint64_t from, count;
    bool has_from, json;
} forced_args;

/* Each flag once, with a value (only --json has none). Returns -1 when the
 * command may run, else the exit code (the reason printed to err). */
static int forced_parse(forced_args *a, int argc, char **argv, FILE *err)
{
    memset(a, 0, sizeof *a);
    for (int i = 2; i < argc; i++) {
        const char *arg = argv[i];
        const char **slot = strcmp(arg, "--rpc") == 0     ? &a->rpc
                            : strcmp(arg, "--from") == 0  ? &a->from_text
                            : strcmp(arg, "--count") == 0 ? &a->count_text
                                                          : NULL;
        if (strcmp(arg, "--json") == 0 && !a->json) {
            a->json = true;
        } else if (slot != NULL && *slot == NULL && i + 1 < argc) {
            *slot = argv[++i];
        } else {
            fprintf(err, "seqctl forced: unknown, repeated or incomplete argument '%s'\n", arg);
            return NODE_EXIT_USAGE;
        }
    }
    if (a->rpc == NULL) {
        fputs("seqctl forced: --rpc URL is required\n", err);
        return NODE_EXIT_USAGE;
    }
    a->has_from = a->from_text != NULL;
    if (a->has_from && !node_ctl_u64(&a->from, a->from_text)) {
        fprintf(err, "seqctl forced: --from '%s' is not an index (decimal or 0x hex)\n",
                a->from_text);
        return NODE_EXIT_USAGE;
    }
    a->count = NODE_CTL_FORCED_COUNT_DEFAULT;
    if (a->count_text != NULL && (!node_ctl_u64(&a->count, a->count_text) || a->count == 0 ||
                                  a->count > NODE_CTL_FORCED_COUNT_MAX)) {
        fprintf(err, "seqctl forced: --count '%s' is not a number from 1 to %u\n", a->count_text,
                NODE_CTL_FORCED_COUNT_MAX);
        return NODE_EXIT_USAGE;
    }
    return -1;
}

/* ----------------------------------------------------------------- output */

/* A non-negative JSON integer member. */
static bool u64_member(uint64_t *out, const json_t *obj, const char *name)
{
    const json_t *v = json_object_get(obj, name);
    if (!json_is_integer(v) || json_integer_value(v) < 0)
        return false;
    *out = (uint64_t)json_integer_value(v);
    return true;
}

/* Member name of obj as decimal text, or dash when it is not a
 * non-negative integer. */
static const char *u64_text(char *buf, size_t buf_len, const json_t *obj, const char *name,
                            const char *dash)
{
    uint64_t v;
    if (!u64_member(&v, obj, name))
        return dash;
    snprintf(buf, buf_len, "%llu", (unsigned long long)v);
    return buf;
}

/* Member name of obj (ms) as seconds with one decimal, rounded; "-" when
 * it is not a non-negative integer. */
static const char *seconds_text(char *buf, size_t buf_len, const json_t *obj, const char *name)
{
    uint64_t ms;
    if (!u64_member(&ms, obj, name))
        return "-";
    uint64_t tenths = ms / 100u + (ms % 100u >= 50u ? 1u : 0u);
    snprintf(buf, buf_len, "%llu.%llu", (unsigned long long)(tenths / 10u),
             (unsigned long long)(tenths % 10u));
    return buf;
}

void node_ctl_forced_summary(FILE *out, const json_t *queue)
{
    char count[24], l2[24], l1[24], due[24], window[24];
    fprintf(out, "forced queue: %s entries; consumed by L2 blocks %s, by L1 batches %s; ",
            u64_text(count, sizeof count, queue, "count", "?"),
            u64_text(l2, sizeof l2, queue, "consumedL2", "?"),
            u64_text(l1, sizeof l1, queue, "consumedL1", "?"));
    if (json_is_integer(json_object_get(queue, "windowBlocks")))
        fprintf(out, "due %s L1 blocks after queueing, window %s\n",
                u64_text(due, sizeof due, queue, "dueBlocks", "?"),
                u64_text(window, sizeof window, queue, "windowBlocks", "?"));
    else
        fputs("due and window unknown (the node has no L1 link)\n", out);
}

#define FORCED_ROW_FORMAT "%7s %9s %9s %10s %5s %8s %12s %10s %8s\n"

void node_ctl_forced_header(FILE *out)
{
    fprintf(out, FORCED_ROW_FORMAT, "INDEX", "L1 BLOCK", "DUE", "L2 HEIGHT", "COPY", "SOFT",
            "BATCH", "POSTED L1", "POSTED");
}

bool node_ctl_forced_row(FILE *out, const json_t *entry)
{
    char index[24], l1_block[24], due[24], height[24], soft[24], batch[40], posted_l1[24],
        posted_s[24];
    const json_t *consumed = json_object_get(entry, "consumed");
    const json_t *posted = json_object_get(entry, "posted");
    const json_t *copied = json_object_get(consumed, "copied");
    bool late = false;
    uint64_t v;
    snprintf(batch, sizeof batch, "-");
    if (u64_member(&v, posted, "batchIndex"))
        snprintf(batch, sizeof batch, "%llu%s", (unsigned long long)v,
                 json_is_true(json_object_get(posted, "forceAdvance")) ? " advance" : "");
    /* The L1 block with a mark column: "!" past the window, else a space. */
    snprintf(posted_l1, sizeof posted_l1, "- ");
    if (u64_member(&v, posted, "l1Block")) {
        late = json_is_false(json_object_get(posted, "withinWindow"));
        snprintf(posted_l1, sizeof posted_l1, "%llu%c", (unsigned long long)v, late ? '!' : ' ');
    }
    fprintf(out, FORCED_ROW_FORMAT, u64_text(index, sizeof index, entry, "index", "?"),
            u64_text(l1_block, sizeof l1_block, entry, "l1Block", "?"),
            u64_text(due, sizeof due, entry, "dueL1Block", "?"),
            u64_text(height, sizeof height, consumed, "height", "-"),
            !json_is_boolean(copied) ? "-"
            : json_is_true(copied)   ? "yes"
                                     : "no",
            seconds_text(soft, sizeof soft, consumed, "softLatencyMs"), batch, posted_l1,
            seconds_text(posted_s, sizeof posted_s, posted, "postedLatencyMs"));
    return late;
}

/* ----------------------------------------------------------------- the node */

/* One call on c; *out is the parsed result (json_decref it). Prints why
 * to err on failure. */
static seq_err forced_call(json_t **out, l1_rpc *c, FILE *err, const char *method,
                           const char *params_json)
{
    *out = NULL;
    char *text = NULL;
    seq_err e = l1_rpc_call(c, &text, method, params_json);
    if (e != SEQ_OK) {
        const l1_rpc_error *remote = l1_rpc_last_remote(c);
        bool data = remote != NULL && remote->data[0] != '\0';
        fprintf(err, "seqctl forced: %s%s%s%s\n", l1_rpc_last_error(c), data ? " [" : "",
                data ? remote->data : "", data ? "]" : "");
        return e;
    }
    *out = json_loads(text, JSON_DECODE_ANY, NULL);
    free(text);
    if (*out == NULL) {
        fprintf(err, "seqctl forced: %s: the answer is not JSON\n", method);
        return SEQ_ERR_MALFORMED;
    }
    return SEQ_OK;
}

/* The entries from index from on into list, in index order, until
 * a->count of them or the first the node does not store. */
static seq_err forced_entries(json_t *list, l1_rpc *c, const forced_args *a, uint64_t from,
                              FILE *err)
{
    for (uint64_t i = 0; i < a->count && from + i >= from; i++) {
        char params[32];
        /* In hex: JSON integers stop at INT64_MAX on the node's side. */
        snprintf(params, sizeof params, "[\"0x%llx\"]", (unsigned long long)(from + i));
        json_t *entry = NULL;
        seq_err e = forced_call(&entry, c, err, "seq_getForcedEntry", params);
        if (e != SEQ_OK)
            return e;
        if (json_is_null(entry)) {
            json_decref(entry);
            break;
        }
        if (!json_is_object(entry)) {
            json_decref(entry);
            fprintf(err, "seqctl forced: seq_getForcedEntry %llu: the answer is not an entry\n",
                    (unsigned long long)(from + i));
            return SEQ_ERR_MALFORMED;
        }
        if (json_array_append_new(list, entry) != 0)
            return SEQ_ERR_NO_MEMORY;
    }
    return SEQ_OK;
}

static void forced_print(FILE *out, const json_t *queue, const json_t *list, uint64_t from)
{
    node_ctl_forced_summary(out, queue);
    if (json_array_size(list) == 0) {
        fprintf(out, "no entries from index %llu\n", (unsigned long long)from);
        return;
    }
    node_ctl_forced_header(out);
    bool late = false;
    for (size_t i = 0; i < json_array_size(list); i++)
        late |= node_ctl_forced_row(out, json_array_get(list, i));
    if (late)
        fputs("! consumed on L1 after the entry's inclusion window\n", out);
}

/* The queue, then the entries; printed once all are in. */
static seq_err forced_run(l1_rpc *c, const forced_args *a, FILE *out, FILE *err)
{
    json_t *queue = NULL;
    seq_err e = forced_call(&queue, c, err, "seq_getForcedQueue", NULL);
    uint64_t count = 0;
    if (e == SEQ_OK && (!json_is_object(queue) || !u64_member(&count, queue, "count"))) {
        fputs("seqctl forced: seq_getForcedQueue: the answer is not a queue summary\n", err);
        e = SEQ_ERR_MALFORMED;
    }
    json_t *list = e == SEQ_OK ? json_array() : NULL;
    if (e == SEQ_OK && list == NULL)
        e = SEQ_ERR_NO_MEMORY;
    /* By default the newest entries: those of the last a->count indexes. */
    uint64_t from = a->has_from ? a->from : count - SEQ_MIN(count, a->count);
    if (e == SEQ_OK)
        e = forced_entries(list, c, a, from, err);
    if (e == SEQ_ERR_NO_MEMORY)
        fputs("seqctl forced: out of memory\n", err);
    if (e == SEQ_OK && a->json) {
        json_t *doc = json_pack("{s:O,s:O}", "queue", queue, "entries", list);
        char *text = doc != NULL ? json_dumps(doc, JSON_COMPACT) : NULL;
        fprintf(out, "%s\n", text != NULL ? text : "null");
        free(text);
        json_decref(doc);
    } else if (e == SEQ_OK) {
        forced_print(out, queue, list, from);
    }
    json_decref(list);
    json_decref(queue);
    return e;
}

int node_seqctl_forced(int argc, char **argv, FILE *out, FILE *err)
{
    forced_args a;
    int code = forced_parse(&a, argc, argv, err);
    if (code >= 0) {
        node_seqctl_forced_usage(err);
        return code;
    }
    l1_rpc *c = NULL;
    seq_err e = node_ctl_client(&c, a.rpc);
    if (e != SEQ_OK) {
        fprintf(err, "seqctl forced: %s: bad URL (%s): need http://HOST:PORT\n", a.rpc,
                seq_strerror(e));
        return NODE_EXIT_FAILURE;
    }
    e = forced_run(c, &a, out, err);
    l1_rpc_free(c);
    return e == SEQ_OK ? NODE_EXIT_OK : NODE_EXIT_FAILURE;
}
