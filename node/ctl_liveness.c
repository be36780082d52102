/* ctl_liveness.c — `seqctl liveness --rpc URL --from H1 --to H2
 * [--genesis FILE] [--json]`: the committee's liveness over a node's
 * committed heights H1..H2. The committee comes from seq_status
 * (`validators`: index and address, in genesis order), the blocks from
 * seq_getBlockByHeight, one call per height in ascending order. seq_status
 * does not report weights: without --genesis every member is taken to
 * weigh 1 (the leader schedule is then plain round robin); with it, the
 * genesis file's committee, which must list the node's members in the
 * same order, gives them. Either way a block proposed by another than its
 * view's leader (the core accepts no such proposal) means the schedule is
 * not the chain's, and nothing is reported (exit 1).
 *
 * All calls go through one client (the options of node_ctl_call: one
 * attempt of at most NODE_CTL_TIMEOUT_MS, never retried), so up to
 * NODE_LIVENESS_HEIGHTS_MAX calls reuse one connection instead of opening
 * one each. The figures are node_liveness_compute, a pure function. */
#include "internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "l1.h"

#define LIVENESS_ADDR_COLUMNS 42

/* -------------------------------------------------------------- figures */

/* True iff blocks[0..count) is a chain (see node_liveness_compute). */
static bool liveness_chain_valid(const node_liveness_block *blocks, size_t count)
{
    for (size_t i = 1; i < count; i++) {
        const node_liveness_block *a = &blocks[i - 1], *b = &blocks[i];
        if (a->height == UINT64_MAX || b->height != a->height + 1 || b->view <= a->view ||
            b->timestamp_ms < a->timestamp_ms)
            return false;
    }
    return blocks[count - 1].view - blocks[0].view < UINT64_MAX;
}

/* Each member's slots in [view_first, view_last]: every weight_total
 * consecutive views give each member exactly its weight, so whole rounds
 * are counted at once and only the rest (< weight_total views) one by
 * one, as node_validators_commit does. */
static void liveness_slots(node_liveness *r, const cons_committee *c)
{
    uint64_t rounds = r->views / c->weight_total;
    uint64_t rest = r->views % c->weight_total;
    for (size_t i = 0; i < c->count; i++)
        r->validators[i].slots = rounds * c->validators[i].weight;
    uint64_t view = r->view_first + rounds * c->weight_total;
    for (uint64_t k = 0; k < rest; k++)
        r->validators[cons_committee_leader(c, view + k)].slots++;
}

/* View time, block interval and the longest gap, from consecutive blocks. */
static void liveness_intervals(node_liveness *r, const node_liveness_block *blocks, size_t count)
{
    r->has_intervals = count > 1;
    if (!r->has_intervals)
        return;
    for (size_t i = 1; i < count; i++) {
        const node_liveness_block *a = &blocks[i - 1], *b = &blocks[i];
        uint64_t gap_ms = b->timestamp_ms - a->timestamp_ms;
        double view_ms = (double)gap_ms / (double)(b->view - a->view);
        if (i == 1 || view_ms > r->view_ms_max) {
            r->view_ms_max = view_ms;
            r->view_max_height_from = a->height;
            r->view_max_height_to = b->height;
        }
        if (i == 1 || gap_ms > r->gap_ms_max) {
            r->gap_ms_max = gap_ms;
            r->gap_height_from = a->height;
            r->gap_height_to = b->height;
        }
    }
    r->view_ms_avg = (double)r->time_ms / (double)(r->view_last - r->view_first);
    r->block_interval_ms_avg = (double)r->time_ms / (double)(count - 1);
}

seq_err node_liveness_compute(node_liveness *out, const cons_committee *committee,
                              const node_liveness_block *blocks, size_t count)
{
    SEQ_ASSERT(out != NULL && committee != NULL && blocks != NULL);
    SEQ_ASSERT(count >= 1 && count <= NODE_LIVENESS_HEIGHTS_MAX);
    SEQ_ASSERT(committee->count >= 1 && committee->count <= CONS_VALIDATORS_MAX);
    SEQ_ASSERT(committee->weight_total >= committee->count);
    memset(out, 0, sizeof *out);
    if (!liveness_chain_valid(blocks, count))
        return SEQ_ERR_MALFORMED;
    const node_liveness_block *first = &blocks[0], *last = &blocks[count - 1];
    out->height_first = first->height;
    out->height_last = last->height;
    out->view_first = first->view;
    out->view_last = last->view;
    out->views = last->view - first->view + 1;
    out->blocks = count;
    out->views_empty = out->views - count; /* views strictly increase */
    out->time_ms = last->timestamp_ms - first->timestamp_ms;
    out->validator_count = committee->count;
    for (size_t i = 0; i < committee->count; i++) {
        out->validators[i].address = committee->validators[i].addr;
        out->validators[i].weight = committee->validators[i].weight;
    }
    liveness_slots(out, committee);
    /* missed = slots - the blocks committed in the member's views (each
     * block is in its own view of the range, so never below zero). */
    for (size_t i = 0; i < committee->count; i++)
        out->validators[i].missed = out->validators[i].slots;
    for (size_t b = 0; b < count; b++) {
        size_t leader = cons_committee_leader(committee, blocks[b].view);
        SEQ_ASSERT(out->validators[leader].missed > 0);
        out->validators[leader].missed--;
        size_t proposer = 0;
        bool known = cons_committee_find(committee, &proposer, &blocks[b].proposer);
        if (known)
            out->validators[proposer].proposed++;
        if (!known || proposer != leader)
            out->off_schedule++;
    }
    liveness_intervals(out, blocks, count);
    return SEQ_OK;
}

/* ------------------------------------------------------------- printing */

/* "25.0%" of part / whole, "-" when whole is 0. */
static void percent_text(char out[16], uint64_t part, uint64_t whole)
{
    if (whole == 0)
        snprintf(out, 16, "-");
    else
        snprintf(out, 16, "%.1f%%", 100.0 * (double)part / (double)whole);
}

void node_liveness_print(FILE *out, const node_liveness *r)
{
    SEQ_ASSERT(out != NULL && r != NULL && r->validator_count <= CONS_VALIDATORS_MAX);
    fprintf(out, "%3s  %-*s %8s %8s %8s %9s\n", "IDX", LIVENESS_ADDR_COLUMNS, "ADDRESS", "SLOTS",
            "PROPOSED", "MISSED", "MISS RATE");
    for (size_t i = 0; i < r->validator_count; i++) {
        const node_liveness_validator *v = &r->validators[i];
        char addr[43], rate[16];
        l1_addr_checksum(addr, &v->address);
        percent_text(rate, v->missed, v->slots);
        fprintf(out, "%3zu  %-*s %8llu %8llu %8llu %9s\n", i, LIVENESS_ADDR_COLUMNS, addr,
                (unsigned long long)v->slots, (unsigned long long)v->proposed,
                (unsigned long long)v->missed, rate);
    }
    char empty[16];
    percent_text(empty, r->views_empty, r->views);
    fprintf(out, "\nviews                %llu (%llu..%llu)\n", (unsigned long long)r->views,
            (unsigned long long)r->view_first, (unsigned long long)r->view_last);
    fprintf(out, "committed blocks     %llu (heights %llu..%llu)\n", (unsigned long long)r->blocks,
            (unsigned long long)r->height_first, (unsigned long long)r->height_last);
    fprintf(out, "views without block  %llu (%s; timeouts or forks)\n",
            (unsigned long long)r->views_empty, empty);
    if (r->has_intervals) {
        fprintf(out, "view time            avg %.1f ms, max %.1f ms (heights %llu..%llu)\n",
                r->view_ms_avg, r->view_ms_max, (unsigned long long)r->view_max_height_from,
                (unsigned long long)r->view_max_height_to);
        fprintf(out, "block interval       avg %.1f ms\n", r->block_interval_ms_avg);
        fprintf(out, "longest gap          %llu ms (heights %llu..%llu)\n",
                (unsigned long long)r->gap_ms_max, (unsigned long long)r->gap_height_from,
                (unsigned long long)r->gap_height_to);
    } else {
        fputs("view time            - (one block)\n"
              "block interval       - (one block)\n"
              "longest gap          - (one block)\n",
              out);
    }
    if (r->off_schedule > 0)
        fprintf(out, "off schedule         %llu blocks not proposed by their view's leader\n",
                (unsigned long long)r->off_schedule);
    fprintf(out, "weights              %s\n",
            r->weights_assumed ? "assumed 1 each (seq_status does not report them; "
                                 "--genesis FILE gives them)"
                               : "from genesis");
}

/* A ratio as a JSON number with 4 decimals, or null when whole is 0. */
static void json_rate(FILE *out, uint64_t part, uint64_t whole)
{
    if (whole == 0)
        fputs("null", out);
    else
        fprintf(out, "%.4f", (double)part / (double)whole);
}

/* The JSON object is written by hand: a fixed schema of numbers and hex
 * addresses (nothing to escape), and fixed decimals for the ratios. */
void node_liveness_print_json(FILE *out, const node_liveness *r)
{
    SEQ_ASSERT(out != NULL && r != NULL && r->validator_count <= CONS_VALIDATORS_MAX);
    fprintf(out,
            "{\"from_height\":%llu,\"to_height\":%llu,\"from_view\":%llu,\"to_view\":%llu,"
            "\"views\":%llu,\"blocks\":%llu,\"views_empty\":%llu,\"views_empty_rate\":",
            (unsigned long long)r->height_first, (unsigned long long)r->height_last,
            (unsigned long long)r->view_first, (unsigned long long)r->view_last,
            (unsigned long long)r->views, (unsigned long long)r->blocks,
            (unsigned long long)r->views_empty);
    json_rate(out, r->views_empty, r->views);
    fprintf(out, ",\"off_schedule\":%llu,\"time_ms\":%llu,", (unsigned long long)r->off_schedule,
            (unsigned long long)r->time_ms);
    if (r->has_intervals)
        fprintf(out,
                "\"view_ms_avg\":%.3f,\"view_ms_max\":%.3f,\"view_ms_max_heights\":[%llu,%llu],"
                "\"block_interval_ms_avg\":%.3f,\"gap_ms_max\":%llu,\"gap_heights\":[%llu,%llu],",
                r->view_ms_avg, r->view_ms_max, (unsigned long long)r->view_max_height_from,
                (unsigned long long)r->view_max_height_to, r->block_interval_ms_avg,
                (unsigned long long)r->gap_ms_max, (unsigned long long)r->gap_height_from,
                (unsigned long long)r->gap_height_to);
    else
        fputs("\"view_ms_avg\":null,\"view_ms_max\":null,\"view_ms_max_heights\":null,"
              "\"block_interval_ms_avg\":null,\"gap_ms_max\":null,\"gap_heights\":null,",
              out);
    fprintf(out, "\"weights\":\"%s\",\"validators\":[",
            r->weights_assumed ? "assumed_equal" : "genesis");
    for (size_t i = 0; i < r->validator_count; i++) {
        const node_liveness_validator *v = &r->validators[i];
        char addr[43];
        l1_addr_checksum(addr, &v->address);
        fprintf(out,
                "%s{\"index\":%zu,\"address\":\"%s\",\"weight\":%u,\"slots\":%llu,"
                "\"proposed\":%llu,\"missed\":%llu,\"miss_rate\":",
                i > 0 ? "," : "", i, addr, (unsigned)v->weight, (unsigned long long)v->slots,
                (unsigned long long)v->proposed, (unsigned long long)v->missed);
        json_rate(out, v->missed, v->slots);
        fputc('}', out);
    }
    fputs("]}\n", out);
}

/* ------------------------------------------------------------ arguments */

void node_seqctl_liveness_usage(FILE *f)
{
    fprintf(f,
            "usage: seqctl liveness --rpc URL --from H1 --to H2 [--genesis FILE] [--json]\n"
            "\n"
            "Measures the committee's liveness over a node's committed heights H1..H2\n"
            "(decimal or 0x hex, 1 <= H1 <= H2, at most %u heights), fetched one by one\n"
            "with seq_getBlockByHeight; the committee is seq_status's. Per validator: its\n"
            "leader slots in the views of H1..H2, the blocks it proposed, the slots\n"
            "without a committed block (missed) and the miss rate; then the views, the\n"
            "views without a block, view time, block interval and the longest gap.\n"
            "  --genesis FILE  the chain's genesis file, for the members' weights;\n"
            "                  without it each is taken to weigh 1 (seq_status does not\n"
            "                  report weights)\n"
            "  --json          print one JSON object\n"
            "Exits 1 if the node does not answer, lacks a height, or its blocks do not\n"
            "follow the leader schedule of the committee used.\n",
            NODE_LIVENESS_HEIGHTS_MAX);
}

typedef struct {
    const char *rpc, *genesis, *from_text, *to_text;
    uint64_t from, to;
    bool json;
} liveness_args;

/* Each flag once, with a value (only --json has none). Returns -1 when the
 * command may run, else the exit code (the reason printed to err). */
static int liveness_flags(liveness_args *a, int argc, char **argv, FILE *err)
{
    memset(a, 0, sizeof *a);
    for (int i = 2; i < argc; i++) {
        const char *arg = argv[i];
        const char **slot = strcmp(arg, "--rpc") == 0       ? &a->rpc
                            : strcmp(arg, "--from") == 0    ? &a->from_text
                            : strcmp(arg, "--to") == 0      ? &a->to_text
                            : strcmp(arg, "--genesis") == 0 ? &a->genesis
                                                            : NULL;
        if (strcmp(arg, "--json") == 0 && !a->json) {
            a->json = true;
        } else if (slot != NULL && *slot == NULL && i + 1 < argc) {
            *slot = argv[++i];
        } else {
            fprintf(err, "seqctl liveness: unknown, repeated or incomplete argument '%s'\n", arg);
            return NODE_EXIT_USAGE;
        }
    }
    return -1;
}

static int liveness_parse(liveness_args *a, int argc, char **argv, FILE *err)
{
    int code = liveness_flags(a, argc, argv, err);
    if (code >= 0)
        return code;
    if (a->rpc == NULL || a->from_text == NULL || a->to_text == NULL) {
        fputs("seqctl liveness: --rpc URL, --from H1 and --to H2 are required\n", err);
        return NODE_EXIT_USAGE;
    }
    const char *bad = !node_ctl_u64(&a->from, a->from_text) ? a->from_text
                      : !node_ctl_u64(&a->to, a->to_text)   ? a->to_text
                                                            : NULL;
    if (bad != NULL) {
        fprintf(err, "seqctl liveness: '%s' is not a height (decimal or 0x hex)\n", bad);
        return NODE_EXIT_USAGE;
    }
    if (a->from == 0) {
        fputs("seqctl liveness: --from must be at least 1 (height 0 is genesis, which nobody "
              "proposed)\n",
              err);
        return NODE_EXIT_USAGE;
    }
    if (a->from > a->to) {
        fprintf(err, "seqctl liveness: --from %llu is above --to %llu\n",
                (unsigned long long)a->from, (unsigned long long)a->to);
        return NODE_EXIT_USAGE;
    }
    if (a->to - a->from >= NODE_LIVENESS_HEIGHTS_MAX) {
        fprintf(err, "seqctl liveness: %llu..%llu is more than %u heights; ask in parts\n",
                (unsigned long long)a->from, (unsigned long long)a->to, NODE_LIVENESS_HEIGHTS_MAX);
        return NODE_EXIT_USAGE;
    }
    return -1;
}

/* ------------------------------------------------------------- the node */

/* One call on c; *out is the parsed result (json_decref it). Prints why
 * to err on failure. */
static seq_err liveness_call(json_t **out, l1_rpc *c, FILE *err, const char *method,
                             const char *params_json)
{
    *out = NULL;
    char *text = NULL;
    seq_err e = l1_rpc_call(c, &text, method, params_json);
    if (e != SEQ_OK) {
        const l1_rpc_error *remote = l1_rpc_last_remote(c);
        fprintf(err, "seqctl liveness: %s%s%s%s\n", l1_rpc_last_error(c),
                remote != NULL && remote->data[0] != '\0' ? " [" : "",
                remote != NULL ? remote->data : "",
                remote != NULL && remote->data[0] != '\0' ? "]" : "");
        return e;
    }
    *out = json_loads(text, JSON_DECODE_ANY, NULL);
    free(text);
    if (*out == NULL) {
        fprintf(err, "seqctl liveness: %s: the answer is not JSON\n", method);
        return SEQ_ERR_MALFORMED;
    }
    return SEQ_OK;
}

/* A non-negative JSON integer member. */
static bool u64_member(uint64_t *out, const json_t *obj, const char *name)
{
    const json_t *v = json_object_get(obj, name);
    if (!json_is_integer(v) || json_integer_value(v) < 0)
        return false;
    *out = (uint64_t)json_integer_value(v);
    return true;
}

/* The committee in seq_status's `validators` (each entry's index its
 * position), weight 1 each. Prints why to err on failure. */
static seq_err committee_from_status(cons_committee *out, const json_t *status, FILE *err)
{
    const json_t *list = json_object_get(status, "validators");
    size_t n = json_array_size(list);
    if (n == 0 || n > CONS_VALIDATORS_MAX) {
        fputs("seqctl liveness: seq_status reports no committee (`validators`; an older seqd?); "
              "--genesis FILE gives it\n",
              err);
        return SEQ_ERR_MALFORMED;
    }
    cons_validator members[CONS_VALIDATORS_MAX];
    for (size_t i = 0; i < n; i++) {
        const json_t *v = json_array_get(list, i);
        uint64_t index = 0;
        const char *addr = json_string_value(json_object_get(v, "address"));
        members[i].weight = 1;
        if (!u64_member(&index, v, "index") || index != i || addr == NULL ||
            node_config_addr_parse(&members[i].addr, addr) != SEQ_OK) {
            fprintf(err,
                    "seqctl liveness: seq_status: validators[%zu] is not {index: %zu, "
                    "address}\n",
                    i, i);
            return SEQ_ERR_MALFORMED;
        }
    }
    if (cons_committee_init(out, members, n) != SEQ_OK) {
        fputs("seqctl liveness: seq_status: the validators are not a committee (a zero or "
              "repeated address)\n",
              err);
        return SEQ_ERR_MALFORMED;
    }
    return SEQ_OK;
}

/* The committee of the genesis file at path; it must be the node's, when
 * the node reports one (same addresses, same order). */
static seq_err committee_from_genesis(cons_committee *out, const liveness_args *a,
                                      const json_t *status, FILE *err)
{
    node_genesis *g = malloc(sizeof *g);
    cons_committee *reported = malloc(sizeof *reported);
    node_diag why;
    seq_err e = g != NULL && reported != NULL ? SEQ_OK : SEQ_ERR_NO_MEMORY;
    if (e != SEQ_OK)
        fputs("seqctl liveness: out of memory\n", err);
    if (e == SEQ_OK && (e = node_genesis_load(g, &why, a->genesis)) != SEQ_OK)
        fprintf(err, "seqctl liveness: %s\n", why.text);
    if (e == SEQ_OK && (e = node_genesis_committee(out, g)) != SEQ_OK)
        fprintf(err, "seqctl liveness: %s: not a valid committee\n", a->genesis);
    bool compare = e == SEQ_OK && json_array_size(json_object_get(status, "validators")) > 0;
    if (compare && committee_from_status(reported, status, err) != SEQ_OK)
        e = SEQ_ERR_MALFORMED;
    for (size_t i = 0; compare && e == SEQ_OK && i < SEQ_MAX(out->count, reported->count); i++) {
        if (i < out->count && i < reported->count &&
            memcmp(&out->validators[i].addr, &reported->validators[i].addr, sizeof(seq_addr)) == 0)
            continue;
        fprintf(err,
                "seqctl liveness: %s is not this node's genesis: its committee differs from "
                "seq_status's at index %zu\n",
                a->genesis, i);
        e = SEQ_ERR_INVALID_ARG;
    }
    free(reported);
    free(g);
    if (e != SEQ_OK)
        memset(out, 0, sizeof *out);
    return e;
}

/* The block at height, checked against what was asked. */
static seq_err block_fetch(node_liveness_block *out, l1_rpc *c, FILE *err, uint64_t height)
{
    char params[48];
    snprintf(params, sizeof params, "[\"0x%llx\",false]", (unsigned long long)height);
    json_t *b = NULL;
    seq_err e = liveness_call(&b, c, err, "seq_getBlockByHeight", params);
    if (e != SEQ_OK)
        return e;
    const char *proposer = json_string_value(json_object_get(b, "proposer"));
    if (json_is_null(b)) {
        fprintf(err, "seqctl liveness: the node has no block at height %llu\n",
                (unsigned long long)height);
        e = SEQ_ERR_NOT_FOUND;
    } else if (!u64_member(&out->height, b, "height") || out->height != height ||
               !u64_member(&out->view, b, "view") ||
               !u64_member(&out->timestamp_ms, b, "timestampMs") || proposer == NULL ||
               node_config_addr_parse(&out->proposer, proposer) != SEQ_OK) {
        fprintf(err,
                "seqctl liveness: seq_getBlockByHeight %llu: the answer is not that block "
                "(height, view, timestampMs, proposer)\n",
                (unsigned long long)height);
        e = SEQ_ERR_MALFORMED;
    }
    json_decref(b);
    return e;
}

/* Everything one run holds, on the heap (the committee and the result are
 * tens of KiB, the blocks up to a few MiB). */
typedef struct {
    l1_rpc *client;
    json_t *status;
    cons_committee committee;
    node_liveness result;
    node_liveness_block *blocks;
} liveness_run;

/* The committee and, after the tip check, the blocks. */
static seq_err liveness_gather(liveness_run *run, const liveness_args *a, FILE *err)
{
    seq_err e = liveness_call(&run->status, run->client, err, "seq_status", NULL);
    if (e != SEQ_OK)
        return e;
    uint64_t tip = 0;
    if (!json_is_object(run->status) || !u64_member(&tip, run->status, "height")) {
        fputs("seqctl liveness: seq_status: the answer is not a status object\n", err);
        return SEQ_ERR_MALFORMED;
    }
    if (a->to > tip) {
        fprintf(err, "seqctl liveness: --to %llu is above the node's committed height %llu\n",
                (unsigned long long)a->to, (unsigned long long)tip);
        return SEQ_ERR_NOT_FOUND;
    }
    e = a->genesis != NULL ? committee_from_genesis(&run->committee, a, run->status, err)
                           : committee_from_status(&run->committee, run->status, err);
    for (uint64_t h = a->from; e == SEQ_OK && h <= a->to; h++)
        e = block_fetch(&run->blocks[h - a->from], run->client, err, h);
    return e;
}

static seq_err liveness_report(liveness_run *run, const liveness_args *a, FILE *out, FILE *err)
{
    size_t count = (size_t)(a->to - a->from + 1);
    if (node_liveness_compute(&run->result, &run->committee, run->blocks, count) != SEQ_OK) {
        fputs("seqctl liveness: the node's blocks are not a chain (views must increase and "
              "timestamps never decrease with height)\n",
              err);
        return SEQ_ERR_MALFORMED;
    }
    run->result.weights_assumed = a->genesis == NULL;
    if (run->result.off_schedule > 0) {
        fprintf(err,
                "seqctl liveness: %llu of %llu blocks were not proposed by their view's leader "
                "under %s; %s\n",
                (unsigned long long)run->result.off_schedule,
                (unsigned long long)run->result.blocks,
                a->genesis != NULL ? "the genesis file's committee" : "equal weights",
                a->genesis != NULL ? "is it this chain's genesis?"
                                   : "the committee has weights: pass --genesis FILE");
        return SEQ_ERR_INVALID_ARG;
    }
    if (a->json)
        node_liveness_print_json(out, &run->result);
    else
        node_liveness_print(out, &run->result);
    return SEQ_OK;
}

int node_seqctl_liveness(int argc, char **argv, FILE *out, FILE *err)
{
    liveness_args a;
    int code = liveness_parse(&a, argc, argv, err);
    if (code >= 0) {
        node_seqctl_liveness_usage(err);
        return code;
    }
    liveness_run *run = calloc(1, sizeof *run);
    size_t count = (size_t)(a.to - a.from + 1);
    node_liveness_block *blocks = calloc(count, sizeof *blocks);
    seq_err e = run != NULL && blocks != NULL ? SEQ_OK : SEQ_ERR_NO_MEMORY;
    if (e != SEQ_OK) {
        fputs("seqctl liveness: out of memory\n", err);
        goto free_run;
    }
    run->blocks = blocks;
    e = node_ctl_client(&run->client, a.rpc);
    if (e != SEQ_OK) {
        fprintf(err, "seqctl liveness: %s: bad URL (%s): need http://HOST:PORT\n", a.rpc,
                seq_strerror(e));
        goto free_run;
    }
    e = liveness_gather(run, &a, err);
    if (e == SEQ_OK)
        e = liveness_report(run, &a, out, err);
    l1_rpc_free(run->client);
    json_decref(run->status);
free_run:
    free(blocks);
    free(run);
    return e == SEQ_OK ? NODE_EXIT_OK : NODE_EXIT_FAILURE;
}
