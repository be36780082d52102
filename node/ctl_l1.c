/* ctl_l1.c — seqctl l1 deploy and seqctl l1 predict: the L1 contracts of a
 * genesis, deployed with the bytecode embedded in the binary (l1_deploy),
 * and the deployment record nodes read (l1/README.md, "Deployment"); and
 * seqctl l1 bond and l1 validator: a validator's bond and status in the
 * Committee, through the Committee helpers of internal.h (which evidence
 * submit uses too).
 *
 * The deployer key is either a key directory of `seqctl keygen` (its
 * validator.key, sealed or, with --insecure-key, plaintext) or a file with
 * one hex secret key (plaintext, so only with --insecure-key: a funded
 * devnet account such as anvil's first). The deployer becomes the
 * Committee's owner, so outside devnets it should be an operator key, not
 * a validator's. */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "l1.h"

#define CTL_L1_PATH_BYTES     (NODE_CONFIG_PATH_BYTES_MAX + 64u)
#define CTL_L1_KEYFILE_BYTES  256u /* "0x" + 64 digits + a newline, with room */
#define CTL_L1_RECORD_MEMBERS 10u
#define CTL_L1_VIEW_ARGS_MAX  2u /* argument words of a Committee view */

/* ------------------------------------------------------------ the record */

static json_t *record_hex(const uint8_t *b, size_t len)
{
    char text[2 * SEQ_HASH_BYTES + 3];
    SEQ_ASSERT(len <= SEQ_HASH_BYTES);
    node_config_hex(text, sizeof text, b, len);
    return json_string(text);
}

static json_t *record_addr(const seq_addr *a)
{
    char text[43];
    l1_addr_checksum(text, a);
    return json_string(text);
}

static json_t *record_wei(uint64_t wei)
{
    char text[24];
    snprintf(text, sizeof text, "%llu", (unsigned long long)wei);
    return json_string(text);
}

static json_t *record_json(const node_l1_record *r)
{
    return json_pack(
        "{s:I, s:I, s:I, s:o, s:o, s:o, s:o, s:I, s:o, s:{s:I, s:I, s:I, s:o, s:I, s:I, s:o, s:I}}",
        "version", (json_int_t)NODE_L1_RECORD_VERSION, "l1_chain_id", (json_int_t)r->l1_chain_id,
        "l2_chain_id", (json_int_t)r->l2_chain_id, "genesis_hash",
        record_hex(r->genesis_hash.b, SEQ_HASH_BYTES), "committee_address",
        record_addr(&r->committee), "inbox_address", record_addr(&r->inbox), "deployer",
        r->has_deployer ? record_addr(&r->deployer) : json_null(), "deployment_block",
        (json_int_t)r->block_number, "deployment_block_hash",
        record_hex(r->block_hash.b, SEQ_HASH_BYTES), "params", "epoch_blocks",
        (json_int_t)r->epoch_blocks, "evidence_window_blocks",
        (json_int_t)r->evidence_window_blocks, "unbonding_delay_blocks",
        (json_int_t)r->unbonding_delay_blocks, "min_bond_wei", record_wei(r->min_bond_wei),
        "inclusion_window_blocks", (json_int_t)r->inclusion_window_blocks, "force_grace_blocks",
        (json_int_t)r->force_grace_blocks, "force_fee_wei", record_wei(r->force_fee_wei),
        "forced_tx_bytes_max", (json_int_t)r->forced_tx_bytes_max);
}

static seq_err record_write_fd(node_diag *why, int fd, const char *tmp, const char *text)
{
    size_t len = strlen(text), done = 0;
    while (done < len) {
        ssize_t n = write(fd, text + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return node_diag_set(why, SEQ_ERR_IO, "%s: write: %s", tmp, strerror(errno));
        done += (size_t)n;
    }
    if (fsync(fd) != 0)
        return node_diag_set(why, SEQ_ERR_IO, "%s: fsync: %s", tmp, strerror(errno));
    return SEQ_OK;
}

seq_err node_l1_record_write(node_diag *why, const char *path, const node_l1_record *r)
{
    SEQ_ASSERT(path != NULL && r != NULL);
    node_diag_clear(why);
    char tmp[CTL_L1_PATH_BYTES];
    if (snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid()) >= (int)sizeof tmp)
        return node_diag_set(why, SEQ_ERR_INVALID_ARG, "%s: path too long", path);
    json_t *doc = record_json(r);
    char *text = doc != NULL ? json_dumps(doc, JSON_INDENT(2)) : NULL;
    json_decref(doc);
    if (text == NULL)
        return node_diag_set(why, SEQ_ERR_NO_MEMORY, "%s: out of memory", path);
    seq_err err = SEQ_OK;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) {
        err = node_diag_set(why, SEQ_ERR_IO, "%s: %s", tmp, strerror(errno));
        goto free_text;
    }
    err = record_write_fd(why, fd, tmp, text);
    if (err == SEQ_OK && write(fd, "\n", 1) != 1)
        err = node_diag_set(why, SEQ_ERR_IO, "%s: write failed", tmp);
    close(fd);
    /* link() never replaces an existing file: a record is written once. */
    if (err == SEQ_OK && link(tmp, path) != 0)
        err = node_diag_set(why, errno == EEXIST ? SEQ_ERR_EXISTS : SEQ_ERR_IO, "%s: %s", path,
                            strerror(errno));
    unlink(tmp);
free_text:
    free(text);
    return err;
}

static seq_err record_wei_read(const node_config_json *j, uint64_t *out, const json_t *obj,
                               const char *name)
{
    const char *text = NULL;
    seq_err err = node_config_json_string(j, &text, obj, "params", name, false);
    if (err != SEQ_OK)
        return err;
    uint64_t v = 0;
    bool ok = text[0] != '\0' && strlen(text) <= 20;
    for (const char *c = text; ok && *c != '\0'; c++) {
        ok = *c >= '0' && *c <= '9' && v <= (UINT64_MAX - (uint64_t)(*c - '0')) / 10u;
        v = ok ? v * 10u + (uint64_t)(*c - '0') : 0;
    }
    if (!ok)
        return node_diag_set(j->why, SEQ_ERR_INVALID_ARG,
                             "%s: params.%s: a decimal wei amount below 2^64", j->file, name);
    *out = v;
    return SEQ_OK;
}

static seq_err record_params_read(node_l1_record *r, const node_config_json *j, const json_t *p)
{
    static const char *const names[] = {
        "epoch_blocks",  "evidence_window_blocks",  "unbonding_delay_blocks",
        "min_bond_wei",  "inclusion_window_blocks", "force_grace_blocks",
        "force_fee_wei", "forced_tx_bytes_max"};
    const struct {
        const char *name;
        uint64_t *field;
    } words[] = {
        {"epoch_blocks", &r->epoch_blocks},
        {"evidence_window_blocks", &r->evidence_window_blocks},
        {"unbonding_delay_blocks", &r->unbonding_delay_blocks},
        {"inclusion_window_blocks", &r->inclusion_window_blocks},
        {"force_grace_blocks", &r->force_grace_blocks},
        {"forced_tx_bytes_max", &r->forced_tx_bytes_max},
    };
    if (!json_is_object(p))
        return node_diag_set(j->why, SEQ_ERR_MALFORMED, "%s: params: not an object", j->file);
    seq_err err = node_config_json_members(j, p, "params", names, SEQ_ARRAY_LEN(names));
    for (size_t i = 0; err == SEQ_OK && i < SEQ_ARRAY_LEN(words); i++)
        err = node_config_json_u64(j, words[i].field, p, "params", words[i].name, 0,
                                   NODE_GENESIS_INTEGER_MAX);
    if (err == SEQ_OK)
        err = record_wei_read(j, &r->min_bond_wei, p, "min_bond_wei");
    if (err == SEQ_OK)
        err = record_wei_read(j, &r->force_fee_wei, p, "force_fee_wei");
    return err;
}

static seq_err record_read(node_l1_record *r, const node_config_json *j, const json_t *root)
{
    static const char *const names[CTL_L1_RECORD_MEMBERS] = {
        "version",      "l1_chain_id",       "l2_chain_id",
        "genesis_hash", "committee_address", "inbox_address",
        "deployer",     "deployment_block",  "deployment_block_hash",
        "params"};
    uint64_t version = 0;
    bool present = false;
    seq_err err = node_config_json_members(j, root, "", names, SEQ_ARRAY_LEN(names));
    if (err == SEQ_OK)
        err = node_config_json_u64(j, &version, root, "", "version", 0, UINT32_MAX);
    if (err == SEQ_OK && version != NODE_L1_RECORD_VERSION)
        return node_diag_set(j->why, SEQ_ERR_BAD_VERSION, "%s: version %llu is not supported",
                             j->file, (unsigned long long)version);
    if (err == SEQ_OK)
        err = node_config_json_u64(j, &r->l1_chain_id, root, "", "l1_chain_id", 1,
                                   NODE_GENESIS_INTEGER_MAX);
    if (err == SEQ_OK)
        err = node_config_json_u64(j, &r->l2_chain_id, root, "", "l2_chain_id", 1,
                                   NODE_GENESIS_INTEGER_MAX);
    if (err == SEQ_OK)
        err = node_config_json_hex(j, r->genesis_hash.b, SEQ_HASH_BYTES, root, "", "genesis_hash");
    if (err == SEQ_OK)
        err =
            node_config_json_addr(j, &r->committee, &present, root, "", "committee_address", false);
    if (err == SEQ_OK)
        err = node_config_json_addr(j, &r->inbox, &present, root, "", "inbox_address", false);
    if (err == SEQ_OK)
        err = node_config_json_addr(j, &r->deployer, &r->has_deployer, root, "", "deployer", true);
    if (err == SEQ_OK)
        err = node_config_json_u64(j, &r->block_number, root, "", "deployment_block", 0,
                                   NODE_GENESIS_INTEGER_MAX);
    if (err == SEQ_OK)
        err = node_config_json_hex(j, r->block_hash.b, SEQ_HASH_BYTES, root, "",
                                   "deployment_block_hash");
    if (err == SEQ_OK)
        err = record_params_read(r, j, json_object_get(root, "params"));
    return err;
}

seq_err node_l1_record_load(node_l1_record *out, node_diag *why, const char *path)
{
    SEQ_ASSERT(out != NULL && path != NULL);
    memset(out, 0, sizeof(*out));
    node_diag_clear(why);
    char *text = NULL;
    size_t len = 0;
    seq_err err = node_config_file_read(&text, &len, why, path, "deployment record",
                                        NODE_L1_RECORD_BYTES_MAX);
    if (err != SEQ_OK)
        return err;
    const node_config_json j = {.why = why, .file = path};
    json_t *root = NULL;
    err = node_config_json_parse(&root, &j, text, len);
    if (err == SEQ_OK)
        err = record_read(out, &j, root);
    json_decref(root);
    free(text);
    if (err != SEQ_OK)
        memset(out, 0, sizeof(*out));
    return err;
}

void node_l1_record_default_path(char *out, size_t out_len, const char *genesis_path)
{
    SEQ_ASSERT(out != NULL && out_len > 0 && genesis_path != NULL);
    const char *slash = strrchr(genesis_path, '/');
    if (slash == NULL)
        snprintf(out, out_len, "%s", NODE_L1_RECORD_FILE);
    else
        snprintf(out, out_len, "%.*s/%s", (int)(slash - genesis_path), genesis_path,
                 NODE_L1_RECORD_FILE);
}

/* ------------------------------------------------------------- arguments */

void node_seqctl_l1_usage(FILE *f)
{
    fputs("usage: seqctl l1 deploy --rpc URL --genesis FILE --key KEY\n"
          "                        [--passphrase-file FILE | --passphrase-env VAR]\n"
          "                        [--insecure-key] [--out FILE]\n"
          "                        [--epoch-blocks N] [--evidence-window-blocks N]\n"
          "                        [--unbonding-delay-blocks N] [--min-bond-wei N]\n"
          "                        [--force-grace-blocks N] [--force-fee-wei N]\n"
          "                        [--forced-tx-bytes-max N] [--receipt-timeout-ms MS]\n"
          "       seqctl l1 predict --rpc URL --key KEY [--passphrase-file FILE |\n"
          "                         --passphrase-env VAR] [--insecure-key]\n"
          "\n"
          "deploy: deploys Committee (the genesis committee, in genesis order) and\n"
          "Inbox (the genesis inclusion window) to the L1 at URL, and writes the\n"
          "deployment record (default: l1-deployment.json next to the genesis file).\n"
          "With a record for this genesis whose contracts are on that chain it does\n"
          "nothing. If the genesis names the contract addresses, the deployment must\n"
          "land exactly there (see 'predict'). KEY is the deployer, who becomes the\n"
          "Committee's owner: a key directory of 'seqctl keygen' (its validator key;\n"
          "sealed, or plaintext with --insecure-key), or a file holding one hex secret\n"
          "key (plaintext: only with --insecure-key, e.g. a funded devnet account).\n"
          "Defaults: 20, 30, 40 blocks, 1 ether, 8 blocks, 0.01 ether, 4096 bytes.\n"
          "\n"
          "predict: prints the addresses the deployer's next deployment would get,\n"
          "for 'seqctl genesis --committee-address A --inbox-address B'.\n"
          "\n"
          "       seqctl l1 bond --rpc URL (--committee ADDR | --deployment FILE) --key KEY\n"
          "                      [--passphrase-file FILE | --passphrase-env VAR]\n"
          "                      [--insecure-key] --value-wei N [--wait-ms MS] [--json]\n"
          "       seqctl l1 validator --rpc URL (--committee ADDR | --deployment FILE)\n"
          "                           ADDR [--json]\n"
          "\n"
          "bond: adds N wei to the bond of KEY's account (Committee.bond()): a member\n"
          "tops up; in permissionless mode a newcomer joins once it reaches minBond.\n"
          "KEY as for deploy (a validator's key directory, or a hex key file with\n"
          "--insecure-key). eth_estimateGas first: a call the Committee refuses is\n"
          "named (NotAllowlisted, BondTooSmall, AlreadySlashed, IsUnbonding) and\n"
          "nothing is sent. Waits up to --wait-ms (60000) for the receipt and prints\n"
          "the new bond.\n"
          "\n"
          "validator: Committee.validatorInfo(ADDR): status (None, Active, Unbonding,\n"
          "Slashed), weight now and from the next epoch, bond (wei), and the L1 block\n"
          "from which an unbonding validator may withdraw.\n"
          "--deployment is the record of 'deploy' (its L1 chain id must be URL's).\n",
          f);
}

typedef struct {
    const char *rpc, *genesis, *key, *out, *passphrase_file, *passphrase_env;
    bool insecure;
    uint64_t receipt_timeout_ms;
    l1_deploy_params params; /* numbers from flags over the defaults */
} ctl_l1_args;

/* One flag at argv[*i]: 1 taken, 0 unknown, -1 bad (message printed). */
static int ctl_l1_take(ctl_l1_args *a, int argc, char **argv, int *i, FILE *err)
{
    const struct {
        const char *flag;
        const char **value;
    } strings[] = {{"--rpc", &a->rpc},
                   {"--genesis", &a->genesis},
                   {"--key", &a->key},
                   {"--out", &a->out},
                   {"--passphrase-file", &a->passphrase_file},
                   {"--passphrase-env", &a->passphrase_env}};
    const struct {
        const char *flag;
        uint64_t *value;
    } numbers[] = {{"--epoch-blocks", &a->params.epoch_blocks},
                   {"--evidence-window-blocks", &a->params.evidence_window_blocks},
                   {"--unbonding-delay-blocks", &a->params.unbonding_delay_blocks},
                   {"--min-bond-wei", &a->params.min_bond_wei},
                   {"--force-grace-blocks", &a->params.force_grace_blocks},
                   {"--force-fee-wei", &a->params.force_fee_wei},
                   {"--forced-tx-bytes-max", &a->params.forced_tx_bytes_max},
                   {"--receipt-timeout-ms", &a->receipt_timeout_ms}};
    if (strcmp(argv[*i], "--insecure-key") == 0) {
        a->insecure = true;
        return 1;
    }
    bool is_string = false, is_number = false;
    for (size_t k = 0; k < SEQ_ARRAY_LEN(strings); k++)
        is_string = is_string || strcmp(argv[*i], strings[k].flag) == 0;
    for (size_t k = 0; k < SEQ_ARRAY_LEN(numbers); k++)
        is_number = is_number || strcmp(argv[*i], numbers[k].flag) == 0;
    if (!is_string && !is_number)
        return 0;
    if (*i + 1 >= argc) {
        fprintf(err, "seqctl l1: %s needs a value\n", argv[*i]);
        return -1;
    }
    const char *flag = argv[*i], *value = argv[++*i];
    for (size_t k = 0; k < SEQ_ARRAY_LEN(strings); k++)
        if (strcmp(flag, strings[k].flag) == 0)
            *strings[k].value = value;
    for (size_t k = 0; k < SEQ_ARRAY_LEN(numbers); k++)
        if (strcmp(flag, numbers[k].flag) == 0 && !node_ctl_decimal_u64(numbers[k].value, value)) {
            fprintf(err, "seqctl l1: %s: '%s' is not a number\n", flag, value);
            return -1;
        }
    return 1;
}

/* Returns -1 to go on, or the exit code. */
static int ctl_l1_parse(ctl_l1_args *a, bool deploy, int argc, char **argv, FILE *err)
{
    memset(a, 0, sizeof(*a));
    l1_deploy_params_default(&a->params);
    a->receipt_timeout_ms = L1_DEPLOY_RECEIPT_TIMEOUT_MS_DEFAULT;
    for (int i = 3; i < argc; i++) {
        int taken = ctl_l1_take(a, argc, argv, &i, err);
        if (taken == 0)
            fprintf(err, "seqctl l1: unknown argument '%s'\n", argv[i]);
        if (taken <= 0)
            return NODE_EXIT_USAGE;
    }
    const char *problem = a->rpc == NULL                 ? "--rpc URL is required"
                          : a->key == NULL               ? "--key KEY is required"
                          : deploy && a->genesis == NULL ? "--genesis FILE is required"
                          : a->passphrase_file != NULL && a->passphrase_env != NULL
                              ? "give one of --passphrase-file and --passphrase-env"
                          : a->receipt_timeout_ms == 0 ? "--receipt-timeout-ms must be > 0"
                                                       : NULL;
    if (problem != NULL) {
        fprintf(err, "seqctl l1: %s\n", problem);
        return NODE_EXIT_USAGE;
    }
    return -1;
}

/* ------------------------------------------------------------------ keys */

/* A plaintext hex key file: mode 0600 or stricter, "0x" optional, one
 * trailing newline allowed. */
static seq_err keyfile_read(uint8_t key[32], node_diag *why, const char *path,
                            const struct stat *st)
{
    if ((st->st_mode & 077) != 0)
        return node_diag_set(why, SEQ_ERR_UNSUPPORTED,
                             "%s: mode %03o grants access to others (chmod 600)", path,
                             (unsigned int)(st->st_mode & 0777));
    char *text = sodium_malloc(CTL_L1_KEYFILE_BYTES);
    if (text == NULL)
        return node_diag_set(why, SEQ_ERR_NO_MEMORY, "%s: out of memory", path);
    seq_err err = SEQ_OK;
    FILE *f = fopen(path, "rb");
    size_t len = f != NULL ? fread(text, 1, CTL_L1_KEYFILE_BYTES - 1, f) : 0;
    if (f != NULL)
        fclose(f);
    while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r' || text[len - 1] == ' '))
        len--;
    text[len] = '\0';
    if (f == NULL)
        err = node_diag_set(why, SEQ_ERR_IO, "%s: %s", path, strerror(errno));
    else if (l1_hex_decode_exact(key, 32, text) != SEQ_OK || l1_secp_seckey_check(key) != SEQ_OK)
        err =
            node_diag_set(why, SEQ_ERR_BAD_KEY,
                          "%s: not one secp256k1 secret key in hex (64 digits, 0x optional)", path);
    sodium_free(text); /* wipes */
    return err;
}

seq_err node_ctl_keyfile_load(uint8_t key[32], node_diag *why, const char *path)
{
    SEQ_ASSERT(key != NULL && path != NULL);
    node_diag_clear(why);
    struct stat st;
    if (stat(path, &st) != 0)
        return node_diag_set(why, SEQ_ERR_NOT_FOUND, "%s: %s", path, strerror(errno));
    if (!S_ISREG(st.st_mode))
        return node_diag_set(why, SEQ_ERR_INVALID_ARG, "%s: not a file holding one hex secret key",
                             path);
    return keyfile_read(key, why, path, &st);
}

seq_err node_ctl_l1_key_load(uint8_t key[32], node_diag *why, const char *path,
                             const char *passphrase_file, const char *passphrase_env, bool insecure)
{
    SEQ_ASSERT(key != NULL && path != NULL);
    node_diag_clear(why);
    struct stat st;
    if (stat(path, &st) != 0)
        return node_diag_set(why, SEQ_ERR_NOT_FOUND, "%s: %s", path, strerror(errno));
    if (S_ISREG(st.st_mode)) {
        if (!insecure)
            return node_diag_set(why, SEQ_ERR_UNSUPPORTED,
                                 "%s holds a plaintext key: pass --insecure-key (devnets only), or "
                                 "give a key directory made by seqctl keygen",
                                 path);
        return keyfile_read(key, why, path, &st);
    }
    node_key_passphrase pass = {0};
    bool with_pass = passphrase_file != NULL || passphrase_env != NULL;
    if (with_pass &&
        node_key_passphrase_read(&pass, why, passphrase_file, passphrase_env) != SEQ_OK)
        return SEQ_ERR_INVALID_ARG;
    node_keys keys;
    seq_err err = node_key_load(&keys, why, path, with_pass ? &pass : NULL, insecure);
    node_key_passphrase_free(&pass);
    if (err != SEQ_OK)
        return err;
    memcpy(key, keys.secrets->validator, 32);
    node_key_free(&keys);
    return SEQ_OK;
}

/* The deployer's secret into key (sodium_malloc'd by the caller). */
static seq_err deployer_key(uint8_t key[32], node_diag *why, const ctl_l1_args *a)
{
    return node_ctl_l1_key_load(key, why, a->key, a->passphrase_file, a->passphrase_env,
                                a->insecure);
}

/* ---------------------------------------------------------------- deploy */

typedef struct {
    const ctl_l1_args *a;
    node_genesis *g;
    seq_hash genesis_hash;
    l1_deploy_params params;
    char record_path[CTL_L1_PATH_BYTES];
    l1_rpc *rpc;
    FILE *out, *err;
} ctl_deploy;

static void params_from_genesis(l1_deploy_params *p, const node_genesis *g)
{
    p->l1_chain_id = g->l1_chain_id;
    p->l2_chain_id = g->l2_chain_id;
    p->member_count = SEQ_MIN((size_t)g->validator_count, (size_t)L1_DEPLOY_MEMBERS_MAX);
    for (size_t i = 0; i < p->member_count; i++) {
        p->members[i] = g->validators[i].address;
        p->weights[i] = g->validators[i].weight;
    }
    p->inclusion_window_blocks = g->l1.inclusion_window_blocks;
}

static void params_from_record(l1_deploy_params *p, const node_l1_record *r)
{
    p->epoch_blocks = r->epoch_blocks;
    p->evidence_window_blocks = r->evidence_window_blocks;
    p->unbonding_delay_blocks = r->unbonding_delay_blocks;
    p->min_bond_wei = r->min_bond_wei;
    p->inclusion_window_blocks = r->inclusion_window_blocks;
    p->force_grace_blocks = r->force_grace_blocks;
    p->force_fee_wei = r->force_fee_wei;
    p->forced_tx_bytes_max = r->forced_tx_bytes_max;
}

void node_l1_record_params(l1_deploy_params *out, const node_l1_record *r, const node_genesis *g)
{
    SEQ_ASSERT(out != NULL && r != NULL && g != NULL);
    l1_deploy_params_default(out);
    params_from_genesis(out, g);
    params_from_record(out, r);
}

seq_err node_l1_record_matches(node_diag *why, const char *path, const node_l1_record *r,
                               const node_genesis *g, const seq_hash *genesis_hash)
{
    SEQ_ASSERT(path != NULL && r != NULL && g != NULL && genesis_hash != NULL);
    if (!seq_hash_equal(&r->genesis_hash, genesis_hash) || r->l1_chain_id != g->l1_chain_id ||
        r->l2_chain_id != g->l2_chain_id)
        return node_diag_set(why, SEQ_ERR_INVALID_ARG,
                             "%s records a deployment for another genesis or chain (L1 chain "
                             "%llu, L2 chain %llu)",
                             path, (unsigned long long)r->l1_chain_id,
                             (unsigned long long)r->l2_chain_id);
    if ((g->l1.has_committee_address &&
         memcmp(g->l1.committee_address.b, r->committee.b, SEQ_ADDR_BYTES) != 0) ||
        (g->l1.has_inbox_address && memcmp(g->l1.inbox_address.b, r->inbox.b, SEQ_ADDR_BYTES) != 0))
        return node_diag_set(why, SEQ_ERR_INVALID_ARG,
                             "%s: its contract addresses are not the ones the genesis names", path);
    return SEQ_OK;
}

void node_l1_record_from(node_l1_record *out, const l1_deploy_params *p,
                         const seq_hash *genesis_hash, const seq_addr *committee,
                         const seq_addr *inbox)
{
    SEQ_ASSERT(out != NULL && p != NULL && genesis_hash != NULL);
    SEQ_ASSERT(committee != NULL && inbox != NULL);
    *out = (node_l1_record){.l1_chain_id = p->l1_chain_id,
                            .l2_chain_id = p->l2_chain_id,
                            .genesis_hash = *genesis_hash,
                            .committee = *committee,
                            .inbox = *inbox,
                            .epoch_blocks = p->epoch_blocks,
                            .evidence_window_blocks = p->evidence_window_blocks,
                            .unbonding_delay_blocks = p->unbonding_delay_blocks,
                            .min_bond_wei = p->min_bond_wei,
                            .inclusion_window_blocks = p->inclusion_window_blocks,
                            .force_grace_blocks = p->force_grace_blocks,
                            .force_fee_wei = p->force_fee_wei,
                            .forced_tx_bytes_max = p->forced_tx_bytes_max};
}

static void print_pair(FILE *f, const seq_addr *committee, const seq_addr *inbox)
{
    char a[43], b[43];
    l1_addr_checksum(a, committee);
    l1_addr_checksum(b, inbox);
    fprintf(f, "Committee %s and Inbox %s", a, b);
}

/* An existing record: it must be this genesis's, on this chain, and its
 * contracts must be there. */
static int deploy_recorded(ctl_deploy *d, const node_l1_record *r)
{
    char why[L1_DEPLOY_WHY_BYTES];
    node_diag mismatch = {{0}};
    if (node_l1_record_matches(&mismatch, d->record_path, r, d->g, &d->genesis_hash) != SEQ_OK) {
        fprintf(d->err, "seqctl l1 deploy: %s; give this genesis its own --out FILE\n",
                mismatch.text);
        return NODE_EXIT_FAILURE;
    }
    params_from_record(&d->params, r);
    uint64_t block = 0;
    seq_err e = l1_deploy_check(&block, why, d->rpc, &d->params, &r->committee, &r->inbox);
    if (e == SEQ_OK && block != r->block_number) {
        snprintf(why, sizeof why, "the Committee was deployed in block %llu, not %llu",
                 (unsigned long long)block, (unsigned long long)r->block_number);
        e = SEQ_ERR_EXISTS;
    }
    if (e != SEQ_OK) {
        fprintf(d->err, "seqctl l1 deploy: %s does not match the chain at %s: %s%s\n",
                d->record_path, d->a->rpc, why,
                e == SEQ_ERR_NOT_FOUND ? " (a new devnet? remove the record to deploy again)" : "");
        return NODE_EXIT_FAILURE;
    }
    fprintf(d->out, "%s: ", d->record_path);
    print_pair(d->out, &r->committee, &r->inbox);
    fprintf(d->out,
            " are deployed for this genesis on L1 chain %llu since block %llu: nothing to "
            "do\n",
            (unsigned long long)r->l1_chain_id, (unsigned long long)r->block_number);
    return NODE_EXIT_OK;
}

static int deploy_write(ctl_deploy *d, node_l1_record *r, const char *what)
{
    node_diag why = {{0}};
    l1_rpc_block b;
    if (l1_rpc_block_by_number(d->rpc, &b, r->block_number) != SEQ_OK) {
        fprintf(d->err, "seqctl l1 deploy: %s\n", l1_rpc_last_error(d->rpc));
        return NODE_EXIT_FAILURE;
    }
    r->block_hash = b.hash;
    if (node_l1_record_write(&why, d->record_path, r) != SEQ_OK) {
        fprintf(d->err, "seqctl l1 deploy: %s\n", why.text);
        return NODE_EXIT_FAILURE;
    }
    fprintf(d->out, "%s ", what);
    print_pair(d->out, &r->committee, &r->inbox);
    fprintf(d->out, " on L1 chain %llu (block %llu)\nwrote %s\n",
            (unsigned long long)r->l1_chain_id, (unsigned long long)r->block_number,
            d->record_path);
    return NODE_EXIT_OK;
}

/* No record yet: adopt the contracts at the genesis addresses if they are
 * there, else deploy (at the genesis addresses, if it names them). */
static int deploy_new(ctl_deploy *d, const uint8_t key[32])
{
    char why[L1_DEPLOY_WHY_BYTES];
    const node_genesis *g = d->g;
    l1_deploy_options o;
    l1_deploy_options_default(&o);
    o.receipt_timeout_ms = d->a->receipt_timeout_ms;
    node_l1_record r;
    if (g->l1.has_committee_address != g->l1.has_inbox_address) {
        fprintf(d->err,
                "seqctl l1 deploy: %s names only one of l1.committee_address and "
                "l1.inbox_address\n",
                d->a->genesis);
        return NODE_EXIT_FAILURE;
    }
    if (g->l1.has_committee_address) {
        uint64_t block = 0;
        seq_err e = l1_deploy_check(&block, why, d->rpc, &d->params, &g->l1.committee_address,
                                    &g->l1.inbox_address);
        if (e == SEQ_OK) {
            node_l1_record_from(&r, &d->params, &d->genesis_hash, &g->l1.committee_address,
                                &g->l1.inbox_address);
            r.block_number = block;
            return deploy_write(d, &r, "found the genesis's");
        }
        if (e != SEQ_ERR_NOT_FOUND) {
            fprintf(d->err, "seqctl l1 deploy: the genesis addresses: %s\n", why);
            return NODE_EXIT_FAILURE;
        }
        o.has_expected = true;
        o.expect_committee = g->l1.committee_address;
        o.expect_inbox = g->l1.inbox_address;
    }
    l1_deployment dep;
    if (l1_deploy(&dep, why, d->rpc, key, &d->params, &o) != SEQ_OK) {
        fprintf(d->err, "seqctl l1 deploy: %s\n", why);
        return NODE_EXIT_FAILURE;
    }
    node_l1_record_from(&r, &d->params, &d->genesis_hash, &dep.committee, &dep.inbox);
    r.has_deployer = true;
    r.deployer = dep.deployer;
    r.block_number = dep.block_number;
    fprintf(d->out, "gas used %llu\n", (unsigned long long)dep.gas_used);
    return deploy_write(d, &r, "deployed");
}

static int deploy_run(ctl_deploy *d)
{
    node_diag why = {{0}};
    if (node_genesis_load(d->g, &why, d->a->genesis) != SEQ_OK) {
        fprintf(d->err, "seqctl l1 deploy: %s\n", why.text);
        return NODE_EXIT_FAILURE;
    }
    if (d->g->validator_count > L1_DEPLOY_MEMBERS_MAX) {
        fprintf(d->err,
                "seqctl l1 deploy: %u validators: the Committee contract takes at most %u\n",
                d->g->validator_count, L1_DEPLOY_MEMBERS_MAX);
        return NODE_EXIT_FAILURE;
    }
    node_genesis_hash(&d->genesis_hash, d->g);
    d->params = d->a->params;
    params_from_genesis(&d->params, d->g);
    if (d->a->out != NULL)
        snprintf(d->record_path, sizeof d->record_path, "%s", d->a->out);
    else
        node_l1_record_default_path(d->record_path, sizeof d->record_path, d->a->genesis);
    node_l1_record r;
    seq_err e = node_l1_record_load(&r, &why, d->record_path);
    if (e == SEQ_OK)
        return deploy_recorded(d, &r);
    if (e != SEQ_ERR_NOT_FOUND) {
        fprintf(d->err, "seqctl l1 deploy: %s\n", why.text);
        return NODE_EXIT_FAILURE;
    }
    uint8_t *key = sodium_malloc(32);
    if (key == NULL) {
        fputs("seqctl l1 deploy: out of memory\n", d->err);
        return NODE_EXIT_FAILURE;
    }
    int code = NODE_EXIT_FAILURE;
    if (deployer_key(key, &why, d->a) != SEQ_OK)
        fprintf(d->err, "seqctl l1 deploy: %s\n", why.text);
    else
        code = deploy_new(d, key);
    sodium_free(key); /* wipes */
    return code;
}

static int predict_run(const ctl_l1_args *a, l1_rpc *rpc, FILE *out, FILE *err)
{
    node_diag why = {{0}};
    uint8_t *key = sodium_malloc(32);
    if (key == NULL) {
        fputs("seqctl l1 predict: out of memory\n", err);
        return NODE_EXIT_FAILURE;
    }
    seq_addr from, committee, inbox;
    uint64_t nonce = 0;
    seq_err e = deployer_key(key, &why, a);
    if (e == SEQ_OK && l1_secp_address(&from, key) != SEQ_OK)
        e = node_diag_set(&why, SEQ_ERR_BAD_KEY, "%s: not a secp256k1 key", a->key);
    sodium_free(key);
    if (e != SEQ_OK) {
        fprintf(err, "seqctl l1 predict: %s\n", why.text);
        return NODE_EXIT_FAILURE;
    }
    if (l1_deploy_predict(&committee, &inbox, &nonce, rpc, &from) != SEQ_OK) {
        fprintf(err, "seqctl l1 predict: %s\n", l1_rpc_last_error(rpc));
        return NODE_EXIT_FAILURE;
    }
    char text[43];
    l1_addr_checksum(text, &from);
    fprintf(out, "deployer  %s (nonce %llu)\n", text, (unsigned long long)nonce);
    l1_addr_checksum(text, &committee);
    fprintf(out, "committee %s\n", text);
    l1_addr_checksum(text, &inbox);
    fprintf(out, "inbox     %s\n", text);
    return NODE_EXIT_OK;
}

/* ------------------------------------------------------- the Committee */

const node_ctl_custom_error node_ctl_committee_errors[] = {
    {"NotAllowlisted(address)", {"caller", NULL}},
    {"BondTooSmall(uint256,uint256)", {"bond", "minBond"}},
    {"AlreadySlashed(address)", {"validator", NULL}},
    {"IsUnbonding(address)", {"validator", NULL}},
    {"NotValidator(address)", {"signer", NULL}},
    {"NotActive(address)", {"validator", NULL}},
    {"CommitteeFull()", {NULL, NULL}},
    {"TransferFailed()", {NULL, NULL}},
    {"UnknownKind(uint8)", {"kind", NULL}},
    {"BadStatement()", {NULL, NULL}},
    {"WrongChainId(uint64)", {"chainId", NULL}},
    {"ViewMismatch(uint64,uint64)", {"viewA", "viewB"}},
    {"IndexMismatch(uint64,uint64)", {"indexA", "indexB"}},
    {"SameContent()", {NULL, NULL}},
    {"SignerMismatch(address,address)", {"signerA", "signerB"}},
    {"BadSignature()", {NULL, NULL}},
    {"HighS()", {NULL, NULL}},
};
const size_t node_ctl_committee_error_count = SEQ_ARRAY_LEN(node_ctl_committee_errors);

seq_err node_ctl_committee_open(node_ctl_committee *out, node_diag *why, l1_rpc *rpc,
                                const char *committee, const char *deployment)
{
    SEQ_ASSERT(out != NULL && rpc != NULL && (committee == NULL) != (deployment == NULL));
    memset(out, 0, sizeof *out);
    node_diag_clear(why);
    out->rpc = rpc;
    seq_err err = SEQ_OK;
    if (deployment != NULL) {
        if ((err = node_l1_record_load(&out->record, why, deployment)) != SEQ_OK)
            return err;
        out->has_record = true;
        out->committee = out->record.committee;
    } else if (node_config_addr_parse(&out->committee, committee) != SEQ_OK) {
        return node_diag_set(
            why, SEQ_ERR_INVALID_ARG,
            "--committee: '%s' is not an address (0x and 40 hex digits, EIP-55 if mixed case)",
            committee);
    }
    if ((err = l1_rpc_chain_id(rpc, &out->chain_id)) != SEQ_OK)
        return node_diag_set(why, err, "%s", l1_rpc_last_error(rpc));
    if (out->has_record && out->record.l1_chain_id != out->chain_id)
        return node_diag_set(why, SEQ_ERR_INVALID_ARG,
                             "%s is a deployment on L1 chain %llu, but the endpoint is chain %llu",
                             deployment, (unsigned long long)out->record.l1_chain_id,
                             (unsigned long long)out->chain_id);
    return SEQ_OK;
}

seq_err node_ctl_committee_view(const node_ctl_committee *c, node_diag *why, uint8_t *out,
                                size_t words, const char *signature, const uint8_t *args,
                                size_t arg_words)
{
    SEQ_ASSERT(c != NULL && out != NULL && signature != NULL && arg_words <= CTL_L1_VIEW_ARGS_MAX);
    uint8_t data[4 + 32 * CTL_L1_VIEW_ARGS_MAX];
    l1_abi_selector(data, signature);
    if (arg_words > 0)
        memcpy(data + 4, args, 32 * arg_words);
    l1_rpc_tx_request req = {
        .has_to = true, .to = c->committee, .data = data, .data_len = 4 + 32 * arg_words};
    size_t len = 0;
    char addr[43], name[NODE_CTL_REVERT_CHARS];
    l1_addr_checksum(addr, &c->committee);
    seq_err err = l1_rpc_eth_call(c->rpc, out, 32 * words, &len, &req, L1_TAG_LATEST);
    if (err == L1_RPC_ERR_REMOTE && l1_rpc_last_kind(c->rpc) == L1_RPC_KIND_REVERTED) {
        if (node_ctl_revert_name(name, sizeof name, c->rpc, node_ctl_committee_errors,
                                 node_ctl_committee_error_count))
            return node_diag_set(why, err, "%s: %s reverts: %s", addr, signature, name);
        return node_diag_set(why, err, "%s is not a Committee (%s reverts)", addr, signature);
    }
    if (err != SEQ_OK && err != SEQ_ERR_NO_SPACE)
        return node_diag_set(why, err, "%s: %s", signature, l1_rpc_last_error(c->rpc));
    if (err == SEQ_ERR_NO_SPACE || len != 32 * words)
        return node_diag_set(why, SEQ_ERR_MALFORMED,
                             "%s is not a Committee (%s returned %zu bytes%s)", addr, signature,
                             len, len == 0 ? ": no contract there?" : "");
    return SEQ_OK;
}

/* A word holding a value below 2^bits (the high bytes zero). */
static bool word_below(uint64_t *out, const uint8_t w[32], unsigned bits)
{
    uint64_t v = 0;
    for (size_t i = 0; i < 24; i++)
        if (w[i] != 0)
            return false;
    for (size_t i = 24; i < 32; i++)
        v = v << 8 | w[i];
    if (bits < 64 && v >> bits != 0)
        return false;
    *out = v;
    return true;
}

seq_err node_ctl_validator_read(node_ctl_validator *out, node_diag *why,
                                const node_ctl_committee *c, const seq_addr *validator)
{
    SEQ_ASSERT(out != NULL && c != NULL && validator != NULL);
    memset(out, 0, sizeof *out);
    uint8_t arg[32], w[5 * 32];
    uint64_t status = 0;
    l1_abi_addr(arg, validator);
    seq_err err = node_ctl_committee_view(c, why, w, 5, "validatorInfo(address)", arg, 1);
    if (err != SEQ_OK)
        return err;
    if (!word_below(&status, w, 8) || !word_below(&out->weight, w + 32, 64) ||
        !word_below(&out->weight_next, w + 64, 64) ||
        !word_below(&out->withdrawable_at, w + 128, 64)) {
        memset(out, 0, sizeof *out);
        return node_diag_set(why, SEQ_ERR_MALFORMED, "validatorInfo returned malformed words");
    }
    out->status = (uint8_t)status;
    memcpy(out->bond_wei, w + 96, 32);
    return SEQ_OK;
}

const char *node_ctl_validator_status_name(uint8_t status)
{
    static const char *const names[] = {"None", "Active", "Unbonding", "Slashed"};
    return status < SEQ_ARRAY_LEN(names) ? names[status] : "?";
}

/* ---------------------------------------------------- bond and validator */

typedef struct {
    const char *name; /* "seqctl l1 bond" */
    bool bond;
    const char *rpc, *committee, *deployment, *key, *passphrase_file, *passphrase_env;
    const char *value, *wait, *address;
    bool insecure, json;
    uint8_t value_wei[32];
    uint64_t wait_ms;
    seq_addr validator; /* l1 validator's ADDR */
} ctl_bond_args;

/* One flag at argv[*i]: 1 taken, 0 unknown, repeated or not this
 * command's, -1 missing value. */
static int ctl_bond_take(ctl_bond_args *a, int argc, char **argv, int *i)
{
    const struct {
        const char *flag;
        const char **value;
        bool bond_only;
    } flags[] = {{"--rpc", &a->rpc, false},
                 {"--committee", &a->committee, false},
                 {"--deployment", &a->deployment, false},
                 {"--key", &a->key, true},
                 {"--passphrase-file", &a->passphrase_file, true},
                 {"--passphrase-env", &a->passphrase_env, true},
                 {"--value-wei", &a->value, true},
                 {"--wait-ms", &a->wait, true}};
    const char *arg = argv[*i];
    bool *toggle = strcmp(arg, "--json") == 0                      ? &a->json
                   : strcmp(arg, "--insecure-key") == 0 && a->bond ? &a->insecure
                                                                   : NULL;
    if (toggle != NULL && !*toggle) {
        *toggle = true;
        return 1;
    }
    for (size_t k = 0; k < SEQ_ARRAY_LEN(flags); k++) {
        if (strcmp(arg, flags[k].flag) != 0 || (flags[k].bond_only && !a->bond) ||
            *flags[k].value != NULL)
            continue;
        if (*i + 1 >= argc)
            return -1;
        *flags[k].value = argv[++*i];
        return 1;
    }
    if (!a->bond && arg[0] != '-' && a->address == NULL) {
        a->address = arg;
        return 1;
    }
    return 0;
}

/* Returns -1 to go on, or the exit code. */
static int ctl_bond_parse(ctl_bond_args *a, int argc, char **argv, FILE *err)
{
    for (int i = 3; i < argc; i++) {
        const char *arg = argv[i];
        if (ctl_bond_take(a, argc, argv, &i) != 1) {
            fprintf(err, "%s: unknown, repeated or incomplete argument '%s'\n", a->name, arg);
            return NODE_EXIT_USAGE;
        }
    }
    static const uint8_t zero[32];
    seq_addr committee;
    const char *problem =
        a->rpc == NULL ? "--rpc URL is required"
        : (a->committee == NULL) == (a->deployment == NULL)
            ? "give one of --committee ADDR and --deployment FILE"
        : a->bond && a->key == NULL   ? "--key KEY is required"
        : a->bond && a->value == NULL ? "--value-wei N is required"
        : a->bond &&
                (!node_ctl_wei_parse(a->value_wei, a->value) || memcmp(a->value_wei, zero, 32) == 0)
            ? "--value-wei: a decimal amount of wei above 0"
        : a->passphrase_file != NULL && a->passphrase_env != NULL
            ? "give one of --passphrase-file and --passphrase-env"
        : a->wait != NULL && (!node_ctl_decimal_u64(&a->wait_ms, a->wait) || a->wait_ms == 0 ||
                              a->wait_ms > NODE_CTL_WAIT_MS_MAX)
            ? "--wait-ms: a number of ms in 1..3600000"
        : !a->bond && a->address == NULL ? "the validator's ADDR is required"
        : !a->bond && node_config_addr_parse(&a->validator, a->address) != SEQ_OK
            ? "ADDR: not an address (0x and 40 hex digits, EIP-55 if mixed case)"
        : a->committee != NULL && node_config_addr_parse(&committee, a->committee) != SEQ_OK
            ? "--committee: not an address (0x and 40 hex digits, EIP-55 if mixed case)"
            : NULL;
    if (problem != NULL) {
        fprintf(err, "%s: %s\n", a->name, problem);
        return NODE_EXIT_USAGE;
    }
    if (a->wait_ms == 0)
        a->wait_ms = NODE_CTL_WAIT_MS_DEFAULT;
    return -1;
}

static void validator_print(FILE *out, const ctl_bond_args *a, const node_ctl_committee *c,
                            const seq_addr *who, const node_ctl_validator *v, uint64_t epoch)
{
    char addr[43], committee[43], bond[NODE_CTL_WEI_CHARS];
    l1_addr_checksum(addr, who);
    l1_addr_checksum(committee, &c->committee);
    node_ctl_wei_text(bond, v->bond_wei);
    const char *status = node_ctl_validator_status_name(v->status);
    if (a->json) {
        fprintf(out,
                "{\"validator\":\"%s\",\"committee\":\"%s\",\"status\":\"%s\",\"weight\":%llu,"
                "\"weight_next\":%llu,\"bond_wei\":\"%s\",\"withdrawable_at\":%llu,"
                "\"epoch\":%llu}\n",
                addr, committee, status, (unsigned long long)v->weight,
                (unsigned long long)v->weight_next, bond, (unsigned long long)v->withdrawable_at,
                (unsigned long long)epoch);
        return;
    }
    fprintf(out,
            "validator      %s\n"
            "committee      %s\n"
            "status         %s\n"
            "weight         %llu in epoch %llu, %llu from epoch %llu\n"
            "bond           %s wei\n",
            addr, committee, status, (unsigned long long)v->weight, (unsigned long long)epoch,
            (unsigned long long)v->weight_next, (unsigned long long)(epoch + 1), bond);
    if (v->withdrawable_at != 0)
        fprintf(out, "withdrawable   from L1 block %llu\n", (unsigned long long)v->withdrawable_at);
    else
        fputs("withdrawable   -\n", out);
}

static int validator_run(const ctl_bond_args *a, const node_ctl_committee *c, FILE *out, FILE *err)
{
    node_diag why = {{0}};
    node_ctl_validator v;
    uint8_t w[32];
    uint64_t epoch = 0;
    if (node_ctl_validator_read(&v, &why, c, &a->validator) != SEQ_OK ||
        node_ctl_committee_view(c, &why, w, 1, "currentEpoch()", NULL, 0) != SEQ_OK) {
        fprintf(err, "%s: %s\n", a->name, why.text);
        return NODE_EXIT_FAILURE;
    }
    if (!word_below(&epoch, w, 64)) {
        fprintf(err, "%s: currentEpoch() returned a value above 2^64\n", a->name);
        return NODE_EXIT_FAILURE;
    }
    validator_print(out, a, c, &a->validator, &v, epoch);
    return NODE_EXIT_OK;
}

static void bond_print(FILE *out, const ctl_bond_args *a, const node_ctl_committee *c,
                       const seq_addr *from, const node_ctl_validator *before,
                       const node_ctl_validator *after, const l1_rpc_tx_receipt *rc)
{
    char addr[43], committee[43], amount[NODE_CTL_WEI_CHARS], bond[NODE_CTL_WEI_CHARS];
    char was[NODE_CTL_WEI_CHARS], tx[2 * SEQ_HASH_BYTES + 3];
    l1_addr_checksum(addr, from);
    l1_addr_checksum(committee, &c->committee);
    node_ctl_wei_text(amount, a->value_wei);
    node_ctl_wei_text(bond, after->bond_wei);
    node_ctl_wei_text(was, before->bond_wei);
    node_config_hex(tx, sizeof tx, rc->tx_hash.b, SEQ_HASH_BYTES);
    const char *status = node_ctl_validator_status_name(after->status);
    if (a->json) {
        fprintf(out,
                "{\"validator\":\"%s\",\"committee\":\"%s\",\"amount_wei\":\"%s\","
                "\"bond_wei\":\"%s\",\"bond_wei_before\":\"%s\",\"status\":\"%s\","
                "\"weight\":%llu,\"weight_next\":%llu,\"l1_tx_hash\":\"%s\",\"l1_block\":%llu,"
                "\"gas_used\":%llu}\n",
                addr, committee, amount, bond, was, status, (unsigned long long)after->weight,
                (unsigned long long)after->weight_next, tx, (unsigned long long)rc->block_number,
                (unsigned long long)rc->gas_used);
        return;
    }
    fprintf(out,
            "bonded %s wei to Committee %s\n"
            "  validator      %s\n"
            "  bond           %s wei (was %s)\n"
            "  status         %s (weight %llu now, %llu from the next epoch)\n"
            "  l1 tx          %s\n"
            "  l1 block       %llu\n"
            "  gas used       %llu\n",
            amount, committee, addr, bond, was, status, (unsigned long long)after->weight,
            (unsigned long long)after->weight_next, tx, (unsigned long long)rc->block_number,
            (unsigned long long)rc->gas_used);
}

/* bond() with --value-wei from the key's account: the validator it bonds
 * for is that account. */
static int bond_run(const ctl_bond_args *a, const node_ctl_committee *c, FILE *out, FILE *err)
{
    node_diag why = {{0}};
    uint8_t *key = sodium_malloc(32);
    if (key == NULL) {
        fprintf(err, "%s: out of memory\n", a->name);
        return NODE_EXIT_FAILURE;
    }
    int code = NODE_EXIT_FAILURE;
    node_ctl_sender s = {.name = a->name,
                         .contract = "Committee",
                         .rpc = c->rpc,
                         .key = key,
                         .to = c->committee,
                         .chain_id = c->chain_id,
                         .wait_ms = a->wait_ms,
                         .errors = node_ctl_committee_errors,
                         .error_count = node_ctl_committee_error_count,
                         .err = err};
    node_ctl_validator before, after;
    l1_rpc_tx_receipt rc;
    uint8_t data[4];
    l1_abi_selector(data, "bond()");
    if (node_ctl_l1_key_load(key, &why, a->key, a->passphrase_file, a->passphrase_env,
                             a->insecure) != SEQ_OK ||
        l1_secp_address(&s.from, key) != SEQ_OK ||
        node_ctl_validator_read(&before, &why, c, &s.from) != SEQ_OK) {
        fprintf(err, "%s: %s\n", a->name, why.text[0] != '\0' ? why.text : "not a secp256k1 key");
        goto free_key;
    }
    if (node_ctl_send(&s, &rc, a->value_wei, data, sizeof data, "bond()") != SEQ_OK)
        goto free_key;
    if (node_ctl_validator_read(&after, &why, c, &s.from) != SEQ_OK) {
        fprintf(err, "%s: bonded in L1 tx, but reading it back: %s\n", a->name, why.text);
        goto free_key;
    }
    bond_print(out, a, c, &s.from, &before, &after, &rc);
    code = NODE_EXIT_OK;
free_key:
    sodium_free(key); /* wipes */
    return code;
}

/* seqctl l1 bond / l1 validator. */
static int ctl_committee_main(bool bond, int argc, char **argv, FILE *out, FILE *err)
{
    ctl_bond_args a = {.name = bond ? "seqctl l1 bond" : "seqctl l1 validator", .bond = bond};
    int code = ctl_bond_parse(&a, argc, argv, err);
    if (code >= 0) {
        node_seqctl_l1_usage(err);
        return code;
    }
    l1_rpc *rpc = NULL;
    if (l1_rpc_new(&rpc, a.rpc, NULL) != SEQ_OK) {
        fprintf(err, "%s: --rpc %s is not an http:// or https:// URL\n", a.name, a.rpc);
        return NODE_EXIT_USAGE;
    }
    node_diag why = {{0}};
    node_ctl_committee *c = calloc(1, sizeof *c);
    if (c == NULL) {
        fprintf(err, "%s: out of memory\n", a.name);
        code = NODE_EXIT_FAILURE;
    } else if (node_ctl_committee_open(c, &why, rpc, a.committee, a.deployment) != SEQ_OK) {
        fprintf(err, "%s: %s\n", a.name, why.text);
        code = NODE_EXIT_FAILURE;
    } else {
        code = bond ? bond_run(&a, c, out, err) : validator_run(&a, c, out, err);
    }
    free(c);
    l1_rpc_free(rpc);
    return code;
}

int node_seqctl_l1(int argc, char **argv, FILE *out, FILE *err)
{
    const char *sub = argc >= 3 ? argv[2] : "";
    if (strcmp(sub, "bond") == 0 || strcmp(sub, "validator") == 0)
        return ctl_committee_main(strcmp(sub, "bond") == 0, argc, argv, out, err);
    bool deploy = strcmp(sub, "deploy") == 0;
    if (!deploy && strcmp(sub, "predict") != 0) {
        fputs("seqctl l1: a subcommand is required: deploy, predict, bond or validator\n", err);
        node_seqctl_l1_usage(err);
        return NODE_EXIT_USAGE;
    }
    ctl_l1_args *a = calloc(1, sizeof(*a));
    ctl_deploy *d = calloc(1, sizeof(*d));
    node_genesis *g = calloc(1, sizeof(*g));
    int code = NODE_EXIT_FAILURE;
    if (a == NULL || d == NULL || g == NULL) {
        fputs("seqctl l1: out of memory\n", err);
        goto free_all;
    }
    code = ctl_l1_parse(a, deploy, argc, argv, err);
    if (code >= 0) {
        node_seqctl_l1_usage(err);
        goto free_all;
    }
    l1_rpc *rpc = NULL;
    if (l1_rpc_new(&rpc, a->rpc, NULL) != SEQ_OK) {
        fprintf(err, "seqctl l1: --rpc %s is not an http:// or https:// URL\n", a->rpc);
        code = NODE_EXIT_USAGE;
        goto free_all;
    }
    *d = (ctl_deploy){.a = a, .g = g, .rpc = rpc, .out = out, .err = err};
    code = deploy ? deploy_run(d) : predict_run(a, rpc, out, err);
    l1_rpc_free(rpc);
free_all:
    free(g);
    free(d);
    free(a);
    return code;
}
