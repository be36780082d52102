/* ctl_evidence.c — seqctl evidence list, show and submit: the equivocation
 * evidence a node stores (seq_getEvidence), one record of it in full, and
 * that record sent to L1 as Committee.submitEvidence (DESIGN.md "L1:
 * batches, forced inclusion, slashing"; node/README.md "Evidence from the
 * command line").
 *
 * The evidence file is one record exactly as seq_getEvidence returns it
 * (`seqctl evidence show --json`), or a whole seq_getEvidence reply that
 * holds one record. node_ctl_evidence_from_json turns it into the
 * l1_evidence the contract takes. submit checks it locally the way the
 * contract will (l1_evidence_check under the Committee's domain and L2
 * chain id, read from L1), asks eth_estimateGas (which names the errors
 * that depend on L1 state, such as AlreadySlashed), and only then signs
 * and sends one transaction. */
#include "internal.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "l1.h"

#define EV_FILE_BYTES_MAX (64u << 10) /* one record is under 2 KiB; a reply, a few */
#define EV_HASH_CHARS     (2u * SEQ_HASH_BYTES + 3u)
#define EV_SIG_CHARS      (2u * SEQ_SIG_BYTES + 3u)
#define EV_WHERE_CHARS    48u
#define EV_WHY_BYTES      (L1_RPC_ERROR_TEXT_BYTES + L1_RPC_ERROR_DATA_BYTES + 8u)
#define EV_EXPLAIN_BYTES  256u
#define EV_LOG_DATA_BYTES 2048u /* two Committee events of one tx */
#define EV_STMT_FIELDS    8u    /* attestation: seven fields and the signature */

/* The subcommands, as bits of the flags they take. */
enum { EV_LIST = 1, EV_SHOW = 2, EV_SUBMIT = 4 };

/* ----------------------------------------------------------------- kinds */

static const char *const kind_names[] = {NULL, "proposal", "vote", "timeout", "attestation"};

const char *node_ctl_evidence_kind_name(l1_evidence_kind kind)
{
    size_t k = (size_t)kind;
    return k > 0 && k < SEQ_ARRAY_LEN(kind_names) ? kind_names[k] : "unknown";
}

l1_evidence_kind node_ctl_evidence_kind_parse(const char *name)
{
    SEQ_ASSERT(name != NULL);
    for (size_t k = 1; k < SEQ_ARRAY_LEN(kind_names); k++)
        if (strcmp(name, kind_names[k]) == 0)
            return (l1_evidence_kind)k;
    return (l1_evidence_kind)0;
}

/* -------------------------------------------------------- record -> L1 */

/* The members of one statement of kind, in EIP-712 order, then its
 * signature; the uint64 ones are marked. */
typedef struct {
    const char *names[EV_STMT_FIELDS];
    bool is_u64[EV_STMT_FIELDS];
    size_t count;
} stmt_shape;

static stmt_shape shape_of(l1_evidence_kind kind)
{
    static const stmt_shape block = {
        {"l2ChainId", "view", "height", "blockHash", "signature"}, {true, true, true}, 5};
    static const stmt_shape timeout = {
        {"l2ChainId", "view", "highQcView", "signature"}, {true, true, true}, 4};
    static const stmt_shape attestation = {{"l2ChainId", "index", "prevBatchHash", "dataHash",
                                            "firstHeight", "lastHeight", "forcedCursor",
                                            "signature"},
                                           {true, true, false, false, true, true, true},
                                           8};
    return kind == L1_EVIDENCE_TIMEOUT       ? timeout
           : kind == L1_EVIDENCE_ATTESTATION ? attestation
                                             : block;
}

/* Where field i of a statement of kind lives: a uint64 or a hash. */
static void stmt_fields(uint64_t *u64s[EV_STMT_FIELDS], seq_hash *hashes[EV_STMT_FIELDS],
                        l1_evidence_kind kind, l1_statement *s)
{
    memset(u64s, 0, EV_STMT_FIELDS * sizeof *u64s);
    memset(hashes, 0, EV_STMT_FIELDS * sizeof *hashes);
    if (kind == L1_EVIDENCE_TIMEOUT) {
        uint64_t *fields[] = {&s->timeout.l2_chain_id, &s->timeout.view, &s->timeout.high_qc_view};
        memcpy(u64s, fields, sizeof fields);
    } else if (kind == L1_EVIDENCE_ATTESTATION) {
        l1_attestation_stmt *a = &s->attestation;
        uint64_t *fields[] = {&a->l2_chain_id, &a->index,        NULL, NULL, &a->first_height,
                              &a->last_height, &a->forced_cursor};
        memcpy(u64s, fields, sizeof fields);
        hashes[2] = &a->prev_batch_hash;
        hashes[3] = &a->data_hash;
    } else {
        uint64_t *fields[] = {&s->block.l2_chain_id, &s->block.view, &s->block.height};
        memcpy(u64s, fields, sizeof fields);
        hashes[3] = &s->block.block_hash;
    }
}

static seq_err stmt_from_json(l1_statement *out, seq_sig *sig, const node_config_json *j,
                              const char *where, l1_evidence_kind kind, const json_t *obj)
{
    if (!json_is_object(obj))
        return node_diag_set(j->why, SEQ_ERR_MALFORMED, "%s: %s: must be an object", j->file,
                             where);
    stmt_shape shape = shape_of(kind);
    uint64_t *u64s[EV_STMT_FIELDS];
    seq_hash *hashes[EV_STMT_FIELDS];
    stmt_fields(u64s, hashes, kind, out);
    seq_err err = node_config_json_members(j, obj, where, shape.names, shape.count);
    for (size_t i = 0; err == SEQ_OK && i + 1 < shape.count; i++) {
        if (shape.is_u64[i])
            err = node_config_json_u64(j, u64s[i], obj, where, shape.names[i], 0, UINT64_MAX);
        else
            err = node_config_json_hex(j, hashes[i]->b, SEQ_HASH_BYTES, obj, where, shape.names[i]);
    }
    if (err == SEQ_OK)
        err = node_config_json_hex(j, sig->b, SEQ_SIG_BYTES, obj, where, "signature");
    return err;
}

/* The record's kind, from its "kind" member. */
static seq_err record_kind(l1_evidence_kind *out, const node_config_json *j, const char *where,
                           const json_t *record)
{
    const char *text = NULL;
    seq_err err = node_config_json_string(j, &text, record, where, "kind", false);
    if (err != SEQ_OK)
        return err;
    *out = node_ctl_evidence_kind_parse(text);
    if (*out == 0)
        return node_diag_set(j->why, SEQ_ERR_INVALID_ARG,
                             "%s: %s%skind: '%s' is not proposal, vote, timeout or attestation",
                             j->file, where, where[0] != '\0' ? "." : "", text);
    return SEQ_OK;
}

/* The fields of one record: kind, validator, view (batch index), a, b. */
static seq_err record_read(l1_evidence *out, seq_addr *validator, const node_config_json *j,
                           const char *where, const json_t *record)
{
    l1_evidence_kind kind = 0;
    seq_err err = record_kind(&kind, j, where, record);
    if (err != SEQ_OK)
        return err;
    bool attestation = kind == L1_EVIDENCE_ATTESTATION, present = false;
    const char *const names[] = {"kind", "validator", attestation ? "batchIndex" : "view", "a",
                                 "b"};
    const char *view_name = names[2];
    char label[EV_WHERE_CHARS + 4];
    uint64_t view = 0;
    out->kind = kind;
    err = node_config_json_members(j, record, where, names, SEQ_ARRAY_LEN(names));
    if (err == SEQ_OK)
        err = node_config_json_addr(j, validator, &present, record, where, "validator", false);
    if (err == SEQ_OK)
        err = node_config_json_u64(j, &view, record, where, view_name, 0, UINT64_MAX);
    const char *dot = where[0] != '\0' ? "." : "";
    snprintf(label, sizeof label, "%s%sa", where, dot);
    if (err == SEQ_OK)
        err = stmt_from_json(&out->a, &out->sig_a, j, label, kind, json_object_get(record, "a"));
    snprintf(label, sizeof label, "%s%sb", where, dot);
    if (err == SEQ_OK)
        err = stmt_from_json(&out->b, &out->sig_b, j, label, kind, json_object_get(record, "b"));
    if (err == SEQ_OK && view != l1_evidence_view(kind, &out->a))
        err = node_diag_set(j->why, SEQ_ERR_INVALID_ARG,
                            "%s: %s%s%s: %llu, but statement a is for %s %llu", j->file, where,
                            where[0] != '\0' ? "." : "", view_name, (unsigned long long)view,
                            attestation ? "batch index" : "view",
                            (unsigned long long)l1_evidence_view(kind, &out->a));
    return err;
}

seq_err node_ctl_evidence_from_json(l1_evidence *out, seq_addr *validator, node_diag *why,
                                    const char *file, const char *where, const json_t *record)
{
    SEQ_ASSERT(out != NULL && validator != NULL && file != NULL && where != NULL);
    memset(out, 0, sizeof *out);
    memset(validator, 0, sizeof *validator);
    node_diag_clear(why);
    const node_config_json j = {.why = why, .file = file};
    seq_err err = json_is_object(record)
                      ? record_read(out, validator, &j, where, record)
                      : node_diag_set(why, SEQ_ERR_MALFORMED, "%s: %s%snot a JSON object", file,
                                      where, where[0] != '\0' ? ": " : "");
    if (err != SEQ_OK) {
        memset(out, 0, sizeof *out);
        memset(validator, 0, sizeof *validator);
    }
    return err;
}

/* A file's root: the record itself, or a reply's only record. */
static seq_err file_record(const json_t **record, const char **where, node_diag *why,
                           const char *path, const json_t *root)
{
    const json_t *list = json_object_get(root, "evidence");
    *record = root;
    *where = "";
    if (list == NULL)
        return SEQ_OK;
    if (!json_is_array(list))
        return node_diag_set(why, SEQ_ERR_MALFORMED, "%s: evidence: must be an array", path);
    if (json_array_size(list) != 1)
        return node_diag_set(why, SEQ_ERR_INVALID_ARG,
                             "%s: holds %zu evidence records, not one (export one with seqctl "
                             "evidence show --json)",
                             path, json_array_size(list));
    *record = json_array_get(list, 0);
    *where = "evidence[0]";
    return SEQ_OK;
}

seq_err node_ctl_evidence_file_load(l1_evidence *out, seq_addr *validator, node_diag *why,
                                    const char *path)
{
    SEQ_ASSERT(out != NULL && validator != NULL && path != NULL);
    memset(out, 0, sizeof *out);
    memset(validator, 0, sizeof *validator);
    node_diag_clear(why);
    char *text = NULL;
    size_t len = 0;
    seq_err err = node_config_file_read(&text, &len, why, path, "evidence file", EV_FILE_BYTES_MAX);
    if (err != SEQ_OK)
        return err;
    const node_config_json j = {.why = why, .file = path};
    json_t *root = NULL;
    const json_t *record = NULL;
    const char *where = "";
    err = node_config_json_parse(&root, &j, text, len);
    if (err == SEQ_OK)
        err = file_record(&record, &where, why, path, root);
    if (err == SEQ_OK)
        err = node_ctl_evidence_from_json(out, validator, why, path, where, record);
    json_decref(root);
    free(text);
    return err;
}

const json_t *node_ctl_evidence_pick(const json_t *list, l1_evidence_kind kind, bool has_view,
                                     uint64_t view)
{
    for (size_t i = 0; i < json_array_size(list); i++) {
        const json_t *e = json_array_get(list, i);
        const char *name = json_string_value(json_object_get(e, "kind"));
        l1_evidence_kind k = name != NULL ? node_ctl_evidence_kind_parse(name) : 0;
        const json_t *v = json_object_get(e, k == L1_EVIDENCE_ATTESTATION ? "batchIndex" : "view");
        if (k == 0 || (kind != 0 && k != kind))
            continue;
        if (has_view && (!json_is_integer(v) || json_integer_value(v) < 0 ||
                         (uint64_t)json_integer_value(v) != view))
            continue;
        return e;
    }
    return NULL;
}

/* ------------------------------------------------------------ arguments */

typedef struct {
    const char *name; /* "seqctl evidence show": every message starts with it */
    unsigned sub;     /* EV_LIST, EV_SHOW or EV_SUBMIT */
    const char *rpc, *validator, *kind, *view;
    const char *l1_rpc, *committee, *deployment, *domain;
    const char *key, *passphrase_file, *passphrase_env, *file, *node, *wait;
    bool json, insecure;
    /* parsed */
    l1_evidence_kind kind_value;
    bool has_view, has_domain;
    uint64_t view_value, wait_ms;
    seq_hash domain_value;
} ev_args;

void node_seqctl_evidence_usage(FILE *f)
{
    fprintf(f,
            "usage: seqctl evidence list --rpc URL [--validator ADDR] [--json]\n"
            "       seqctl evidence show --rpc URL --validator ADDR [--kind KIND]\n"
            "                            [--view N] [--json] [--domain 0xHEX |\n"
            "                            --deployment FILE | --l1-rpc L1_URL\n"
            "                            (--committee ADDR | --deployment FILE)]\n"
            "       seqctl evidence submit --rpc L1_URL (--committee ADDR | --deployment FILE)\n"
            "                            --key KEY [--passphrase-file FILE |\n"
            "                            --passphrase-env VAR] [--insecure-key]\n"
            "                            (--file EVIDENCE.json | --node NODE_URL\n"
            "                            --validator ADDR [--kind KIND] [--view N])\n"
            "                            [--wait-ms MS] [--json]\n"
            "\n"
            "list: the equivocation evidence a node stores (seq_getEvidence): per record\n"
            "the kind (proposal, vote, timeout, attestation), the validator, the view (or\n"
            "batch index) and the two conflicting signed statements. The node returns at\n"
            "most its first %u records; the output says when there are more.\n"
            "\n"
            "show: the node's first record against ADDR (of KIND, at view or batch index\n"
            "N): both statements in full with their signatures, and, when the EIP-712\n"
            "domain is known, their digests and the signer l1_evidence_check recovers.\n"
            "The domain is --domain, or computed from the deployment record, or read\n"
            "from Committee.domainSeparator() on L1 with --l1-rpc. --json prints the\n"
            "record as the node returns it: that is the evidence file.\n"
            "\n"
            "submit: Committee.submitEvidence with a record from --file (an evidence file,\n"
            "or a seq_getEvidence reply holding one record) or from a node. Checked first\n"
            "as the contract will, under the Committee's domain and L2 chain id: a\n"
            "refusal names the contract's error and nothing is sent; then\n"
            "eth_estimateGas (AlreadySlashed, NotValidator, ...). KEY pays the gas and\n"
            "gets half the bond: a key directory of seqctl keygen, or a hex key file with\n"
            "--insecure-key. Prints the slashing (bond, burned, reward, exit epoch).\n"
            "Exit 1 when refused or failed; 2 for bad arguments.\n",
            NODE_API_EVIDENCE_MAX);
}

/* One flag at argv[*i]: 1 taken, 0 unknown, repeated or not this
 * subcommand's, -1 missing value. */
static int ev_take(ev_args *a, int argc, char **argv, int *i)
{
    const struct {
        const char *flag;
        const char **value;
        unsigned subs;
    } flags[] = {{"--rpc", &a->rpc, EV_LIST | EV_SHOW | EV_SUBMIT},
                 {"--validator", &a->validator, EV_LIST | EV_SHOW | EV_SUBMIT},
                 {"--kind", &a->kind, EV_SHOW | EV_SUBMIT},
                 {"--view", &a->view, EV_SHOW | EV_SUBMIT},
                 {"--committee", &a->committee, EV_SHOW | EV_SUBMIT},
                 {"--deployment", &a->deployment, EV_SHOW | EV_SUBMIT},
                 {"--l1-rpc", &a->l1_rpc, EV_SHOW},
                 {"--domain", &a->domain, EV_SHOW},
                 {"--key", &a->key, EV_SUBMIT},
                 {"--passphrase-file", &a->passphrase_file, EV_SUBMIT},
                 {"--passphrase-env", &a->passphrase_env, EV_SUBMIT},
                 {"--file", &a->file, EV_SUBMIT},
                 {"--node", &a->node, EV_SUBMIT},
                 {"--wait-ms", &a->wait, EV_SUBMIT}};
    const char *arg = argv[*i];
    bool *toggle = strcmp(arg, "--json") == 0                                  ? &a->json
                   : strcmp(arg, "--insecure-key") == 0 && a->sub == EV_SUBMIT ? &a->insecure
                                                                               : NULL;
    if (toggle != NULL && !*toggle) {
        *toggle = true;
        return 1;
    }
    for (size_t k = 0; k < SEQ_ARRAY_LEN(flags); k++) {
        if (strcmp(arg, flags[k].flag) != 0 || (flags[k].subs & a->sub) == 0 ||
            *flags[k].value != NULL)
            continue;
        if (*i + 1 >= argc)
            return -1;
        *flags[k].value = argv[++*i];
        return 1;
    }
    return 0;
}

/* What is wrong with the flags of show or submit besides their values. */
static const char *ev_combination(const ev_args *a)
{
    if (a->sub == EV_SHOW)
        return a->validator == NULL ? "--validator ADDR is required"
               : a->committee != NULL && a->l1_rpc == NULL
                   ? "--committee ADDR needs --l1-rpc URL (or give --deployment FILE)"
               : a->l1_rpc != NULL && a->committee == NULL && a->deployment == NULL
                   ? "--l1-rpc needs --committee ADDR or --deployment FILE"
               : a->committee != NULL && a->deployment != NULL
                   ? "give one of --committee ADDR and --deployment FILE"
               : a->domain != NULL && (a->l1_rpc != NULL || a->deployment != NULL)
                   ? "give one of --domain, --deployment and --l1-rpc"
                   : NULL;
    if (a->sub != EV_SUBMIT)
        return NULL;
    return (a->committee == NULL) == (a->deployment == NULL)
               ? "give one of --committee ADDR and --deployment FILE"
           : a->key == NULL ? "--key KEY is required"
           : a->passphrase_file != NULL && a->passphrase_env != NULL
               ? "give one of --passphrase-file and --passphrase-env"
           : (a->file == NULL) == (a->node == NULL)
               ? "give one of --file EVIDENCE.json and --node NODE_URL"
           : a->file != NULL && (a->validator != NULL || a->kind != NULL || a->view != NULL)
               ? "--validator, --kind and --view choose a record of --node, not of --file"
           : a->node != NULL && a->validator == NULL ? "--node needs --validator ADDR"
                                                     : NULL;
}

/* What is wrong with the values of the flags, into problem. */
static bool ev_values(char *problem, size_t problem_len, ev_args *a)
{
    seq_addr addr;
    const char *bad_addr =
        a->validator != NULL && node_config_addr_parse(&addr, a->validator) != SEQ_OK
            ? "--validator"
        : a->committee != NULL && node_config_addr_parse(&addr, a->committee) != SEQ_OK
            ? "--committee"
            : NULL;
    if (bad_addr != NULL) {
        snprintf(problem, problem_len,
                 "%s '%s' is not an address (0x and 40 hex digits, EIP-55 if mixed case)", bad_addr,
                 strcmp(bad_addr, "--validator") == 0 ? a->validator : a->committee);
        return false;
    }
    a->kind_value = a->kind != NULL ? node_ctl_evidence_kind_parse(a->kind) : 0;
    a->has_view = a->view != NULL && node_ctl_u64(&a->view_value, a->view);
    a->has_domain = a->domain != NULL && strlen(a->domain) == EV_HASH_CHARS - 1 &&
                    strncmp(a->domain, "0x", 2) == 0 &&
                    l1_hex_decode_exact(a->domain_value.b, SEQ_HASH_BYTES, a->domain) == SEQ_OK;
    const char *text = a->kind != NULL && a->kind_value == 0
                           ? "--kind: one of proposal, vote, timeout, attestation"
                       : a->view != NULL && !a->has_view ? "--view: a number (decimal or 0x hex)"
                       : a->domain != NULL && !a->has_domain ? "--domain: 0x and 64 hex digits"
                       : a->wait != NULL && (!node_ctl_decimal_u64(&a->wait_ms, a->wait) ||
                                             a->wait_ms == 0 || a->wait_ms > NODE_CTL_WAIT_MS_MAX)
                           ? "--wait-ms: a number of ms in 1..3600000"
                           : NULL;
    if (text != NULL)
        snprintf(problem, problem_len, "%s", text);
    return text == NULL;
}

/* Parses argv[3..] (argv[2] is the subcommand). Returns -1 to go on, or
 * the exit code. */
static int ev_parse(ev_args *a, int argc, char **argv, FILE *err)
{
    for (int i = 3; i < argc; i++) {
        const char *arg = argv[i];
        if (ev_take(a, argc, argv, &i) != 1) {
            fprintf(err, "%s: unknown, repeated or incomplete argument '%s'\n", a->name, arg);
            return NODE_EXIT_USAGE;
        }
    }
    char problem[EV_EXPLAIN_BYTES];
    const char *combination = a->rpc == NULL ? "--rpc URL is required" : ev_combination(a);
    if (combination != NULL)
        snprintf(problem, sizeof problem, "%s", combination);
    if (combination != NULL || !ev_values(problem, sizeof problem, a)) {
        fprintf(err, "%s: %s\n", a->name, problem);
        return NODE_EXIT_USAGE;
    }
    if (a->wait_ms == 0)
        a->wait_ms = NODE_CTL_WAIT_MS_DEFAULT;
    return -1;
}

/* ------------------------------------------------------------ the node */

/* seq_getEvidence on url ([validator] or []); prints why on failure. */
static seq_err ev_fetch(json_t **answer, const ev_args *a, const char *url, FILE *err)
{
    json_t *params = a->validator != NULL ? json_pack("[s]", a->validator) : json_array();
    char *text = params != NULL ? json_dumps(params, JSON_COMPACT) : NULL;
    json_decref(params);
    if (text == NULL) {
        fprintf(err, "%s: out of memory\n", a->name);
        return SEQ_ERR_NO_MEMORY;
    }
    char why[EV_WHY_BYTES];
    seq_err e = node_ctl_call(answer, why, sizeof why, url, "seq_getEvidence", text);
    free(text);
    if (e != SEQ_OK && strstr(why, url) != NULL) /* the client names the endpoint */
        fprintf(err, "%s: %s\n", a->name, why);
    else if (e != SEQ_OK)
        fprintf(err, "%s: %s: %s\n", a->name, url, why);
    if (e == SEQ_OK && !json_is_array(json_object_get(*answer, "evidence"))) {
        fprintf(err, "%s: the node's answer is not an evidence list\n", a->name);
        json_decref(*answer);
        *answer = NULL;
        e = SEQ_ERR_MALFORMED;
    }
    return e;
}

/* The record of show and submit --node: the first of the node's answer
 * (in *answer, json_decref it) matching --kind and --view. */
static const json_t *ev_record(json_t **answer, const ev_args *a, const char *url, FILE *err)
{
    if (ev_fetch(answer, a, url, err) != SEQ_OK)
        return NULL;
    const json_t *e = node_ctl_evidence_pick(json_object_get(*answer, "evidence"), a->kind_value,
                                             a->has_view, a->view_value);
    if (e == NULL) {
        char view[48] = "";
        if (a->has_view)
            snprintf(view, sizeof view, " at view (batch index) %llu",
                     (unsigned long long)a->view_value);
        fprintf(err, "%s: %s stores no %s%sevidence against %s%s\n", a->name, url,
                a->kind != NULL ? a->kind : "", a->kind != NULL ? " " : "", a->validator, view);
    }
    return e;
}

/* ----------------------------------------------------------------- list */

static const char *str_of(const json_t *obj, const char *name)
{
    const char *s = json_string_value(json_object_get(obj, name));
    return s != NULL ? s : "?";
}

static uint64_t u64_of(const json_t *obj, const char *name)
{
    return (uint64_t)json_integer_value(json_object_get(obj, name));
}

/* One statement of a record on one line: the fields that differ between
 * the two of a kind, then the signature. */
static void statement_print(FILE *out, const char *label, const char *kind, const json_t *s)
{
    if (strcmp(kind, "timeout") == 0)
        fprintf(out, "  %s  view %llu, highQcView %llu\n", label,
                (unsigned long long)u64_of(s, "view"), (unsigned long long)u64_of(s, "highQcView"));
    else if (strcmp(kind, "attestation") == 0)
        fprintf(out, "  %s  index %llu, heights %llu..%llu, forcedCursor %llu, data %s, prev %s\n",
                label, (unsigned long long)u64_of(s, "index"),
                (unsigned long long)u64_of(s, "firstHeight"),
                (unsigned long long)u64_of(s, "lastHeight"),
                (unsigned long long)u64_of(s, "forcedCursor"), str_of(s, "dataHash"),
                str_of(s, "prevBatchHash"));
    else
        fprintf(out, "  %s  view %llu, height %llu, block %s\n", label,
                (unsigned long long)u64_of(s, "view"), (unsigned long long)u64_of(s, "height"),
                str_of(s, "blockHash"));
    fprintf(out, "     signature %s\n", str_of(s, "signature"));
}

static void list_print(FILE *out, const json_t *answer)
{
    const json_t *list = json_object_get(answer, "evidence");
    size_t n = json_array_size(list);
    if (n == 0)
        fputs("no evidence stored\n", out);
    for (size_t i = 0; i < n; i++) {
        const json_t *e = json_array_get(list, i);
        const char *kind = str_of(e, "kind");
        bool batch = json_object_get(e, "batchIndex") != NULL;
        fprintf(out, "%-11s  %s  %s %llu\n", kind, str_of(e, "validator"), batch ? "batch" : "view",
                (unsigned long long)u64_of(e, batch ? "batchIndex" : "view"));
        statement_print(out, "a", kind, json_object_get(e, "a"));
        statement_print(out, "b", kind, json_object_get(e, "b"));
    }
    if (json_is_true(json_object_get(answer, "truncated")))
        fprintf(out, "(more stored: the node returns its first %llu records)\n",
                (unsigned long long)u64_of(answer, "limit"));
    if (json_is_true(json_object_get(answer, "corruptSkipped")))
        fputs("(the node skipped corrupt records; its log names them)\n", out);
}

static void print_json(FILE *out, const json_t *v)
{
    char *text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    fprintf(out, "%s\n", text != NULL ? text : "null");
    free(text);
}

static int list_run(const ev_args *a, FILE *out, FILE *err)
{
    json_t *answer = NULL;
    if (ev_fetch(&answer, a, a->rpc, err) != SEQ_OK)
        return NODE_EXIT_FAILURE;
    if (a->json)
        print_json(out, answer);
    else
        list_print(out, answer);
    json_decref(answer);
    return NODE_EXIT_OK;
}

/* ------------------------------------------------------------- checking */

/* Every typed struct starts with its L2 chain id. */
static uint64_t chain_of(l1_evidence_kind kind, const l1_statement *s)
{
    return kind == L1_EVIDENCE_TIMEOUT       ? s->timeout.l2_chain_id
           : kind == L1_EVIDENCE_ATTESTATION ? s->attestation.l2_chain_id
                                             : s->block.l2_chain_id;
}

/* Which statement's signature fails alone: "a" or "b". */
static const char *bad_signature(const l1_evidence *e, const seq_hash *domain)
{
    seq_hash d;
    seq_addr signer;
    l1_evidence_digest(&d, domain, e->kind, &e->a);
    return l1_secp_recover(&signer, &e->sig_a, &d) != SEQ_OK ? "a" : "b";
}

/* Why the contract would refuse e, in words, after l1_evidence_check
 * named the error why. */
static void refusal_explain(char out[EV_EXPLAIN_BYTES], const char *why, const l1_evidence *e,
                            const seq_hash *domain, uint64_t l2_chain_id)
{
    if (l1_evidence_stmt_bytes(e->kind) == 0) {
        snprintf(out, EV_EXPLAIN_BYTES, "kind %u is not one of 1..4", (unsigned)e->kind);
        return;
    }
    unsigned long long va = l1_evidence_view(e->kind, &e->a), vb = l1_evidence_view(e->kind, &e->b);
    seq_hash da, db;
    seq_addr sa, sb;
    char ta[43], tb[43];
    l1_evidence_digest(&da, domain, e->kind, &e->a);
    l1_evidence_digest(&db, domain, e->kind, &e->b);
    if (strcmp(why, "WrongChainId") == 0)
        snprintf(out, EV_EXPLAIN_BYTES,
                 "statement a is for L2 chain %llu, b for %llu; this Committee's is %llu",
                 (unsigned long long)chain_of(e->kind, &e->a),
                 (unsigned long long)chain_of(e->kind, &e->b), (unsigned long long)l2_chain_id);
    else if (strcmp(why, "ViewMismatch") == 0 || strcmp(why, "IndexMismatch") == 0)
        snprintf(out, EV_EXPLAIN_BYTES, "statement a is for %s %llu, b for %llu",
                 why[0] == 'V' ? "view" : "batch index", va, vb);
    else if (strcmp(why, "SameContent") == 0)
        snprintf(out, EV_EXPLAIN_BYTES, "the two statements are identical: no equivocation");
    else if (strcmp(why, "HighS") == 0)
        snprintf(out, EV_EXPLAIN_BYTES,
                 "the signature of statement %s has s above n/2 (a malleated twin; signers "
                 "make low s)",
                 bad_signature(e, domain));
    else if (strcmp(why, "BadSignature") == 0)
        snprintf(out, EV_EXPLAIN_BYTES,
                 "the signature of statement %s is malformed or recovers no signer",
                 bad_signature(e, domain));
    else if (l1_secp_recover(&sa, &e->sig_a, &da) == SEQ_OK &&
             l1_secp_recover(&sb, &e->sig_b, &db) == SEQ_OK) { /* SignerMismatch */
        l1_addr_checksum(ta, &sa);
        l1_addr_checksum(tb, &sb);
        snprintf(out, EV_EXPLAIN_BYTES, "statement a is signed by %s, b by %s", ta, tb);
    } else {
        snprintf(out, EV_EXPLAIN_BYTES, "%s", why);
    }
}

/* ----------------------------------------------------------------- show */

/* The fields of one statement, one line each (hashes on their own). */
static void stmt_print(FILE *out, const char *label, l1_evidence_kind kind, const l1_statement *s,
                       const seq_sig *sig, const seq_hash *digest)
{
    l1_statement copy = *s;
    uint64_t *u64s[EV_STMT_FIELDS];
    seq_hash *hashes[EV_STMT_FIELDS];
    stmt_fields(u64s, hashes, kind, &copy);
    stmt_shape shape = shape_of(kind);
    char hex[EV_SIG_CHARS];
    fprintf(out, "%-11s", label);
    for (size_t i = 0; i + 1 < shape.count; i++)
        if (shape.is_u64[i])
            fprintf(out, " %s %llu", shape.names[i], (unsigned long long)*u64s[i]);
    fputc('\n', out);
    for (size_t i = 0; i + 1 < shape.count; i++) {
        if (shape.is_u64[i])
            continue;
        node_config_hex(hex, sizeof hex, hashes[i]->b, SEQ_HASH_BYTES);
        fprintf(out, "            %-13s %s\n", shape.names[i], hex);
    }
    node_config_hex(hex, sizeof hex, sig->b, SEQ_SIG_BYTES);
    fprintf(out, "            %-13s %s\n", "signature", hex);
    if (digest != NULL) {
        node_config_hex(hex, sizeof hex, digest->b, SEQ_HASH_BYTES);
        fprintf(out, "            %-13s %s\n", "digest", hex);
    }
}

/* Where the EIP-712 domain comes from for show: --domain, the record of
 * --deployment, or Committee.domainSeparator() with --l1-rpc. Sets
 * *has_domain false when none is given; prints and fails on an error. */
static seq_err show_domain(seq_hash *domain, bool *has_domain, uint64_t *l2_chain_id,
                           bool *has_chain, char *source, size_t source_len, const ev_args *a,
                           FILE *err)
{
    node_diag why = {{0}};
    char addr[43];
    *has_domain = *has_chain = false;
    if (a->has_domain) {
        *domain = a->domain_value;
        *has_domain = true;
        snprintf(source, source_len, "given with --domain");
        return SEQ_OK;
    }
    if (a->deployment != NULL && a->l1_rpc == NULL) {
        node_l1_record r;
        if (node_l1_record_load(&r, &why, a->deployment) != SEQ_OK) {
            fprintf(err, "%s: %s\n", a->name, why.text);
            return SEQ_ERR_INVALID_ARG;
        }
        l1_eip712_domain_separator(domain, L1_EIP712_NAME, L1_EIP712_VERSION, r.l1_chain_id,
                                   &r.committee);
        l1_addr_checksum(addr, &r.committee);
        snprintf(source, source_len, "computed from %s: L1 chain %llu, Committee %s", a->deployment,
                 (unsigned long long)r.l1_chain_id, addr);
        *l2_chain_id = r.l2_chain_id;
        *has_domain = *has_chain = true;
        return SEQ_OK;
    }
    if (a->l1_rpc == NULL)
        return SEQ_OK;
    l1_rpc *rpc = NULL;
    node_ctl_committee *c = calloc(1, sizeof *c);
    uint8_t w[32], chain[32];
    seq_err e = c == NULL ? SEQ_ERR_NO_MEMORY : l1_rpc_new(&rpc, a->l1_rpc, NULL);
    if (e != SEQ_OK)
        e = node_diag_set(&why, e, "--l1-rpc %s: not an http:// or https:// URL", a->l1_rpc);
    else if ((e = node_ctl_committee_open(c, &why, rpc, a->committee, a->deployment)) == SEQ_OK &&
             (e = node_ctl_committee_view(c, &why, w, 1, "domainSeparator()", NULL, 0)) == SEQ_OK)
        e = node_ctl_committee_view(c, &why, chain, 1, "l2ChainId()", NULL, 0);
    if (e == SEQ_OK) {
        memcpy(domain->b, w, SEQ_HASH_BYTES);
        l1_addr_checksum(addr, &c->committee);
        snprintf(source, source_len, "Committee.domainSeparator() of %s", addr);
        *l2_chain_id = 0;
        for (size_t i = 24; i < 32; i++)
            *l2_chain_id = *l2_chain_id << 8 | chain[i];
        *has_domain = *has_chain = true;
    } else {
        fprintf(err, "%s: %s\n", a->name, why.text);
    }
    l1_rpc_free(rpc);
    free(c);
    return e;
}

/* The check line of show: what l1_evidence_check says under domain. */
static void show_check(FILE *out, const l1_evidence *e, const seq_addr *named,
                       const seq_hash *domain, uint64_t l2_chain_id, bool has_chain)
{
    seq_addr signer;
    const char *why = NULL;
    char text[43], explain[EV_EXPLAIN_BYTES];
    if (!has_chain)
        l2_chain_id = chain_of(e->kind, &e->a);
    if (l1_evidence_check(e, domain, l2_chain_id, &signer, &why) != SEQ_OK) {
        refusal_explain(explain, why, e, domain, l2_chain_id);
        fprintf(out, "check       the Committee would refuse it: %s (%s)\n", why, explain);
        return;
    }
    l1_addr_checksum(text, &signer);
    fprintf(out, "check       ok: both statements signed by %s%s (L2 chain %llu%s)\n", text,
            seq_addr_equal(&signer, named) ? ", the record's validator"
                                           : ", NOT the record's validator",
            (unsigned long long)l2_chain_id, has_chain ? "" : ", statement a's");
}

static void show_print(FILE *out, const l1_evidence *e, const seq_addr *validator,
                       const seq_hash *domain, const char *source, uint64_t l2_chain_id,
                       bool has_chain)
{
    char text[43];
    seq_hash da, db;
    l1_addr_checksum(text, validator);
    fprintf(out, "kind        %s\nvalidator   %s\n%-11s %llu\n",
            node_ctl_evidence_kind_name(e->kind), text,
            e->kind == L1_EVIDENCE_ATTESTATION ? "batch index" : "view",
            (unsigned long long)l1_evidence_view(e->kind, &e->a));
    if (domain != NULL) {
        l1_evidence_digest(&da, domain, e->kind, &e->a);
        l1_evidence_digest(&db, domain, e->kind, &e->b);
    }
    stmt_print(out, "a", e->kind, &e->a, &e->sig_a, domain != NULL ? &da : NULL);
    stmt_print(out, "b", e->kind, &e->b, &e->sig_b, domain != NULL ? &db : NULL);
    if (domain == NULL) {
        fputs("(digests: give --deployment FILE, --domain 0xHEX, or --l1-rpc URL with "
              "--committee ADDR)\n",
              out);
        return;
    }
    char hex[EV_HASH_CHARS];
    node_config_hex(hex, sizeof hex, domain->b, SEQ_HASH_BYTES);
    fprintf(out, "domain      %s (%s)\n", hex, source);
    show_check(out, e, validator, domain, l2_chain_id, has_chain);
}

static int show_run(const ev_args *a, FILE *out, FILE *err)
{
    json_t *answer = NULL;
    const json_t *record = ev_record(&answer, a, a->rpc, err);
    int code = NODE_EXIT_FAILURE;
    l1_evidence e;
    seq_addr validator;
    node_diag why = {{0}};
    seq_hash domain;
    bool has_domain = false, has_chain = false;
    uint64_t l2_chain_id = 0;
    char source[160] = "";
    if (record == NULL)
        goto free_answer;
    if (a->json) { /* the export format: the record as the node gave it */
        print_json(out, record);
        code = NODE_EXIT_OK;
        goto free_answer;
    }
    if (node_ctl_evidence_from_json(&e, &validator, &why, a->rpc, "", record) != SEQ_OK) {
        fprintf(err, "%s: the node's record: %s\n", a->name, why.text);
        goto free_answer;
    }
    if (show_domain(&domain, &has_domain, &l2_chain_id, &has_chain, source, sizeof source, a,
                    err) != SEQ_OK)
        goto free_answer;
    show_print(out, &e, &validator, has_domain ? &domain : NULL, source, l2_chain_id, has_chain);
    code = NODE_EXIT_OK;
free_answer:
    json_decref(answer);
    return code;
}

/* --------------------------------------------------------------- submit */

typedef struct {
    const ev_args *a;
    node_ctl_committee *c;
    l1_evidence e;
    seq_addr named; /* the record's validator */
    seq_addr signer;
    seq_hash domain;
    uint64_t l2_chain_id;
    FILE *out, *err;
} ev_submit;

/* The record, from --file or from --node. */
static int submit_load(ev_submit *s)
{
    const ev_args *a = s->a;
    node_diag why = {{0}};
    if (a->file != NULL) {
        if (node_ctl_evidence_file_load(&s->e, &s->named, &why, a->file) == SEQ_OK)
            return -1;
        fprintf(s->err, "%s: %s\n", a->name, why.text);
        return NODE_EXIT_FAILURE;
    }
    json_t *answer = NULL;
    const json_t *record = ev_record(&answer, a, a->node, s->err);
    int code = -1;
    if (record == NULL) {
        code = NODE_EXIT_FAILURE;
    } else if (node_ctl_evidence_from_json(&s->e, &s->named, &why, a->node, "", record) != SEQ_OK) {
        fprintf(s->err, "%s: the node's record: %s\n", a->name, why.text);
        code = NODE_EXIT_FAILURE;
    }
    json_decref(answer);
    return code;
}

/* The Committee's domain and L2 chain id (from L1; a deployment record
 * must agree), then l1_evidence_check. Returns -1 to go on, or the exit
 * code. */
static int submit_check(ev_submit *s)
{
    node_diag why = {{0}};
    uint8_t w[32], chain[32];
    const char *name = s->a->name, *reason = NULL;
    if (node_ctl_committee_view(s->c, &why, w, 1, "domainSeparator()", NULL, 0) != SEQ_OK ||
        node_ctl_committee_view(s->c, &why, chain, 1, "l2ChainId()", NULL, 0) != SEQ_OK) {
        fprintf(s->err, "%s: %s\n", name, why.text);
        return NODE_EXIT_FAILURE;
    }
    memcpy(s->domain.b, w, SEQ_HASH_BYTES);
    s->l2_chain_id = 0;
    for (size_t i = 24; i < 32; i++)
        s->l2_chain_id = s->l2_chain_id << 8 | chain[i];
    if (s->c->has_record && s->c->record.l2_chain_id != s->l2_chain_id) {
        fprintf(s->err, "%s: %s records L2 chain %llu, but its Committee says %llu\n", name,
                s->a->deployment, (unsigned long long)s->c->record.l2_chain_id,
                (unsigned long long)s->l2_chain_id);
        return NODE_EXIT_FAILURE;
    }
    if (l1_evidence_check(&s->e, &s->domain, s->l2_chain_id, &s->signer, &reason) != SEQ_OK) {
        char explain[EV_EXPLAIN_BYTES];
        refusal_explain(explain, reason, &s->e, &s->domain, s->l2_chain_id);
        fprintf(s->err, "%s: refused: the Committee would revert with %s: %s; nothing sent\n", name,
                reason, explain);
        return NODE_EXIT_FAILURE;
    }
    if (!seq_addr_equal(&s->signer, &s->named)) {
        char named[43], signer[43];
        l1_addr_checksum(named, &s->named);
        l1_addr_checksum(signer, &s->signer);
        fprintf(s->err,
                "%s: refused: the record names validator %s, but both statements are signed "
                "by %s; nothing sent\n",
                name, named, signer);
        return NODE_EXIT_FAILURE;
    }
    return -1;
}

static void submit_print(const ev_submit *s, const l1_rpc_tx_receipt *rc,
                         const l1_event_evidence_accepted *acc,
                         const l1_event_validator_slashed *sl)
{
    char validator[43], reporter[43], bond[NODE_CTL_WEI_CHARS], burned[NODE_CTL_WEI_CHARS];
    char reward[NODE_CTL_WEI_CHARS], da[EV_HASH_CHARS], db[EV_HASH_CHARS], tx[EV_HASH_CHARS];
    l1_addr_checksum(validator, &sl->validator);
    l1_addr_checksum(reporter, &sl->reporter);
    node_ctl_wei_text(bond, sl->bond_wei);
    node_ctl_wei_text(burned, sl->burned_wei);
    node_ctl_wei_text(reward, sl->reward_wei);
    node_config_hex(da, sizeof da, acc->digest_a.b, SEQ_HASH_BYTES);
    node_config_hex(db, sizeof db, acc->digest_b.b, SEQ_HASH_BYTES);
    node_config_hex(tx, sizeof tx, rc->tx_hash.b, SEQ_HASH_BYTES);
    const char *kind = node_ctl_evidence_kind_name(s->e.kind);
    unsigned long long view = (unsigned long long)l1_evidence_view(s->e.kind, &s->e.a);
    if (s->a->json) {
        fprintf(s->out,
                "{\"validator\":\"%s\",\"kind\":\"%s\",\"view\":%llu,\"bond_wei\":\"%s\","
                "\"burned_wei\":\"%s\",\"reward_wei\":\"%s\",\"reporter\":\"%s\","
                "\"exit_epoch\":%llu,\"digest_a\":\"%s\",\"digest_b\":\"%s\","
                "\"l1_tx_hash\":\"%s\",\"l1_block\":%llu,\"gas_used\":%llu}\n",
                validator, kind, view, bond, burned, reward, reporter,
                (unsigned long long)sl->exit_epoch, da, db, tx,
                (unsigned long long)rc->block_number, (unsigned long long)rc->gas_used);
        return;
    }
    fprintf(s->out,
            "slashed %s for %s evidence at %s %llu\n"
            "  validator      %s\n"
            "  bond           %s wei\n"
            "  burned         %s wei (to 0x000000000000000000000000000000000000dEaD)\n"
            "  reward         %s wei\n"
            "  reporter       %s\n"
            "  exit epoch     %llu (leaves the committee then)\n"
            "  digest a       %s\n"
            "  digest b       %s\n"
            "  l1 tx          %s\n"
            "  l1 block       %llu\n"
            "  gas used       %llu\n",
            validator, kind, s->e.kind == L1_EVIDENCE_ATTESTATION ? "batch index" : "view", view,
            validator, bond, burned, reward, reporter, (unsigned long long)sl->exit_epoch, da, db,
            tx, (unsigned long long)rc->block_number, (unsigned long long)rc->gas_used);
}

/* Sends submitEvidence signed by key and prints what the receipt's
 * EvidenceAccepted and ValidatorSlashed say. */
static int submit_send(const ev_submit *s, const uint8_t key[32])
{
    node_ctl_sender tx = {.name = s->a->name,
                          .contract = "Committee",
                          .rpc = s->c->rpc,
                          .key = key,
                          .to = s->c->committee,
                          .chain_id = s->c->chain_id,
                          .wait_ms = s->a->wait_ms,
                          .errors = node_ctl_committee_errors,
                          .error_count = node_ctl_committee_error_count,
                          .err = s->err};
    uint8_t call[L1_EVIDENCE_CALLDATA_BYTES_MAX], zero[32] = {0}, log_data[EV_LOG_DATA_BYTES];
    size_t len = 0;
    if (l1_secp_address(&tx.from, key) != SEQ_OK ||
        l1_evidence_calldata(call, sizeof call, &len, &s->e) != SEQ_OK) {
        fprintf(s->err, "%s: cannot build the transaction\n", s->a->name);
        return NODE_EXIT_FAILURE;
    }
    l1_rpc_tx_receipt rc;
    l1_event acc, sl;
    seq_arena arena;
    seq_arena_init(&arena, log_data, sizeof log_data);
    if (node_ctl_send(&tx, &rc, zero, call, len, "submitEvidence") != SEQ_OK ||
        node_ctl_event(&tx, &acc, &arena, &rc, L1_EVENT_EVIDENCE_ACCEPTED, &s->signer) != SEQ_OK ||
        node_ctl_event(&tx, &sl, &arena, &rc, L1_EVENT_VALIDATOR_SLASHED, NULL) != SEQ_OK)
        return NODE_EXIT_FAILURE;
    if (!seq_addr_equal(&sl.validator_slashed.validator, &s->signer)) {
        fprintf(s->err, "%s: the ValidatorSlashed event of L1 block %llu names another validator\n",
                s->a->name, (unsigned long long)rc.block_number);
        return NODE_EXIT_FAILURE;
    }
    submit_print(s, &rc, &acc.evidence_accepted, &sl.validator_slashed);
    return NODE_EXIT_OK;
}

static int submit_run(const ev_args *a, FILE *out, FILE *err)
{
    ev_submit s = {.a = a, .out = out, .err = err};
    node_diag why = {{0}};
    l1_rpc *rpc = NULL;
    uint8_t *key = NULL;
    int code = submit_load(&s);
    if (code >= 0)
        return code;
    if (l1_rpc_new(&rpc, a->rpc, NULL) != SEQ_OK) {
        fprintf(err, "%s: --rpc %s is not an http:// or https:// URL\n", a->name, a->rpc);
        return NODE_EXIT_USAGE;
    }
    code = NODE_EXIT_FAILURE;
    if ((s.c = calloc(1, sizeof *s.c)) == NULL || sodium_init() < 0 ||
        (key = sodium_malloc(32)) == NULL) {
        fprintf(err, "%s: out of memory\n", a->name);
        goto free_all;
    }
    if (node_ctl_committee_open(s.c, &why, rpc, a->committee, a->deployment) != SEQ_OK ||
        node_ctl_l1_key_load(key, &why, a->key, a->passphrase_file, a->passphrase_env,
                             a->insecure) != SEQ_OK) {
        fprintf(err, "%s: %s\n", a->name, why.text);
        goto free_all;
    }
    code = submit_check(&s);
    if (code < 0)
        code = submit_send(&s, key);
free_all:
    if (key != NULL)
        sodium_free(key); /* wipes */
    free(s.c);
    l1_rpc_free(rpc);
    return code;
}

/* ------------------------------------------------------------- dispatch */

int node_seqctl_evidence(int argc, char **argv, FILE *out, FILE *err)
{
    static const struct {
        const char *sub;
        unsigned bit;
        const char *name;
    } subs[] = {{"list", EV_LIST, "seqctl evidence list"},
                {"show", EV_SHOW, "seqctl evidence show"},
                {"submit", EV_SUBMIT, "seqctl evidence submit"}};
    ev_args a = {0};
    for (size_t k = 0; argc >= 3 && k < SEQ_ARRAY_LEN(subs); k++) {
        if (strcmp(argv[2], subs[k].sub) == 0) {
            a.sub = subs[k].bit;
            a.name = subs[k].name;
        }
    }
    if (a.sub == 0) {
        fputs("seqctl evidence: a subcommand is required: list, show or submit\n", err);
        node_seqctl_evidence_usage(err);
        return NODE_EXIT_USAGE;
    }
    int code = ev_parse(&a, argc, argv, err);
    if (code >= 0) {
        node_seqctl_evidence_usage(err);
        return code;
    }
    if (a.sub == EV_LIST)
        return list_run(&a, out, err);
    return a.sub == EV_SHOW ? show_run(&a, out, err) : submit_run(&a, out, err);
}
