/* Tests for seqd's configuration (node/config.c): the file format, flags
 * overriding it, and node_config_resolve's cross-checks of config, genesis
 * and keys, each failure naming what is wrong. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "l1.h"
#include "node.h"
#include "test_files.h"

#define PASSPHRASE "config test passphrase"

/* Shared by every test (Argon2id runs once): in dir,
 *   sealed/    validator 1, sealed with PASSPHRASE
 *   plain/     validator 2, plaintext
 *   outsider/  validator 3, plaintext, in no genesis
 *   pass       PASSPHRASE (0600)
 *   genesis.json    committee: sealed, plain
 *   mismatch.json   the same but plain's entry has outsider's transport key */
static char *dir;

static void path_in(char out[TF_PATH_BYTES], const char *name)
{
    tf_join(out, dir, name);
}

static void write_keys(const char *name, uint8_t id, const node_key_passphrase *pass,
                       node_key_public *pub)
{
    char path[TF_PATH_BYTES];
    uint8_t secret[32] = {[31] = id}, seed[32];
    memset(seed, id, sizeof seed);
    node_diag why;
    path_in(path, name);
    assert_int_equal(node_key_write(pub, &why, path, secret, seed, pass, NODE_KEY_KDF_INTERACTIVE),
                     SEQ_OK);
}

static void write_genesis(const char *name, const node_key_public *a, const node_key_public *b)
{
    node_genesis *g = malloc(sizeof(*g));
    assert_non_null(g);
    node_genesis_defaults(g);
    g->l2_chain_id = 42;
    g->l1_chain_id = 31337;
    g->validator_count = 2;
    const node_key_public *keys[2] = {a, b};
    for (size_t i = 0; i < 2; i++) {
        g->validators[i].address = keys[i]->validator_address;
        memcpy(g->validators[i].transport_public_key, keys[i]->transport_public_key, 32);
        g->validators[i].weight = 1;
        snprintf(g->validators[i].endpoint, sizeof g->validators[i].endpoint, "tcp://127.0.0.1:%zu",
                 7101 + i);
    }
    char path[TF_PATH_BYTES];
    node_diag why;
    path_in(path, name);
    assert_int_equal(node_genesis_write(&why, path, g), SEQ_OK);
    free(g);
}

static int group_setup(void **state)
{
    (void)state;
    dir = tf_mkdtemp();
    char path[TF_PATH_BYTES];
    path_in(path, "pass");
    tf_write(path, PASSPHRASE "\n", 0600);
    node_key_passphrase pass;
    node_diag why;
    assert_int_equal(node_key_passphrase_read(&pass, &why, path, NULL), SEQ_OK);
    node_key_public sealed, plain, outsider;
    write_keys("sealed", 1, &pass, &sealed);
    write_keys("plain", 2, NULL, &plain);
    write_keys("outsider", 3, NULL, &outsider);
    node_key_passphrase_free(&pass);
    write_genesis("genesis.json", &sealed, &plain);
    memcpy(plain.transport_public_key, outsider.transport_public_key, 32);
    write_genesis("mismatch.json", &sealed, &plain);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    tf_rmtree(dir);
    free(dir);
    return 0;
}

/* Writes text as the config file name; returns its path in out. */
static const char *config_file(char out[TF_PATH_BYTES], const char *name, const char *text)
{
    path_in(out, name);
    tf_write(out, text, 0644);
    return out;
}

static void test_load_full(void **state)
{
    (void)state;
    char path[TF_PATH_BYTES], want[TF_PATH_BYTES];
    config_file(path, "full.json",
                "{\"version\": 1, \"data_dir\": \"data\", \"genesis\": \"/abs/genesis.json\",\n"
                " \"key_dir\": \"keys\", \"passphrase_file\": \"pass\", \"insecure_key\": true,\n"
                " \"listen\": \"tcp://0.0.0.0:7001\", \"rpc_listen\": \"http://127.0.0.1:8645\",\n"
                " \"l1_rpc\": \"https://l1.example:8545/v1\", \"log_level\": \"debug\",\n"
                " \"log_format\": \"json\"}");
    node_config c;
    node_diag why;
    assert_int_equal(node_config_load(&c, &why, path), SEQ_OK);
    assert_string_equal(why.text, "");
    /* relative paths are relative to the file's directory */
    assert_string_equal(c.data_dir, tf_join(want, dir, "data"));
    assert_string_equal(c.key_dir, tf_join(want, dir, "keys"));
    assert_string_equal(c.passphrase_file, tf_join(want, dir, "pass"));
    assert_string_equal(c.genesis, "/abs/genesis.json");
    assert_string_equal(c.passphrase_env, "");
    assert_true(c.insecure_key);
    assert_string_equal(c.listen, "tcp://0.0.0.0:7001");
    assert_string_equal(c.rpc_listen, "http://127.0.0.1:8645");
    assert_string_equal(c.l1_rpc, "https://l1.example:8545/v1");
    assert_int_equal(c.log_level, SEQ_LOG_DEBUG);
    assert_int_equal(c.log_format, SEQ_LOG_JSON);

    config_file(path, "minimal.json",
                "{\"version\": 1, \"passphrase_env\": \"SEQD_PASS\", "
                "\"rpc_listen\": null, \"l1_rpc\": null}");
    assert_int_equal(node_config_load(&c, &why, path), SEQ_OK);
    node_config d;
    node_config_defaults(&d);
    snprintf(d.passphrase_env, sizeof d.passphrase_env, "SEQD_PASS");
    assert_memory_equal(&c, &d, sizeof c);
    assert_int_equal(c.log_level, SEQ_LOG_INFO);
}

static void test_load_errors(void **state)
{
    (void)state;
    const struct {
        const char *text;
        seq_err code;
        const char *why;
    } cases[] = {
        {"{\"version\": 2}", SEQ_ERR_BAD_VERSION, "version: 2 is not supported"},
        {"{}", SEQ_ERR_MALFORMED, "version: missing field"},
        {"{\"version\": 1, \"datadir\": \"x\"}", SEQ_ERR_MALFORMED, "datadir: unknown field"},
        {"{\"version\": 1, \"data_dir\": 5}", SEQ_ERR_MALFORMED, "data_dir: must be a string"},
        {"{\"version\": 1, \"data_dir\": \"\"}", SEQ_ERR_INVALID_ARG, "data_dir: empty path"},
        {"{\"version\": 1, \"genesis\": [\"g\"]}", SEQ_ERR_MALFORMED, "genesis: must be a string"},
        {"{\"version\": 1, \"insecure_key\": \"yes\"}", SEQ_ERR_MALFORMED,
         "insecure_key: must be true or false"},
        {"{\"version\": 1, \"listen\": \"http://127.0.0.1:7001\"}", SEQ_ERR_INVALID_ARG,
         "listen: \"http://127.0.0.1:7001\" is not tcp://HOST:PORT"},
        {"{\"version\": 1, \"listen\": \"tcp://127.0.0.1:99999\"}", SEQ_ERR_INVALID_ARG, "listen"},
        {"{\"version\": 1, \"rpc_listen\": \"tcp://127.0.0.1:8545\"}", SEQ_ERR_INVALID_ARG,
         "rpc_listen: \"tcp://127.0.0.1:8545\" is not http://HOST:PORT"},
        {"{\"version\": 1, \"rpc_listen\": \"http://127.0.0.1\"}", SEQ_ERR_INVALID_ARG,
         "rpc_listen"},
        {"{\"version\": 1, \"l1_rpc\": \"ftp://x\"}", SEQ_ERR_INVALID_ARG, "l1_rpc: \"ftp://x\""},
        {"{\"version\": 1, \"log_level\": \"loud\"}", SEQ_ERR_INVALID_ARG,
         "log_level: \"loud\" is not debug, info, warn or error"},
        {"{\"version\": 1, \"log_format\": \"xml\"}", SEQ_ERR_INVALID_ARG,
         "log_format: \"xml\" is not text or json"},
        {"{\"version\": 1, \"passphrase_env\": \"1PASS\"}", SEQ_ERR_INVALID_ARG, "passphrase_env"},
        {"{\"version\": 1, \"passphrase_env\": \"A-B\"}", SEQ_ERR_INVALID_ARG, "passphrase_env"},
        {"{\"version\": 1, \"passphrase_env\": \"P\", \"passphrase_file\": \"f\"}",
         SEQ_ERR_INVALID_ARG, "passphrase_file and passphrase_env: give at most one"},
        {"{\"version\": 1, \"version\": 1}", SEQ_ERR_MALFORMED, "duplicate"},
        {"{\"version\": 1,}", SEQ_ERR_MALFORMED, "not valid JSON: line 1"},
        {"[1]", SEQ_ERR_MALFORMED, "must be a JSON object"},
    };
    char path[TF_PATH_BYTES];
    for (size_t i = 0; i < SEQ_ARRAY_LEN(cases); i++) {
        config_file(path, "bad.json", cases[i].text);
        node_config c;
        node_diag why;
        memset(&c, 0xaa, sizeof c);
        seq_err err = node_config_load(&c, &why, path);
        if (err != cases[i].code || strstr(why.text, cases[i].why) == NULL ||
            strstr(why.text, "bad.json") == NULL)
            fail_msg("case %zu: got %s \"%s\"", i, seq_errname(err), why.text);
        for (size_t b = 0; b < sizeof c; b++)
            assert_int_equal(((const uint8_t *)&c)[b], 0);
    }
    node_config c;
    node_diag why;
    assert_int_equal(node_config_load(&c, &why, "/nonexistent/seqd.json"), SEQ_ERR_NOT_FOUND);
    assert_string_equal(why.text, "config file /nonexistent/seqd.json: no such file");
    /* a path that no longer fits once joined to the file's directory */
    char text[NODE_CONFIG_PATH_BYTES_MAX + 64];
    char longname[NODE_CONFIG_PATH_BYTES_MAX];
    memset(longname, 'x', sizeof longname - 8);
    longname[sizeof longname - 8] = '\0';
    snprintf(text, sizeof text, "{\"version\": 1, \"key_dir\": \"%s\"}", longname);
    config_file(path, "long.json", text);
    assert_int_equal(node_config_load(&c, &why, path), SEQ_ERR_INVALID_ARG);
    assert_non_null(strstr(why.text, "key_dir: path longer than 1023 bytes"));
}

static void test_flags(void **state)
{
    (void)state;
    char path[TF_PATH_BYTES];
    config_file(path, "base.json",
                "{\"version\": 1, \"data_dir\": \"/d\", \"key_dir\": \"/k\", "
                "\"passphrase_env\": \"SEQD_PASS\"}");
    node_config c;
    node_diag why;
    assert_int_equal(node_config_load(&c, &why, path), SEQ_OK);
    node_config_flags flags = {.data_dir = "rel/data",
                               .genesis = "g.json",
                               .listen = "tcp://[::1]:7001",
                               .rpc_listen = "http://localhost:8645",
                               .l1_rpc = "http://127.0.0.1:8545",
                               .log_level = "warn",
                               .log_format = "json",
                               .passphrase_file = "p",
                               .insecure_key = true};
    assert_int_equal(node_config_apply_flags(&c, &why, &flags), SEQ_OK);
    assert_string_equal(c.data_dir, "rel/data"); /* flags are relative to the working dir */
    assert_string_equal(c.genesis, "g.json");
    assert_string_equal(c.key_dir, "/k");
    assert_string_equal(c.listen, "tcp://[::1]:7001");
    assert_string_equal(c.passphrase_file, "p");
    assert_string_equal(c.passphrase_env, ""); /* the flag replaces the file's source */
    assert_true(c.insecure_key);
    assert_int_equal(c.log_level, SEQ_LOG_WARN);
    assert_int_equal(c.log_format, SEQ_LOG_JSON);

    const struct {
        node_config_flags flags;
        const char *why;
    } bad[] = {
        {{.listen = "tcp://h"}, "--listen: \"tcp://h\" is not tcp://HOST:PORT"},
        {{.rpc_listen = "https://h:1"}, "--rpc-listen"},
        {{.l1_rpc = "h:1"}, "--l1-rpc"},
        {{.log_level = "trace"}, "--log-level: \"trace\""},
        {{.log_format = "yaml"}, "--log-format"},
        {{.data_dir = ""}, "--data-dir: empty path"},
        {{.data_dir = "/ok", .key_dir = ""}, "--key-dir: empty path"},
    };
    for (size_t i = 0; i < SEQ_ARRAY_LEN(bad); i++) {
        node_config before = c;
        assert_int_equal(node_config_apply_flags(&c, &why, &bad[i].flags), SEQ_ERR_INVALID_ARG);
        if (strstr(why.text, bad[i].why) == NULL)
            fail_msg("case %zu: \"%s\"", i, why.text);
        assert_memory_equal(&c, &before, sizeof c); /* unchanged */
    }
    node_config_flags none = {0};
    node_config before = c;
    assert_int_equal(node_config_apply_flags(&c, &why, &none), SEQ_OK);
    assert_memory_equal(&c, &before, sizeof c);
}

/* A config for key directory keys and genesis file genesis in dir. */
static void make_config(node_config *c, const char *keys, const char *genesis)
{
    node_config_defaults(c);
    path_in(c->data_dir, "data");
    path_in(c->key_dir, keys);
    path_in(c->genesis, genesis);
}

static void test_resolve(void **state)
{
    (void)state;
    node_config_resolved *r = malloc(sizeof(*r));
    node_genesis *g = malloc(sizeof(*g));
    assert_non_null(r);
    assert_non_null(g);
    node_config c;
    node_diag why;
    make_config(&c, "sealed", "genesis.json");
    path_in(c.passphrase_file, "pass");
    assert_int_equal(node_config_resolve(r, &why, &c), SEQ_OK);
    assert_string_equal(why.text, "");
    assert_int_equal(r->self_index, 0);
    assert_false(r->keys.insecure);
    assert_non_null(r->keys.secrets);
    assert_string_equal(r->config.listen, "tcp://127.0.0.1:7101"); /* from genesis */
    assert_false(r->data_dir_exists);
    assert_int_equal(node_genesis_load(g, &why, c.genesis), SEQ_OK);
    seq_hash h;
    node_genesis_hash(&h, g);
    assert_memory_equal(&h, &r->genesis_hash, sizeof h);
    assert_true(seq_addr_equal(&r->keys.pub.validator_address, &g->validators[0].address));
    node_config_release(r);
    assert_null(r->keys.secrets);
    assert_int_equal(r->genesis.validator_count, 0);

    /* the plaintext key with the flag, an explicit listen, an existing data dir */
    make_config(&c, "plain", "genesis.json");
    c.insecure_key = true;
    snprintf(c.listen, sizeof c.listen, "tcp://0.0.0.0:9000");
    assert_int_equal(mkdir(c.data_dir, 0700), 0);
    assert_int_equal(node_config_resolve(r, &why, &c), SEQ_OK);
    assert_int_equal(r->self_index, 1);
    assert_true(r->keys.insecure);
    assert_true(r->data_dir_exists);
    assert_string_equal(r->config.listen, "tcp://0.0.0.0:9000");
    node_config_release(r);
    assert_int_equal(rmdir(c.data_dir), 0);

    /* the passphrase from the environment */
    make_config(&c, "sealed", "genesis.json");
    snprintf(c.passphrase_env, sizeof c.passphrase_env, "SEQ_TEST_CONFIG_PASS");
    assert_int_equal(setenv("SEQ_TEST_CONFIG_PASS", PASSPHRASE, 1), 0);
    assert_int_equal(node_config_resolve(r, &why, &c), SEQ_OK);
    node_config_release(r);
    assert_int_equal(unsetenv("SEQ_TEST_CONFIG_PASS"), 0);
    free(g);
    free(r);
}

/* With l1_rpc: the deployment record next to the genesis (or at
 * l1_deployment) must be this genesis's; L1 itself is not contacted. */
static void test_resolve_l1(void **state)
{
    (void)state;
    node_config_resolved *r = malloc(sizeof(*r));
    node_genesis *g = malloc(sizeof(*g));
    assert_non_null(r);
    assert_non_null(g);
    node_config c;
    node_diag why;
    make_config(&c, "plain", "genesis.json");
    c.insecure_key = true;
    snprintf(c.l1_rpc, sizeof c.l1_rpc, "http://127.0.0.1:1");
    assert_int_equal(node_config_resolve(r, &why, &c), SEQ_ERR_NOT_FOUND);
    assert_non_null(strstr(why.text, "no L1 deployment record"));

    assert_int_equal(node_genesis_load(g, &why, c.genesis), SEQ_OK);
    node_l1_record rec;
    memset(&rec, 0, sizeof rec);
    rec.l1_chain_id = g->l1_chain_id;
    rec.l2_chain_id = g->l2_chain_id;
    node_genesis_hash(&rec.genesis_hash, g);
    memset(rec.committee.b, 0xc0, sizeof rec.committee.b);
    memset(rec.inbox.b, 0x1b, sizeof rec.inbox.b);
    rec.block_number = 7;
    rec.epoch_blocks = 20;
    rec.evidence_window_blocks = 30;
    rec.unbonding_delay_blocks = 40;
    rec.inclusion_window_blocks = 32;
    rec.forced_tx_bytes_max = 4096;
    char path[TF_PATH_BYTES];
    path_in(path, NODE_L1_RECORD_FILE);
    assert_int_equal(node_l1_record_write(&why, path, &rec), SEQ_OK);
    assert_int_equal(node_config_resolve(r, &why, &c), SEQ_OK);
    assert_true(r->has_l1);
    assert_int_equal(r->l1.block_number, 7);
    assert_true(seq_addr_equal(&r->l1.inbox, &rec.inbox));
    assert_string_equal(r->config.l1_deployment, path);
    node_config_release(r);
    assert_int_equal(unlink(path), 0);

    /* Another genesis's record, named by l1_deployment. */
    rec.genesis_hash.b[0] ^= 1;
    path_in(c.l1_deployment, "other-record.json");
    assert_int_equal(node_l1_record_write(&why, c.l1_deployment, &rec), SEQ_OK);
    assert_int_equal(node_config_resolve(r, &why, &c), SEQ_ERR_INVALID_ARG);
    assert_non_null(strstr(why.text, "another genesis"));
    assert_int_equal(unlink(c.l1_deployment), 0);

    /* Without l1_rpc nothing is read. */
    c.l1_rpc[0] = '\0';
    assert_int_equal(node_config_resolve(r, &why, &c), SEQ_OK);
    assert_false(r->has_l1);
    node_config_release(r);
    free(g);
    free(r);
}

static void test_numbers(void **state)
{
    (void)state;
    char path[TF_PATH_BYTES];
    node_config c;
    node_diag why;
    config_file(path, "poll.json", "{\"version\": 1, \"l1_poll_ms\": 250}");
    assert_int_equal(node_config_load(&c, &why, path), SEQ_OK);
    assert_int_equal(c.l1_poll_ms, 250);
    config_file(path, "poll.json", "{\"version\": 1}");
    assert_int_equal(node_config_load(&c, &why, path), SEQ_OK);
    assert_int_equal(c.l1_poll_ms, NODE_CONFIG_L1_POLL_MS_DEFAULT);
    config_file(path, "poll.json", "{\"version\": 1, \"l1_poll_ms\": 10}");
    assert_int_equal(node_config_load(&c, &why, path), SEQ_ERR_INVALID_ARG);
    assert_non_null(strstr(why.text, "l1_poll_ms"));
    config_file(path, "poll.json", "{\"version\": 1, \"l1_poll_ms\": \"fast\"}");
    assert_int_equal(node_config_load(&c, &why, path), SEQ_ERR_MALFORMED);

    /* The pool's caps: absent is 0 (the mempool's defaults), each bounded. */
    config_file(path, "pool.json",
                "{\"version\": 1, \"mempool_txs_max\": 2000, \"mempool_bytes_max\": 1048576, "
                "\"mempool_sender_txs_max\": 16}");
    assert_int_equal(node_config_load(&c, &why, path), SEQ_OK);
    assert_int_equal(c.mempool_txs_max, 2000);
    assert_int_equal(c.mempool_bytes_max, 1048576);
    assert_int_equal(c.mempool_sender_txs_max, 16);
    config_file(path, "pool.json", "{\"version\": 1}");
    assert_int_equal(node_config_load(&c, &why, path), SEQ_OK);
    assert_int_equal(c.mempool_txs_max, 0);
    config_file(path, "pool.json", "{\"version\": 1, \"mempool_txs_max\": 0}");
    assert_int_equal(node_config_load(&c, &why, path), SEQ_ERR_INVALID_ARG);
    assert_non_null(strstr(why.text, "mempool_txs_max"));
    config_file(path, "pool.json", "{\"version\": 1, \"mempool_bytes_max\": 1000}");
    assert_int_equal(node_config_load(&c, &why, path), SEQ_ERR_INVALID_ARG);
    config_file(path, "pool.json", "{\"version\": 1, \"mempool_sender_txs_max\": 5000}");
    assert_int_equal(node_config_load(&c, &why, path), SEQ_ERR_INVALID_ARG);
    /* The settle time of new senders' lanes: default, 0 (no hold), bound. */
    config_file(path, "pool.json", "{\"version\": 1}");
    assert_int_equal(node_config_load(&c, &why, path), SEQ_OK);
    assert_int_equal(c.mempool_settle_ms, NODE_CONFIG_SETTLE_MS_DEFAULT);
    config_file(path, "pool.json", "{\"version\": 1, \"mempool_settle_ms\": 0}");
    assert_int_equal(node_config_load(&c, &why, path), SEQ_OK);
    assert_int_equal(c.mempool_settle_ms, 0);
    config_file(path, "pool.json", "{\"version\": 1, \"mempool_settle_ms\": 10001}");
    assert_int_equal(node_config_load(&c, &why, path), SEQ_ERR_INVALID_ARG);
    assert_non_null(strstr(why.text, "mempool_settle_ms"));
}

/* "test": accepted only by a build with test modes; addresses checked. */
static void test_test_modes(void **state)
{
    (void)state;
    char path[TF_PATH_BYTES];
    node_config c;
    node_diag why;
    config_file(path, "test.json",
                "{\"version\": 1, \"test\": {\"censor_senders\": "
                "[\"0x00000000000000000000000000000000000000a1\", "
                "\"0x00000000000000000000000000000000000000b2\"]}}");
#ifdef SEQ_TEST_MODES
    assert_int_equal(node_config_load(&c, &why, path), SEQ_OK);
    assert_int_equal(c.censor_count, 2);
    assert_int_equal(c.censor[0].b[19], 0xa1);
    assert_int_equal(c.censor[1].b[19], 0xb2);
    assert_false(c.equivocate_votes);
    config_file(path, "test.json", "{\"version\": 1}");
    assert_int_equal(node_config_load(&c, &why, path), SEQ_OK);
    assert_int_equal(c.censor_count, 0);
    assert_false(c.equivocate_votes);
    config_file(path, "test.json", "{\"version\": 1, \"test\": {\"equivocate\": \"vote\"}}");
    assert_int_equal(node_config_load(&c, &why, path), SEQ_OK);
    assert_true(c.equivocate_votes);
    assert_int_equal(c.censor_count, 0);
    config_file(path, "test.json", "{\"version\": 1, \"test\": {\"equivocate\": \"proposal\"}}");
    assert_int_equal(node_config_load(&c, &why, path), SEQ_ERR_MALFORMED);
    assert_non_null(strstr(why.text, "test.equivocate"));
    config_file(path, "test.json", "{\"version\": 1, \"test\": {\"equivocate\": true}}");
    assert_int_equal(node_config_load(&c, &why, path), SEQ_ERR_MALFORMED);
    config_file(path, "test.json", "{\"version\": 1, \"test\": {\"censor_senders\": [\"0x12\"]}}");
    assert_int_equal(node_config_load(&c, &why, path), SEQ_ERR_MALFORMED);
    assert_non_null(strstr(why.text, "censor_senders[0]"));
    config_file(path, "test.json", "{\"version\": 1, \"test\": {\"loud\": true}}");
    assert_int_equal(node_config_load(&c, &why, path), SEQ_ERR_MALFORMED);
    config_file(path, "test.json", "{\"version\": 1, \"test\": 3}");
    assert_int_equal(node_config_load(&c, &why, path), SEQ_ERR_MALFORMED);
    char text[2048];
    int n = snprintf(text, sizeof text, "{\"version\": 1, \"test\": {\"censor_senders\": [");
    for (unsigned i = 0; i <= NODE_CONFIG_CENSOR_MAX; i++)
        n += snprintf(text + n, sizeof text - (size_t)n, "%s\"0x%040x\"", i > 0 ? ", " : "", i + 1);
    snprintf(text + n, sizeof text - (size_t)n, "]}}");
    config_file(path, "test.json", text);
    assert_int_equal(node_config_load(&c, &why, path), SEQ_ERR_MALFORMED);
#else
    assert_int_equal(node_config_load(&c, &why, path), SEQ_ERR_INVALID_ARG);
    assert_non_null(strstr(why.text, "SEQ_TEST_MODES"));
#endif
}

/* Loads text as a config file; the error, with why.text containing needle
 * (NULL: any) on failure. */
static seq_err load_text(node_config *c, node_diag *why, const char *text, const char *needle)
{
    char path[TF_PATH_BYTES];
    config_file(path, "faults.json", text);
    seq_err err = node_config_load(c, why, path);
    if (err != SEQ_OK && needle != NULL && strstr(why->text, needle) == NULL)
        fail_msg("\"%s\" does not name %s", why->text, needle);
    return err;
}

/* "test": {"faults": true, "fault_seed": N}: the transport's fault layer,
 * only in builds with test modes; types and the seed's range checked. */
static void test_test_faults(void **state)
{
    (void)state;
    node_config c;
    node_diag why;
#ifdef SEQ_TEST_MODES
    assert_int_equal(load_text(&c, &why, "{\"version\": 1, \"test\": {\"faults\": true}}", NULL),
                     SEQ_OK);
    assert_true(c.test_faults);
    assert_false(c.has_fault_seed); /* the runtime seeds with the committee index */
    assert_int_equal(c.censor_count, 0);
    assert_false(c.equivocate_votes);
    assert_int_equal(load_text(&c, &why,
                               "{\"version\": 1, \"test\": {\"faults\": true, "
                               "\"fault_seed\": 9007199254740991, \"equivocate\": \"vote\"}}",
                               NULL),
                     SEQ_OK);
    assert_true(c.test_faults);
    assert_true(c.has_fault_seed);
    assert_int_equal(c.fault_seed, NODE_CONFIG_FAULT_SEED_MAX);
    assert_true(c.equivocate_votes);
    assert_int_equal(load_text(&c, &why,
                               "{\"version\": 1, \"test\": {\"faults\": true, \"fault_seed\": 0}}",
                               NULL),
                     SEQ_OK);
    assert_true(c.has_fault_seed);
    assert_int_equal(c.fault_seed, 0);
    assert_int_equal(load_text(&c, &why, "{\"version\": 1, \"test\": {\"faults\": false}}", NULL),
                     SEQ_OK);
    assert_false(c.test_faults);
    assert_int_equal(load_text(&c, &why, "{\"version\": 1, \"test\": {}}", NULL), SEQ_OK);
    assert_false(c.test_faults);
    assert_int_equal(load_text(&c, &why, "{\"version\": 1}", NULL), SEQ_OK);
    assert_false(c.test_faults);
    assert_false(c.has_fault_seed);

    /* Bad types, out of range, a seed without faults. */
    const struct {
        const char *text;
        seq_err code;
        const char *why;
    } bad[] = {
        {"{\"version\": 1, \"test\": {\"faults\": 1}}", SEQ_ERR_MALFORMED,
         "test.faults: must be true or false"},
        {"{\"version\": 1, \"test\": {\"faults\": \"yes\"}}", SEQ_ERR_MALFORMED, "test.faults"},
        {"{\"version\": 1, \"test\": {\"faults\": null}}", SEQ_ERR_MALFORMED, "test.faults"},
        {"{\"version\": 1, \"test\": {\"faults\": true, \"fault_seed\": \"7\"}}", SEQ_ERR_MALFORMED,
         "test.fault_seed: must be an integer"},
        {"{\"version\": 1, \"test\": {\"faults\": true, \"fault_seed\": 1.5}}", SEQ_ERR_MALFORMED,
         "test.fault_seed: must be an integer"},
        {"{\"version\": 1, \"test\": {\"faults\": true, \"fault_seed\": -1}}", SEQ_ERR_INVALID_ARG,
         "test.fault_seed: -1 is outside 0..9007199254740991"},
        {"{\"version\": 1, \"test\": {\"faults\": true, \"fault_seed\": 9007199254740992}}",
         SEQ_ERR_INVALID_ARG, "test.fault_seed"},
        {"{\"version\": 1, \"test\": {\"fault_seed\": 7}}", SEQ_ERR_INVALID_ARG,
         "test.fault_seed: needs \"faults\": true"},
        {"{\"version\": 1, \"test\": {\"faults\": false, \"fault_seed\": 7}}", SEQ_ERR_INVALID_ARG,
         "needs \"faults\": true"},
        {"{\"version\": 1, \"test\": {\"faults\": true, \"fault\": 7}}", SEQ_ERR_MALFORMED,
         "fault"},
    };
    for (size_t i = 0; i < SEQ_ARRAY_LEN(bad); i++) {
        seq_err err = load_text(&c, &why, bad[i].text, bad[i].why);
        if (err != bad[i].code)
            fail_msg("case %zu: got %s \"%s\"", i, seq_errname(err), why.text);
        assert_false(c.test_faults); /* zeroed on failure */
    }
#else
    assert_int_equal(
        load_text(&c, &why, "{\"version\": 1, \"test\": {\"faults\": true}}", "SEQ_TEST_MODES"),
        SEQ_ERR_INVALID_ARG);
    assert_false(c.test_faults);
    assert_int_equal(
        load_text(&c, &why, "{\"version\": 1, \"test\": {\"faults\": false}}", "SEQ_TEST_MODES"),
        SEQ_ERR_INVALID_ARG);
#endif
}

typedef enum {
    NO_DATA_DIR,
    NO_GENESIS_FILE,
    OUTSIDER,
    TRANSPORT_MISMATCH,
    NO_PASSPHRASE,
    WRONG_PASSPHRASE,
    PLAINTEXT_REFUSED,
    NO_PASSPHRASE_FILE,
    DATA_DIR_PARENT_MISSING,
    DATA_DIR_IS_FILE,
    MISSING_KEY_DIR,
    BAD_GENESIS,
} resolve_fault;

static void test_resolve_errors(void **state)
{
    (void)state;
    const struct {
        resolve_fault fault;
        seq_err code;
        const char *why;
    } cases[] = {
        {NO_DATA_DIR, SEQ_ERR_INVALID_ARG,
         "data_dir is not set (config field \"data_dir\" or --data-dir)"},
        {NO_GENESIS_FILE, SEQ_ERR_NOT_FOUND, "nope.json: no such file"},
        {OUTSIDER, SEQ_ERR_NOT_FOUND, "is not in the genesis committee"},
        {TRANSPORT_MISMATCH, SEQ_ERR_BAD_KEY,
         "transport.key) does not match committee[1].transport_public_key"},
        {NO_PASSPHRASE, SEQ_ERR_INVALID_ARG, "no passphrase was given"},
        {WRONG_PASSPHRASE, SEQ_ERR_BAD_KEY, "wrong passphrase or corrupt key file"},
        {PLAINTEXT_REFUSED, SEQ_ERR_UNSUPPORTED, "refused without --insecure-key"},
        {NO_PASSPHRASE_FILE, SEQ_ERR_NOT_FOUND, "passphrase file"},
        {DATA_DIR_PARENT_MISSING, SEQ_ERR_NOT_FOUND, "its parent directory"},
        {DATA_DIR_IS_FILE, SEQ_ERR_INVALID_ARG, "exists and is not a directory"},
        {MISSING_KEY_DIR, SEQ_ERR_NOT_FOUND, "no such key file"},
        {BAD_GENESIS, SEQ_ERR_MALFORMED, "pass: not valid JSON"},
    };
    node_config_resolved *r = malloc(sizeof(*r));
    assert_non_null(r);
    char wrong[TF_PATH_BYTES];
    path_in(wrong, "wrong-pass");
    tf_write(wrong, "not it\n", 0600);
    for (size_t i = 0; i < SEQ_ARRAY_LEN(cases); i++) {
        node_config c;
        make_config(&c, "sealed", "genesis.json");
        path_in(c.passphrase_file, "pass");
        switch (cases[i].fault) {
        case NO_DATA_DIR:
            c.data_dir[0] = '\0';
            break;
        case NO_GENESIS_FILE:
            path_in(c.genesis, "nope.json");
            break;
        case OUTSIDER:
            path_in(c.key_dir, "outsider"), c.insecure_key = true;
            break;
        case TRANSPORT_MISMATCH:
            path_in(c.key_dir, "plain"), path_in(c.genesis, "mismatch.json");
            c.insecure_key = true;
            break;
        case NO_PASSPHRASE:
            c.passphrase_file[0] = '\0';
            break;
        case WRONG_PASSPHRASE:
            snprintf(c.passphrase_file, sizeof c.passphrase_file, "%s", wrong);
            break;
        case PLAINTEXT_REFUSED:
            path_in(c.key_dir, "plain");
            break;
        case NO_PASSPHRASE_FILE:
            path_in(c.passphrase_file, "nope");
            break;
        case DATA_DIR_PARENT_MISSING:
            path_in(c.data_dir, "a/b/c");
            break;
        case DATA_DIR_IS_FILE:
            path_in(c.data_dir, "pass");
            break;
        case MISSING_KEY_DIR:
            path_in(c.key_dir, "nokeys");
            break;
        case BAD_GENESIS:
            path_in(c.genesis, "pass");
            break;
        }
        node_diag why;
        memset(r, 0xaa, sizeof(*r));
        seq_err err = node_config_resolve(r, &why, &c);
        if (err != cases[i].code || strstr(why.text, cases[i].why) == NULL)
            fail_msg("case %zu: got %s \"%s\"", i, seq_errname(err), why.text);
        for (size_t b = 0; b < sizeof(*r); b++)
            assert_int_equal(((const uint8_t *)r)[b], 0);
    }
    free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_load_full),      cmocka_unit_test(test_load_errors),
        cmocka_unit_test(test_flags),          cmocka_unit_test(test_resolve),
        cmocka_unit_test(test_resolve_errors), cmocka_unit_test(test_resolve_l1),
        cmocka_unit_test(test_numbers),        cmocka_unit_test(test_test_modes),
        cmocka_unit_test(test_test_faults),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
