/* ctl_force.c — seqctl force-include and seqctl force-advance: the user's
 * side of forced inclusion (DESIGN.md "L1: batches, forced inclusion,
 * slashing"; l1/README.md "Forced inclusion from the command line").
 *
 * force-include queues an L2 transaction in the Inbox's forced queue
 * (forceInclude(bytes), paying forceFee); force-advance is the escape
 * hatch anyone may pull once the oldest unconsumed entry is older than
 * inclusionWindow + forceGrace blocks (forceAdvance()). Both read the
 * Inbox first and refuse before sending what the contract would refuse:
 * a tx over maxForcedTxBytes, a call eth_estimateGas says reverts (named
 * by the Inbox's custom error), an advance before its block. Then one
 * EIP-1559 transaction from the account of --key (a file with one hex
 * secret key, mode 0600), a bounded wait for its receipt, and the Inbox's
 * event read back from that block. Those steps (estimate, sign, send,
 * wait, read the event, name a revert) are the node_ctl_send family of
 * internal.h, which seqctl l1 bond and evidence submit use too. */
#include "internal.h"

#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "l1.h"

#define FORCE_WORD            32u
#define FORCE_TX_BYTES_MAX    L1_DEPLOY_FORCED_TX_BYTES_MAX   /* Inbox.MAX_FORCED_TX_CAP */
#define FORCE_TX_TEXT_BYTES   (2u * FORCE_TX_BYTES_MAX + 64u) /* --tx-file as hex text */
#define FORCE_CALLDATA_MAX    (4u + 2u * FORCE_WORD + FORCE_TX_BYTES_MAX + FORCE_WORD)
#define FORCE_WAIT_MS_DEFAULT NODE_CTL_WAIT_MS_DEFAULT
#define FORCE_WAIT_MS_MAX     NODE_CTL_WAIT_MS_MAX
#define FORCE_LOG_DATA_BYTES  (CTL_LOGS_MAX * (FORCE_TX_BYTES_MAX + 8u * FORCE_WORD))
#define FORCE_WEI_CHARS       NODE_CTL_WEI_CHARS
#define FORCE_STATUS_WORDS    5u
/* The shared L1 transaction helpers. */
#define CTL_POLL_MS          200u
#define CTL_GAS_MARGIN_DIV   4u /* gas limit = estimate + 1/4 */
#define CTL_TIP_WEI_MIN      1u
#define CTL_LOGS_MAX         8u /* one block's events of one kind (and sender) */
#define CTL_REVERT_BYTES_MAX 256u
#define CTL_TYPE_CHARS       16u /* an ABI type name of a custom error argument */

_Static_assert(FORCE_WEI_CHARS > 78u, "2^256 has 78 decimal digits");

_Static_assert(FORCE_CALLDATA_MAX > L1_TX_DATA_BYTES_MAX,
               "force-include checks the calldata against the L1 tx limit itself");

typedef struct {
    const char *rpc, *inbox, *deployment, *key, *fee, *tx, *tx_file;
    bool json;
    uint64_t wait_ms;
} force_args;

typedef struct {
    const force_args *a;
    const char *name; /* "seqctl force-include": every message starts with it */
    l1_rpc *rpc;
    seq_addr inbox, from;
    uint64_t chain_id;
    uint8_t *key; /* 32 bytes, sodium_malloc'd */
    uint8_t *tx;  /* force-include: the tx (FORCE_TX_BYTES_MAX), read before the key */
    size_t tx_len;
    FILE *out, *err;
} force_ctx;

/* ------------------------------------------------------------- numbers */

bool node_ctl_wei_parse(uint8_t out[FORCE_WORD], const char *text)
{
    SEQ_ASSERT(out != NULL && text != NULL);
    uint8_t v[FORCE_WORD] = {0};
    size_t len = strlen(text);
    if (len == 0 || len >= FORCE_WEI_CHARS)
        return false;
    for (size_t k = 0; k < len; k++) {
        if (text[k] < '0' || text[k] > '9')
            return false;
        unsigned int carry = (unsigned int)(text[k] - '0');
        for (size_t i = FORCE_WORD; i-- > 0;) {
            unsigned int x = v[i] * 10u + carry;
            v[i] = (uint8_t)x;
            carry = x >> 8;
        }
        if (carry != 0)
            return false;
    }
    memcpy(out, v, FORCE_WORD);
    return true;
}

void node_ctl_wei_text(char out[FORCE_WEI_CHARS], const uint8_t value[FORCE_WORD])
{
    SEQ_ASSERT(out != NULL && value != NULL);
    uint8_t v[FORCE_WORD];
    char digits[FORCE_WEI_CHARS];
    size_t n = 0;
    bool zero = false;
    memcpy(v, value, FORCE_WORD);
    while (!zero && n < FORCE_WEI_CHARS - 1) {
        unsigned int rem = 0;
        zero = true;
        for (size_t i = 0; i < FORCE_WORD; i++) {
            unsigned int x = rem << 8 | v[i];
            v[i] = (uint8_t)(x / 10u);
            rem = x % 10u;
            zero = zero && v[i] == 0;
        }
        digits[n++] = (char)('0' + rem);
    }
    for (size_t i = 0; i < n; i++)
        out[i] = digits[n - 1 - i];
    out[n] = '\0';
}

/* A word that must hold a uint64 (the high 24 bytes zero). */
static bool word_u64(uint64_t *out, const uint8_t w[FORCE_WORD])
{
    uint64_t v = 0;
    for (size_t i = 0; i < FORCE_WORD - 8; i++)
        if (w[i] != 0)
            return false;
    for (size_t i = FORCE_WORD - 8; i < FORCE_WORD; i++)
        v = v << 8 | w[i];
    *out = v;
    return true;
}

static void hash_text(char out[2 * SEQ_HASH_BYTES + 3], const seq_hash *h)
{
    node_config_hex(out, 2 * SEQ_HASH_BYTES + 3, h->b, SEQ_HASH_BYTES);
}

/* ------------------------------------------------------------ arguments */

void node_seqctl_force_usage(FILE *f)
{
    fputs("usage: seqctl force-include --rpc URL (--inbox ADDR | --deployment FILE) --key FILE\n"
          "                             (--tx 0xHEX | --tx-file FILE) [--fee WEI]\n"
          "                             [--wait-ms MS] [--json]\n"
          "       seqctl force-advance --rpc URL (--inbox ADDR | --deployment FILE) --key FILE\n"
          "                            [--wait-ms MS] [--json]\n"
          "\n"
          "force-include: queues an L2 transaction on L1, in the Inbox's forced queue\n"
          "(forceInclude(bytes), paying the fee): the sequencers must include it within\n"
          "the inclusion window. The tx is checked against the Inbox's maxForcedTxBytes\n"
          "and the call against eth_estimateGas before anything is sent. Prints the\n"
          "queue index, the L1 block, the tx hash (keccak256 of the tx) and the L1 tx.\n"
          "--tx-file holds the tx as 0x-hex text or as raw bytes. --fee defaults to the\n"
          "Inbox's forceFee() (more is accepted and not refunded).\n"
          "\n"
          "force-advance: once the oldest unconsumed forced tx is older than the\n"
          "inclusion window + force grace, appends the empty batch that consumes the\n"
          "overdue entries (forceAdvance()); before that it sends nothing and exits 1.\n"
          "'nothing to force' (exit 0) when every forced tx is consumed.\n"
          "\n"
          "--inbox is the Inbox's address; --deployment the record of seqctl l1 deploy\n"
          "(l1-deployment.json), whose L1 chain id must be the node's. --key is a file\n"
          "holding one hex secp256k1 secret key (0x optional, mode 0600) of a funded L1\n"
          "account: it pays the gas and the fee. --wait-ms bounds the wait for the\n"
          "receipt (default 60000).\n",
          f);
}

/* One flag at argv[*i]: 1 taken, 0 unknown or repeated, -1 missing value. */
static int force_take(force_args *a, bool include, int argc, char **argv, int *i)
{
    const char *wait_text = NULL;
    const struct {
        const char *flag;
        const char **value;
        bool include_only;
    } flags[] = {{"--rpc", &a->rpc, false},
                 {"--inbox", &a->inbox, false},
                 {"--deployment", &a->deployment, false},
                 {"--key", &a->key, false},
                 {"--wait-ms", &wait_text, false},
                 {"--fee", &a->fee, true},
                 {"--tx", &a->tx, true},
                 {"--tx-file", &a->tx_file, true}};
    if (strcmp(argv[*i], "--json") == 0 && !a->json) {
        a->json = true;
        return 1;
    }
    for (size_t k = 0; k < SEQ_ARRAY_LEN(flags); k++) {
        if (strcmp(argv[*i], flags[k].flag) != 0 || (flags[k].include_only && !include) ||
            *flags[k].value != NULL || (flags[k].value == &wait_text && a->wait_ms != 0))
            continue;
        if (*i + 1 >= argc)
            return -1;
        *flags[k].value = argv[++*i];
        if (wait_text != NULL && (!node_ctl_decimal_u64(&a->wait_ms, wait_text) ||
                                  a->wait_ms == 0 || a->wait_ms > FORCE_WAIT_MS_MAX))
            return -2;
        return 1;
    }
    return 0;
}

/* Returns -1 to go on, or the exit code. */
static int force_parse(force_args *a, const char *name, bool include, int argc, char **argv,
                       FILE *err)
{
    for (int i = 2; i < argc; i++) {
        const char *arg = argv[i];
        int took = force_take(a, include, argc, argv, &i);
        if (took == 1)
            continue;
        if (took == -2)
            fprintf(err, "%s: --wait-ms: '%s' is not a number of ms in 1..%u\n", name, argv[i],
                    FORCE_WAIT_MS_MAX);
        else
            fprintf(err, "%s: unknown, repeated or incomplete argument '%s'\n", name, arg);
        return NODE_EXIT_USAGE;
    }
    uint8_t fee[FORCE_WORD];
    const char *problem = a->rpc == NULL   ? "--rpc URL is required"
                          : a->key == NULL ? "--key FILE is required"
                          : (a->inbox == NULL) == (a->deployment == NULL)
                              ? "give one of --inbox ADDR and --deployment FILE"
                          : include && (a->tx == NULL) == (a->tx_file == NULL)
                              ? "give one of --tx 0xHEX and --tx-file FILE"
                          : a->fee != NULL && !node_ctl_wei_parse(fee, a->fee)
                              ? "--fee: a decimal amount of wei"
                              : NULL;
    if (problem != NULL) {
        fprintf(err, "%s: %s\n", name, problem);
        return NODE_EXIT_USAGE;
    }
    seq_addr inbox;
    if (a->inbox != NULL && node_config_addr_parse(&inbox, a->inbox) != SEQ_OK) {
        fprintf(
            err,
            "%s: --inbox: '%s' is not an address (0x and 40 hex digits, EIP-55 if mixed case)\n",
            name, a->inbox);
        return NODE_EXIT_USAGE;
    }
    if (a->wait_ms == 0)
        a->wait_ms = FORCE_WAIT_MS_DEFAULT;
    return -1;
}

/* The tx bytes of --tx (malformed hex: a usage error) or --tx-file into
 * tx[0..*len) (FORCE_TX_BYTES_MAX). Returns -1 to go on, or the exit code. */
static int force_tx_load(uint8_t *tx, size_t *len, const force_args *a, const char *name, FILE *err)
{
    if (a->tx != NULL) {
        size_t digits = strlen(a->tx) - (strncmp(a->tx, "0x", 2) == 0 ? 2u : 0u);
        if (digits / 2 > FORCE_TX_BYTES_MAX) {
            fprintf(err, "%s: the tx is %zu bytes: more than any Inbox takes (%u)\n", name,
                    digits / 2, FORCE_TX_BYTES_MAX);
            return NODE_EXIT_FAILURE;
        }
        if (strncmp(a->tx, "0x", 2) != 0 ||
            l1_hex_decode(tx, FORCE_TX_BYTES_MAX, len, a->tx, strlen(a->tx)) != SEQ_OK) {
            fprintf(err, "%s: --tx: not 0x and an even number of hex digits\n", name);
            return NODE_EXIT_USAGE;
        }
        return -1;
    }
    node_diag why = {{0}};
    char *text = NULL;
    size_t text_len = 0;
    if (node_config_file_read(&text, &text_len, &why, a->tx_file, "tx file", FORCE_TX_TEXT_BYTES) !=
        SEQ_OK) {
        fprintf(err, "%s: %s\n", name, why.text);
        return NODE_EXIT_FAILURE;
    }
    int code = -1;
    bool hex = text_len >= 2 && text[0] == '0' && text[1] == 'x';
    while (hex && text_len > 0 && strchr(" \t\r\n", text[text_len - 1]) != NULL)
        text_len--;
    if (!hex && text_len <= FORCE_TX_BYTES_MAX) {
        memcpy(tx, text, text_len);
        *len = text_len;
    } else if (!hex || text_len / 2 - 1 > FORCE_TX_BYTES_MAX) {
        fprintf(err, "%s: %s: more than any Inbox takes (%u bytes)\n", name, a->tx_file,
                FORCE_TX_BYTES_MAX);
        code = NODE_EXIT_FAILURE;
    } else if (l1_hex_decode(tx, FORCE_TX_BYTES_MAX, len, text, text_len) != SEQ_OK) {
        fprintf(err, "%s: %s: starts with 0x but is not an even number of hex digits\n", name,
                a->tx_file);
        code = NODE_EXIT_FAILURE;
    }
    free(text);
    return code;
}

/* ------------------------------------------- L1 transactions (shared) */

/* The argument types of signature "Name(t1,t2)": the i-th into out. */
static bool arg_type(char out[CTL_TYPE_CHARS], const char *signature, size_t i)
{
    const char *p = strchr(signature, '(');
    for (size_t k = 0; p != NULL && k < i; k++)
        p = strchr(p + 1, ',');
    if (p == NULL)
        return false;
    size_t n = strcspn(p + 1, ",)");
    if (n == 0 || n >= CTL_TYPE_CHARS)
        return false;
    memcpy(out, p + 1, n);
    out[n] = '\0';
    return true;
}

/* One argument word as the command prints it. */
static void arg_text(char *out, size_t out_len, const char *type, const uint8_t w[FORCE_WORD])
{
    static const uint8_t zeros[FORCE_WORD - SEQ_ADDR_BYTES];
    if (strcmp(type, "address") == 0 && memcmp(w, zeros, sizeof zeros) == 0) {
        seq_addr a;
        char text[43];
        memcpy(a.b, w + sizeof zeros, SEQ_ADDR_BYTES);
        l1_addr_checksum(text, &a);
        snprintf(out, out_len, "%s", text);
    } else if (strncmp(type, "uint", 4) == 0) {
        char wei[FORCE_WEI_CHARS];
        node_ctl_wei_text(wei, w);
        snprintf(out, out_len, "%s", wei);
    } else {
        char hex[2 * FORCE_WORD + 3];
        node_config_hex(hex, sizeof hex, w, FORCE_WORD);
        snprintf(out, out_len, "%s", hex);
    }
}

bool node_ctl_revert_name(char *out, size_t out_len, const l1_rpc *c,
                          const node_ctl_custom_error *errors, size_t count)
{
    SEQ_ASSERT(out != NULL && out_len > 0 && c != NULL && (errors != NULL || count == 0));
    uint8_t data[CTL_REVERT_BYTES_MAX], selector[4];
    size_t len = 0;
    if (l1_rpc_revert_data(c, data, sizeof data, &len) != SEQ_OK || len < 4)
        return false;
    for (size_t k = 0; k < count; k++) {
        const char *sig = errors[k].signature;
        size_t argc = 0;
        while (argc < NODE_CTL_ERROR_ARGS_MAX && errors[k].args[argc] != NULL)
            argc++;
        l1_abi_selector(selector, sig);
        if (memcmp(selector, data, 4) != 0 || len != 4 + argc * FORCE_WORD)
            continue;
        int n = snprintf(out, out_len, "%.*s(", (int)(strchr(sig, '(') - sig), sig);
        for (size_t i = 0; i < argc && n > 0 && (size_t)n < out_len; i++) {
            char type[CTL_TYPE_CHARS] = "bytes32", value[FORCE_WEI_CHARS];
            (void)arg_type(type, sig, i);
            arg_text(value, sizeof value, type, data + 4 + i * FORCE_WORD);
            n += snprintf(out + n, out_len - (size_t)n, "%s%s %s", i > 0 ? ", " : "",
                          errors[k].args[i], value);
        }
        if (n > 0 && (size_t)n < out_len)
            snprintf(out + n, out_len - (size_t)n, ")");
        return true;
    }
    return false;
}

seq_err node_ctl_rpc_failed(const node_ctl_sender *s, seq_err err, const char *what)
{
    SEQ_ASSERT(s != NULL && what != NULL);
    char name[NODE_CTL_REVERT_CHARS];
    bool reverted = err == L1_RPC_ERR_REMOTE && l1_rpc_last_kind(s->rpc) == L1_RPC_KIND_REVERTED;
    if (reverted && node_ctl_revert_name(name, sizeof name, s->rpc, s->errors, s->error_count))
        fprintf(s->err, "%s: %s reverts: %s; nothing sent\n", s->name, what, name);
    else if (reverted)
        fprintf(s->err, "%s: %s reverts (%s); nothing sent\n", s->name, what,
                l1_rpc_last_error(s->rpc));
    else
        fprintf(s->err, "%s: %s: %s\n", s->name, what, l1_rpc_last_error(s->rpc));
    return err;
}

/* Polls for the receipt of hash for up to s->wait_ms. */
static seq_err ctl_wait(const node_ctl_sender *s, l1_rpc_tx_receipt *rc, const seq_hash *hash)
{
    char text[2 * SEQ_HASH_BYTES + 3];
    uint64_t start = seq_monotonic_ms();
    hash_text(text, hash);
    for (;;) {
        seq_err err = l1_rpc_receipt(s->rpc, rc, hash);
        if (err == SEQ_OK)
            break;
        if (err != SEQ_ERR_NOT_FOUND) {
            fprintf(s->err, "%s: sent L1 tx %s, but its receipt: %s\n", s->name, text,
                    l1_rpc_last_error(s->rpc));
            return err;
        }
        if (seq_monotonic_ms() - start >= s->wait_ms) {
            fprintf(s->err,
                    "%s: sent L1 tx %s, not mined after %llu ms (it may still be: cast receipt "
                    "%s)\n",
                    s->name, text, (unsigned long long)s->wait_ms, text);
            return SEQ_ERR_TIMEOUT;
        }
        seq_sleep_ms(CTL_POLL_MS);
    }
    if (!rc->success) {
        fprintf(s->err, "%s: L1 tx %s failed (reverted) in block %llu\n", s->name, text,
                (unsigned long long)rc->block_number);
        return SEQ_ERR_INTERNAL;
    }
    return SEQ_OK;
}

/* The EIP-1559 fields besides data and value: pending nonce, the node's
 * tip, fee cap = tip + 2 x the next base fee, gas = estimate + 1/4. */
static seq_err ctl_tx_fill(const node_ctl_sender *s, l1_tx *tx, uint64_t gas)
{
    static const double median[] = {50.0};
    l1_rpc_fees fh;
    uint64_t nonce = 0, tip = 0;
    seq_err err = l1_rpc_nonce(s->rpc, &nonce, &s->from, L1_TAG_PENDING);
    if (err == SEQ_OK)
        err = l1_rpc_fee_history(s->rpc, &fh, 1, median, 1);
    if (err == SEQ_OK)
        err = l1_rpc_max_priority_fee(s->rpc, &tip);
    if (err != SEQ_OK)
        return node_ctl_rpc_failed(s, err, "fees and nonce");
    tip = SEQ_MAX(tip, CTL_TIP_WEI_MIN);
    *tx = (l1_tx){.chain_id = s->chain_id,
                  .nonce = nonce,
                  .max_priority_fee_per_gas = tip,
                  .max_fee_per_gas = tip + 2u * fh.base_fee_next,
                  .gas_limit = gas + gas / CTL_GAS_MARGIN_DIV,
                  .has_to = true,
                  .to = s->to};
    return SEQ_OK;
}

seq_err node_ctl_send(const node_ctl_sender *s, l1_rpc_tx_receipt *rc, const uint8_t value[32],
                      const uint8_t *data, size_t len, const char *what)
{
    SEQ_ASSERT(s != NULL && rc != NULL && value != NULL && what != NULL);
    SEQ_ASSERT(s->key != NULL && (data != NULL || len == 0));
    memset(rc, 0, sizeof *rc);
    l1_rpc_tx_request req = {
        .from = s->from, .has_to = true, .to = s->to, .data = data, .data_len = len};
    memcpy(req.value, value, FORCE_WORD);
    uint64_t gas = 0;
    l1_tx tx;
    seq_err err = l1_rpc_estimate_gas(s->rpc, &gas, &req);
    if (err != SEQ_OK)
        return node_ctl_rpc_failed(s, err, what);
    if ((err = ctl_tx_fill(s, &tx, gas)) != SEQ_OK)
        return err;
    memcpy(tx.value, value, FORCE_WORD);
    tx.data = data;
    tx.data_len = len;
    size_t raw_cap = len + L1_TX_OVERHEAD_BYTES_MAX, raw_len = 0;
    uint8_t *raw = malloc(raw_cap);
    if (raw == NULL) {
        fprintf(s->err, "%s: out of memory\n", s->name);
        return SEQ_ERR_NO_MEMORY;
    }
    seq_hash hash, got;
    err = l1_tx_sign(raw, raw_cap, &raw_len, &hash, s->key, &tx);
    if (err != SEQ_OK)
        fprintf(s->err, "%s: cannot sign: %s\n", s->name, seq_strerror(err));
    if (err == SEQ_OK) {
        err = l1_rpc_send_raw_tx(s->rpc, &got, raw, raw_len);
        if (err == L1_RPC_ERR_REMOTE && l1_rpc_last_kind(s->rpc) == L1_RPC_KIND_ALREADY_KNOWN)
            err = SEQ_OK;
        if (err != SEQ_OK)
            fprintf(s->err, "%s: eth_sendRawTransaction: %s\n", s->name, l1_rpc_last_error(s->rpc));
    }
    free(raw);
    return err == SEQ_OK ? ctl_wait(s, rc, &hash) : err;
}

seq_err node_ctl_event(const node_ctl_sender *s, l1_event *ev, seq_arena *arena,
                       const l1_rpc_tx_receipt *rc, l1_event_kind kind, const seq_addr *topic2)
{
    SEQ_ASSERT(s != NULL && ev != NULL && arena != NULL && rc != NULL);
    SEQ_ASSERT(kind != L1_EVENT_UNKNOWN);
    memset(ev, 0, sizeof *ev);
    l1_rpc_log_filter filter = {
        .from_block = rc->block_number, .to_block = rc->block_number, .address_count = 1};
    filter.addresses[0] = s->to;
    l1_event_topic(&filter.topics[0].choices[0], kind);
    filter.topics[0].count = 1;
    if (topic2 != NULL) {
        l1_abi_addr(filter.topics[2].choices[0].b, topic2);
        filter.topics[2].count = 1;
    }
    l1_rpc_log logs[CTL_LOGS_MAX];
    size_t count = 0;
    seq_err err = l1_rpc_logs(s->rpc, logs, CTL_LOGS_MAX, &count, arena, &filter);
    if (err != SEQ_OK)
        return node_ctl_rpc_failed(s, err, "eth_getLogs");
    for (size_t i = 0; i < count; i++) {
        if (!seq_hash_equal(&logs[i].tx_hash, &rc->tx_hash) || logs[i].removed)
            continue;
        if (l1_event_decode(ev, &logs[i]) == SEQ_OK && ev->kind == kind)
            return SEQ_OK;
    }
    memset(ev, 0, sizeof *ev);
    fprintf(s->err, "%s: no %s event of the %s in L1 block %llu for this tx\n", s->name,
            l1_event_name(kind), s->contract, (unsigned long long)rc->block_number);
    return SEQ_ERR_NOT_FOUND;
}

/* --------------------------------------------------------------- the L1 */

/* The Inbox's custom errors a user meets here, with their arguments. */
static const node_ctl_custom_error force_errors[] = {
    {"FeeTooLow(uint256,uint256)", {"paid", "fee"}},
    {"BadForcedTxSize(uint256,uint256)", {"length", "max"}},
    {"NothingToForce()", {NULL, NULL}},
    {"ForceAdvanceTooEarly(uint64)", {"allowedFrom", NULL}},
    {"CursorBeyondQueue(uint64,uint64)", {"count", "got"}},
};

/* The context as the shared helpers take it. */
static node_ctl_sender force_sender(const force_ctx *f)
{
    return (node_ctl_sender){.name = f->name,
                             .contract = "Inbox",
                             .rpc = f->rpc,
                             .key = f->key,
                             .from = f->from,
                             .to = f->inbox,
                             .chain_id = f->chain_id,
                             .wait_ms = f->a->wait_ms,
                             .errors = force_errors,
                             .error_count = SEQ_ARRAY_LEN(force_errors),
                             .err = f->err};
}

/* Prints why the last call on the client failed: a named revert of the
 * Inbox, or the client's line. Returns err. */
static seq_err force_rpc_failed(const force_ctx *f, seq_err err, const char *what)
{
    node_ctl_sender s = force_sender(f);
    return node_ctl_rpc_failed(&s, err, what);
}

/* A view of the Inbox returning words words (arg: one uint64 argument, or
 * none when NULL) into out[0..32 * words). */
static seq_err inbox_view(const force_ctx *f, uint8_t *out, size_t words, const char *signature,
                          const uint64_t *arg)
{
    uint8_t data[4 + FORCE_WORD];
    l1_abi_selector(data, signature);
    if (arg != NULL)
        l1_abi_u64(data + 4, *arg);
    l1_rpc_tx_request req = {.from = f->from,
                             .has_to = true,
                             .to = f->inbox,
                             .data = data,
                             .data_len = arg != NULL ? sizeof data : 4u};
    size_t len = 0;
    char addr[43], name[NODE_CTL_REVERT_CHARS];
    l1_addr_checksum(addr, &f->inbox);
    seq_err err = l1_rpc_eth_call(f->rpc, out, words * FORCE_WORD, &len, &req, L1_TAG_LATEST);
    if (err == L1_RPC_ERR_REMOTE && l1_rpc_last_kind(f->rpc) == L1_RPC_KIND_REVERTED &&
        !node_ctl_revert_name(name, sizeof name, f->rpc, force_errors,
                              SEQ_ARRAY_LEN(force_errors))) {
        fprintf(f->err, "%s: %s is not an Inbox (%s reverts)\n", f->name, addr, signature);
        return err;
    }
    if (err != SEQ_OK && err != SEQ_ERR_NO_SPACE)
        return force_rpc_failed(f, err, signature);
    if (err == SEQ_ERR_NO_SPACE || len != words * FORCE_WORD) {
        fprintf(f->err, "%s: %s is not an Inbox (%s returned %zu bytes%s)\n", f->name, addr,
                signature, len, len == 0 ? ": no contract there?" : "");
        return SEQ_ERR_MALFORMED;
    }
    return SEQ_OK;
}

static seq_err inbox_u64(const force_ctx *f, uint64_t *out, const char *signature,
                         const uint64_t *arg)
{
    uint8_t w[FORCE_WORD];
    seq_err err = inbox_view(f, w, 1, signature, arg);
    if (err == SEQ_OK && !word_u64(out, w)) {
        fprintf(f->err, "%s: %s returned a value above 2^64\n", f->name, signature);
        err = SEQ_ERR_MALFORMED;
    }
    return err;
}

/* Estimates (a revert stops here, named), signs, sends data to the Inbox
 * with value wei, and waits for a successful receipt. */
static seq_err force_send(const force_ctx *f, l1_rpc_tx_receipt *rc, const uint8_t *value,
                          const uint8_t *data, size_t len, const char *what)
{
    node_ctl_sender s = force_sender(f);
    return node_ctl_send(&s, rc, value, data, len, what);
}

/* The Inbox's event of kind in rc's transaction (see node_ctl_event). */
static seq_err force_event(const force_ctx *f, l1_event *ev, seq_arena *arena,
                           const l1_rpc_tx_receipt *rc, l1_event_kind kind, const seq_addr *sender)
{
    node_ctl_sender s = force_sender(f);
    return node_ctl_event(&s, ev, arena, rc, kind, sender);
}

/* -------------------------------------------------------- the context */

/* The key, the Inbox (--inbox, or the record's on the same chain) and the
 * chain id. Returns -1 to go on, or the exit code. */
static int force_open(force_ctx *f)
{
    node_diag why = {{0}};
    if (sodium_init() < 0 || (f->key = sodium_malloc(32)) == NULL) {
        fprintf(f->err, "%s: cannot allocate secure memory\n", f->name);
        return NODE_EXIT_FAILURE;
    }
    if (node_ctl_keyfile_load(f->key, &why, f->a->key) != SEQ_OK) {
        fprintf(f->err, "%s: %s\n", f->name, why.text);
        return NODE_EXIT_FAILURE;
    }
    if (l1_secp_address(&f->from, f->key) != SEQ_OK) {
        fprintf(f->err, "%s: %s: not a secp256k1 key\n", f->name, f->a->key);
        return NODE_EXIT_FAILURE;
    }
    node_l1_record r;
    if (f->a->deployment != NULL && node_l1_record_load(&r, &why, f->a->deployment) != SEQ_OK) {
        fprintf(f->err, "%s: %s\n", f->name, why.text);
        return NODE_EXIT_FAILURE;
    }
    if (f->a->deployment != NULL)
        f->inbox = r.inbox;
    else if (node_config_addr_parse(&f->inbox, f->a->inbox) != SEQ_OK)
        return NODE_EXIT_USAGE; /* checked by force_parse */
    if (l1_rpc_chain_id(f->rpc, &f->chain_id) != SEQ_OK) {
        fprintf(f->err, "%s: %s\n", f->name, l1_rpc_last_error(f->rpc));
        return NODE_EXIT_FAILURE;
    }
    if (f->a->deployment != NULL && r.l1_chain_id != f->chain_id) {
        fprintf(f->err, "%s: %s is a deployment on L1 chain %llu, but %s is chain %llu\n", f->name,
                f->a->deployment, (unsigned long long)r.l1_chain_id, f->a->rpc,
                (unsigned long long)f->chain_id);
        return NODE_EXIT_FAILURE;
    }
    return -1;
}

typedef int (*force_run_fn)(force_ctx *f);

/* Parses, reads the tx (force-include: a malformed one is a usage error
 * whether or not L1 answers), opens the client and the key, runs, and
 * frees. */
static int force_main(const char *name, bool include, force_run_fn run, int argc, char **argv,
                      FILE *out, FILE *err)
{
    force_args a = {0};
    int code = force_parse(&a, name, include, argc, argv, err);
    if (code >= 0) {
        node_seqctl_force_usage(err);
        return code;
    }
    force_ctx f = {.a = &a, .name = name, .out = out, .err = err};
    if (l1_rpc_new(&f.rpc, a.rpc, NULL) != SEQ_OK) {
        fprintf(err, "%s: --rpc %s is not an http:// or https:// URL\n", name, a.rpc);
        return NODE_EXIT_USAGE;
    }
    if (include && (f.tx = malloc(FORCE_TX_BYTES_MAX)) == NULL) {
        fprintf(err, "%s: out of memory\n", name);
        code = NODE_EXIT_FAILURE;
    } else if (include) {
        code = force_tx_load(f.tx, &f.tx_len, &a, name, err);
    }
    if (code < 0)
        code = force_open(&f);
    if (code < 0)
        code = run(&f);
    free(f.tx);
    if (f.key != NULL)
        sodium_free(f.key); /* wipes */
    l1_rpc_free(f.rpc);
    return code;
}

/* -------------------------------------------------------- force-include */

typedef struct {
    const uint8_t *tx; /* the context's */
    size_t tx_len;
    uint8_t *calldata; /* FORCE_CALLDATA_MAX */
    size_t calldata_len;
    uint8_t fee[FORCE_WORD];
    uint64_t window, grace;
} force_include_job;

/* The fee (--fee, else forceFee()), the size check against
 * maxForcedTxBytes(), the window and grace for the report, and the
 * calldata of forceInclude(tx). */
static seq_err include_prepare(const force_ctx *f, force_include_job *j)
{
    uint8_t force_fee[FORCE_WORD], max_word[FORCE_WORD];
    uint64_t max = 0;
    seq_err err = inbox_view(f, force_fee, 1, "forceFee()", NULL);
    if (err == SEQ_OK)
        err = inbox_view(f, max_word, 1, "maxForcedTxBytes()", NULL);
    if (err == SEQ_OK)
        err = inbox_u64(f, &j->window, "inclusionWindow()", NULL);
    if (err == SEQ_OK)
        err = inbox_u64(f, &j->grace, "forceGrace()", NULL);
    if (err != SEQ_OK)
        return err;
    max = word_u64(&max, max_word) ? max : UINT64_MAX;
    if (j->tx_len == 0 || j->tx_len > max) {
        fprintf(f->err,
                "%s: the tx is %zu bytes; the Inbox takes 1 to %llu (maxForcedTxBytes); "
                "nothing sent\n",
                f->name, j->tx_len, (unsigned long long)max);
        return SEQ_ERR_TOO_LARGE;
    }
    if (f->a->fee == NULL)
        memcpy(j->fee, force_fee, FORCE_WORD);
    else if (!node_ctl_wei_parse(j->fee, f->a->fee))
        return SEQ_ERR_INVALID_ARG; /* checked by force_parse */
    if (memcmp(j->fee, force_fee, FORCE_WORD) > 0) {
        char paid[FORCE_WEI_CHARS], due[FORCE_WEI_CHARS];
        node_ctl_wei_text(paid, j->fee);
        node_ctl_wei_text(due, force_fee);
        fprintf(f->err, "%s: note: paying %s wei, above the forceFee of %s; it is not refunded\n",
                f->name, paid, due);
    }
    size_t padded = (j->tx_len + FORCE_WORD - 1) / FORCE_WORD * FORCE_WORD;
    j->calldata_len = 4 + 2 * FORCE_WORD + padded;
    if (j->calldata_len > L1_TX_DATA_BYTES_MAX) {
        fprintf(f->err, "%s: the tx is %zu bytes: too large for one L1 transaction\n", f->name,
                j->tx_len);
        return SEQ_ERR_TOO_LARGE;
    }
    memset(j->calldata, 0, j->calldata_len);
    l1_abi_selector(j->calldata, "forceInclude(bytes)");
    l1_abi_u64(j->calldata + 4, FORCE_WORD);
    l1_abi_u64(j->calldata + 4 + FORCE_WORD, j->tx_len);
    memcpy(j->calldata + 4 + 2 * FORCE_WORD, j->tx, j->tx_len);
    return SEQ_OK;
}

static void include_print(const force_ctx *f, const force_include_job *j,
                          const l1_rpc_tx_receipt *rc, const l1_event_forced_tx_queued *e)
{
    char tx_hash[2 * SEQ_HASH_BYTES + 3], l1_tx_text[2 * SEQ_HASH_BYTES + 3];
    char acc[2 * SEQ_HASH_BYTES + 3], sender[43], fee[FORCE_WEI_CHARS];
    hash_text(tx_hash, &e->tx_hash);
    hash_text(l1_tx_text, &rc->tx_hash);
    hash_text(acc, &e->acc);
    l1_addr_checksum(sender, &e->sender);
    node_ctl_wei_text(fee, j->fee);
    uint64_t due = e->l1_block + j->window, from = due + j->grace + 1;
    if (f->a->json) {
        fprintf(f->out,
                "{\"index\":%llu,\"l1_block\":%llu,\"l1_timestamp\":%llu,\"tx_hash\":\"%s\","
                "\"l1_tx_hash\":\"%s\",\"sender\":\"%s\",\"fee_wei\":\"%s\",\"acc\":\"%s\","
                "\"due_block\":%llu,\"force_advance_from_block\":%llu,\"gas_used\":%llu}\n",
                (unsigned long long)e->index, (unsigned long long)e->l1_block,
                (unsigned long long)e->l1_timestamp, tx_hash, l1_tx_text, sender, fee, acc,
                (unsigned long long)due, (unsigned long long)from,
                (unsigned long long)rc->gas_used);
        return;
    }
    fprintf(f->out,
            "queued forced tx %llu\n"
            "  index          %llu\n"
            "  l1 block       %llu\n"
            "  tx hash        %s\n"
            "  l1 tx          %s\n"
            "  sender         %s\n"
            "  fee            %s wei\n"
            "  due            by L1 block %llu (inclusion window %llu blocks)\n"
            "  force-advance  from L1 block %llu if no batch has included it\n",
            (unsigned long long)e->index, (unsigned long long)e->index,
            (unsigned long long)e->l1_block, tx_hash, l1_tx_text, sender, fee,
            (unsigned long long)due, (unsigned long long)j->window, (unsigned long long)from);
}

static int include_run(force_ctx *f)
{
    force_include_job j = {.tx = f->tx, .tx_len = f->tx_len};
    uint8_t *log_data = NULL;
    int code = NODE_EXIT_FAILURE;
    j.calldata = malloc(FORCE_CALLDATA_MAX);
    if (j.calldata == NULL || (log_data = malloc(FORCE_LOG_DATA_BYTES)) == NULL) {
        fprintf(f->err, "%s: out of memory\n", f->name);
        goto free_all;
    }
    l1_rpc_tx_receipt rc;
    l1_event ev;
    seq_arena arena;
    seq_arena_init(&arena, log_data, FORCE_LOG_DATA_BYTES);
    if (include_prepare(f, &j) != SEQ_OK ||
        force_send(f, &rc, j.fee, j.calldata, j.calldata_len, "forceInclude(bytes)") != SEQ_OK ||
        force_event(f, &ev, &arena, &rc, L1_EVENT_FORCED_TX_QUEUED, &f->from) != SEQ_OK)
        goto free_all;
    seq_hash want;
    l1_keccak256(&want, j.tx, j.tx_len);
    if (!seq_hash_equal(&want, &ev.forced_tx_queued.tx_hash) ||
        ev.forced_tx_queued.tx_len != j.tx_len) {
        fprintf(f->err, "%s: the ForcedTxQueued event of L1 block %llu carries another tx\n",
                f->name, (unsigned long long)rc.block_number);
        goto free_all;
    }
    include_print(f, &j, &rc, &ev.forced_tx_queued);
    code = NODE_EXIT_OK;
free_all:
    free(log_data);
    free(j.calldata);
    return code;
}

int node_seqctl_force_include(int argc, char **argv, FILE *out, FILE *err)
{
    return force_main("seqctl force-include", true, include_run, argc, argv, out, err);
}

/* -------------------------------------------------------- force-advance */

typedef struct {
    uint64_t next_index, forced_consumed, forced_count;
} force_status;

static seq_err status_read(const force_ctx *f, force_status *s)
{
    uint8_t w[FORCE_STATUS_WORDS * FORCE_WORD];
    seq_err err = inbox_view(f, w, FORCE_STATUS_WORDS, "status()", NULL);
    if (err == SEQ_OK &&
        (!word_u64(&s->next_index, w) || !word_u64(&s->forced_consumed, w + 2 * FORCE_WORD) ||
         !word_u64(&s->forced_count, w + 3 * FORCE_WORD))) {
        fprintf(f->err, "%s: status() returned malformed words\n", f->name);
        err = SEQ_ERR_MALFORMED;
    }
    return err;
}

/* Whether forceAdvance() may run in the next block: prints "nothing to
 * force" (exit 0) or "not yet" (exit 1), or returns -1 to go on. The
 * contract checks block.number >= queuedAt + window + grace + 1, and the
 * transaction lands in a block after the head. */
static int advance_allowed(const force_ctx *f, const force_status *s)
{
    if (s->forced_consumed >= s->forced_count) {
        if (f->a->json)
            fprintf(f->out,
                    "{\"result\":\"nothing_to_force\",\"forced_consumed\":%llu,"
                    "\"forced_count\":%llu}\n",
                    (unsigned long long)s->forced_consumed, (unsigned long long)s->forced_count);
        else
            fprintf(f->out, "nothing to force: all %llu forced txs are consumed\n",
                    (unsigned long long)s->forced_count);
        return NODE_EXIT_OK;
    }
    uint64_t queued = 0, window = 0, grace = 0, head = 0;
    if (inbox_u64(f, &queued, "forcedQueuedAt(uint64)", &s->forced_consumed) != SEQ_OK ||
        inbox_u64(f, &window, "inclusionWindow()", NULL) != SEQ_OK ||
        inbox_u64(f, &grace, "forceGrace()", NULL) != SEQ_OK)
        return NODE_EXIT_FAILURE;
    if (l1_rpc_block_number(f->rpc, &head) != SEQ_OK) {
        fprintf(f->err, "%s: %s\n", f->name, l1_rpc_last_error(f->rpc));
        return NODE_EXIT_FAILURE;
    }
    bool overflow = queued > UINT64_MAX - window || queued + window > UINT64_MAX - grace - 1;
    uint64_t allowed = overflow ? UINT64_MAX : queued + window + grace + 1;
    if (head >= allowed - 1)
        return -1;
    fprintf(f->err,
            "%s: not yet: allowed from L1 block %llu, head is %llu (forced tx %llu was queued "
            "in block %llu; window %llu + grace %llu blocks); nothing sent\n",
            f->name, (unsigned long long)allowed, (unsigned long long)head,
            (unsigned long long)s->forced_consumed, (unsigned long long)queued,
            (unsigned long long)window, (unsigned long long)grace);
    return NODE_EXIT_FAILURE;
}

static void advance_print(const force_ctx *f, const l1_rpc_tx_receipt *rc,
                          const l1_event_force_advanced *e)
{
    char batch[2 * SEQ_HASH_BYTES + 3], l1_tx_text[2 * SEQ_HASH_BYTES + 3];
    hash_text(batch, &e->batch_hash);
    hash_text(l1_tx_text, &rc->tx_hash);
    if (f->a->json) {
        fprintf(f->out,
                "{\"result\":\"advanced\",\"batch_index\":%llu,\"batch_hash\":\"%s\","
                "\"from_cursor\":%llu,\"to_cursor\":%llu,\"l1_block\":%llu,"
                "\"l1_tx_hash\":\"%s\",\"gas_used\":%llu}\n",
                (unsigned long long)e->index, batch, (unsigned long long)e->from_cursor,
                (unsigned long long)e->to_cursor, (unsigned long long)rc->block_number, l1_tx_text,
                (unsigned long long)rc->gas_used);
        return;
    }
    fprintf(f->out,
            "force-advanced: batch %llu consumes forced txs %llu..%llu\n"
            "  batch index    %llu\n"
            "  batch hash     %s\n"
            "  cursor         %llu -> %llu\n"
            "  l1 block       %llu\n"
            "  l1 tx          %s\n",
            (unsigned long long)e->index, (unsigned long long)e->from_cursor,
            (unsigned long long)(e->to_cursor - 1), (unsigned long long)e->index, batch,
            (unsigned long long)e->from_cursor, (unsigned long long)e->to_cursor,
            (unsigned long long)rc->block_number, l1_tx_text);
}

static int advance_run(force_ctx *f)
{
    force_status s = {0};
    if (status_read(f, &s) != SEQ_OK)
        return NODE_EXIT_FAILURE;
    int code = advance_allowed(f, &s);
    if (code >= 0)
        return code;
    uint8_t data[4], value[FORCE_WORD] = {0}, log_data[CTL_LOGS_MAX * 8u * FORCE_WORD];
    l1_abi_selector(data, "forceAdvance()");
    l1_rpc_tx_receipt rc;
    l1_event ev;
    seq_arena arena;
    seq_arena_init(&arena, log_data, sizeof log_data);
    if (force_send(f, &rc, value, data, sizeof data, "forceAdvance()") != SEQ_OK ||
        force_event(f, &ev, &arena, &rc, L1_EVENT_FORCE_ADVANCED, NULL) != SEQ_OK)
        return NODE_EXIT_FAILURE;
    advance_print(f, &rc, &ev.force_advanced);
    return NODE_EXIT_OK;
}

int node_seqctl_force_advance(int argc, char **argv, FILE *out, FILE *err)
{
    return force_main("seqctl force-advance", false, advance_run, argc, argv, out, err);
}
