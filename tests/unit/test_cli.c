/* Tests for seqd / seqctl argument handling (in-process) and the installed
 * binaries (as a user runs them). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "anvil.h"
#include "internal.h"
#include "l1.h"
#include "node.h"
#include "test_files.h"

typedef struct {
    int code;
    char out[8192];
    char err[8192];
} run_result;

static void run(run_result *r, int (*fn)(int, char **, FILE *, FILE *), int argc, char **argv)
{
    FILE *out = tmpfile(), *err = tmpfile();
    assert_non_null(out);
    assert_non_null(err);
    r->code = fn(argc, argv, out, err);
    rewind(out);
    rewind(err);
    size_t n = fread(r->out, 1, sizeof r->out - 1, out);
    r->out[n] = '\0';
    n = fread(r->err, 1, sizeof r->err - 1, err);
    r->err[n] = '\0';
    fclose(out);
    fclose(err);
}

static void test_version_line(void **state)
{
    (void)state;
    char line[512];
    node_version_line(line, sizeof line);
    assert_true(strncmp(line, "seqd " SEQ_VERSION " (wire v1; ", 17) == 0);
    for (const char *lib = "libsodium\0nng\0lmdb\0protobuf-c\0zstd\0curl\0jansson\0"; *lib;
         lib += strlen(lib) + 1)
        assert_non_null(strstr(line, lib));
    char small[8];
    node_version_line(small, sizeof small);
    assert_string_equal(small, "seqd 0.");
}

static void test_seqd_args(void **state)
{
    (void)state;
    run_result r;
    char *v[] = {"seqd", "--version", NULL};
    run(&r, node_seqd_main, 2, v);
    assert_int_equal(r.code, NODE_EXIT_OK);
    assert_true(strncmp(r.out, "seqd " SEQ_VERSION, 10) == 0);

    char *h[] = {"seqd", "--help", NULL};
    run(&r, node_seqd_main, 2, h);
    assert_int_equal(r.code, NODE_EXIT_OK);
    assert_non_null(strstr(r.out, "--config FILE"));

    char *none[] = {"seqd", NULL};
    run(&r, node_seqd_main, 1, none);
    assert_int_equal(r.code, NODE_EXIT_USAGE);
    assert_non_null(strstr(r.err, "--config FILE is required"));

    char *bad[] = {"seqd", "--bogus", NULL};
    run(&r, node_seqd_main, 2, bad);
    assert_int_equal(r.code, NODE_EXIT_USAGE);
    assert_non_null(strstr(r.err, "'--bogus'"));

    char *dangling[] = {"seqd", "--config", NULL};
    run(&r, node_seqd_main, 2, dangling);
    assert_int_equal(r.code, NODE_EXIT_USAGE);

    char *cfg[] = {"seqd", "--config", "node.toml", NULL};
    run(&r, node_seqd_main, 3, cfg);
    assert_int_equal(r.code, NODE_EXIT_FAILURE);
    assert_non_null(strstr(r.err, "config file node.toml: no such file"));

    char *flags_only[] = {"seqd", "--data-dir", "d", "--check", NULL};
    run(&r, node_seqd_main, 4, flags_only);
    assert_int_equal(r.code, NODE_EXIT_FAILURE);
    assert_non_null(strstr(r.err, "genesis is not set (config field \"genesis\" or --genesis)"));

    char *bad_flag[] = {"seqd", "--data-dir", "d", "--log-level", "loud", NULL};
    run(&r, node_seqd_main, 5, bad_flag);
    assert_int_equal(r.code, NODE_EXIT_FAILURE);
    assert_non_null(strstr(r.err, "--log-level: \"loud\""));
}

static void test_seqctl_args(void **state)
{
    (void)state;
    run_result r;
    char *h[] = {"seqctl", "--help", NULL};
    run(&r, node_seqctl_main, 2, h);
    assert_int_equal(r.code, NODE_EXIT_OK);
    assert_non_null(strstr(r.out, "usage: seqctl COMMAND"));

    char *v[] = {"seqctl", "version", NULL};
    run(&r, node_seqctl_main, 2, v);
    assert_int_equal(r.code, NODE_EXIT_OK);
    assert_true(strncmp(r.out, "seqd " SEQ_VERSION, 10) == 0);

    char *none[] = {"seqctl", NULL};
    run(&r, node_seqctl_main, 1, none);
    assert_int_equal(r.code, NODE_EXIT_USAGE);
    assert_non_null(strstr(r.err, "usage:"));

    char *bad[] = {"seqctl", "frobnicate", NULL};
    run(&r, node_seqctl_main, 2, bad);
    assert_int_equal(r.code, NODE_EXIT_USAGE);
    assert_non_null(strstr(r.err, "unknown command 'frobnicate'"));
}

static void test_seqctl_usage_errors(void **state)
{
    (void)state;
    const struct {
        char *argv[16];
        int code;
        const char *err;
    } cases[] = {
        {{"seqctl", "keygen"}, NODE_EXIT_USAGE, "--out DIR is required"},
        {{"seqctl", "keygen", "--out", "k"}, NODE_EXIT_USAGE, "a passphrase is required"},
        {{"seqctl", "keygen", "--out", "k", "--insecure-key", "--passphrase-env", "P"},
         NODE_EXIT_USAGE,
         "give one of"},
        {{"seqctl", "keygen", "--out", "k", "--insecure-key", "--kdf", "fast"},
         NODE_EXIT_USAGE,
         "--kdf must be moderate or interactive"},
        {{"seqctl", "keygen", "--out"}, NODE_EXIT_USAGE, "incomplete argument '--out'"},
        {{"seqctl", "keygen", "--out", "k", "--passphrase-env", "SEQ_TEST_UNSET_VARIABLE"},
         NODE_EXIT_FAILURE,
         "SEQ_TEST_UNSET_VARIABLE is not set"},
        {{"seqctl", "genesis", "--l2-chain-id", "1", "--l1-chain-id", "1", "--key-dir", "k"},
         NODE_EXIT_USAGE,
         "--out FILE is required"},
        {{"seqctl", "genesis", "--out", "g", "--l1-chain-id", "1", "--key-dir", "k"},
         NODE_EXIT_USAGE,
         "--l2-chain-id N is required"},
        {{"seqctl", "genesis", "--out", "g", "--l2-chain-id", "1", "--l1-chain-id", "1"},
         NODE_EXIT_USAGE,
         "at least one --key-dir"},
        {{"seqctl", "genesis", "--out", "g", "--l2-chain-id", "1", "--l1-chain-id", "1",
          "--key-dir", "k"},
         NODE_EXIT_USAGE,
         "--key-dir k has no --endpoint"},
        {{"seqctl", "genesis", "--endpoint", "tcp://h:1"},
         NODE_EXIT_USAGE,
         "--endpoint before the first --key-dir"},
        {{"seqctl", "genesis", "--l2-chain-id", "-1"},
         NODE_EXIT_USAGE,
         "--l2-chain-id: '-1' is not a number"},
        {{"seqctl", "genesis", "--blocks-max", "4294967296"}, NODE_EXIT_USAGE, "--blocks-max"},
        {{"seqctl", "genesis", "--ordering", "lifo"}, NODE_EXIT_USAGE, "(fifo or priority)"},
        {{"seqctl", "genesis", "--committee-address", "0x12"}, NODE_EXIT_USAGE, "an address"},
        {{"seqctl", "genesis", "--weight"}, NODE_EXIT_USAGE, "--weight needs a value"},
        {{"seqctl", "genesis", "--frob"}, NODE_EXIT_USAGE, "unknown argument '--frob'"},
        {{"seqctl", "genesis", "--out", "g", "--l2-chain-id", "1", "--l1-chain-id", "1",
          "--key-dir", "/nonexistent/k", "--endpoint", "tcp://h:1"},
         NODE_EXIT_FAILURE,
         "/nonexistent/k/validator.key: no such key file"},
        {{"seqctl", "genesis-hash"}, NODE_EXIT_USAGE, "usage: seqctl genesis-hash"},
        {{"seqctl", "genesis-hash", "/nonexistent/g.json"},
         NODE_EXIT_FAILURE,
         "genesis file /nonexistent/g.json: no such file"},
    };
    run_result r;
    for (size_t i = 0; i < SEQ_ARRAY_LEN(cases); i++) {
        int argc = 0;
        while (cases[i].argv[argc] != NULL)
            argc++;
        run(&r, node_seqctl_main, argc, (char **)cases[i].argv);
        if (r.code != cases[i].code || strstr(r.err, cases[i].err) == NULL)
            fail_msg("case %zu: exit %d, stderr \"%s\"", i, r.code, r.err);
    }
    char *help[] = {"seqctl", "keygen", "--help", NULL};
    run(&r, node_seqctl_main, 3, help);
    assert_int_equal(r.code, NODE_EXIT_OK);
    assert_non_null(strstr(r.out, "usage: seqctl keygen"));
    char *ghelp[] = {"seqctl", "genesis", "-h", NULL};
    run(&r, node_seqctl_main, 3, ghelp);
    assert_int_equal(r.code, NODE_EXIT_OK);
    assert_non_null(strstr(r.out, "--inclusion-window-blocks"));
}

/* seqctl submit, tx, block and evidence list: argument errors (exit 2,
 * nothing sent) and endpoints that cannot answer (exit 1). Against a
 * running node submit, tx and block are exercised by
 * tests/e2e/test_faults.c. */
static void test_seqctl_query_args(void **state)
{
    (void)state;
    const char *hash = "0x46c6ab7bdaabbf88ace92317a8a253028cad0331edcb393d463eaaa09284ea36";
    const char *dead = "http://127.0.0.1:1"; /* nothing listens on port 1 */
    const struct {
        const char *argv[12];
        int code;
        const char *err;
    } cases[] = {
        {{"seqctl", "submit", "--raw", "0x00"}, NODE_EXIT_USAGE, "--rpc URL is required"},
        {{"seqctl", "submit", "--rpc", dead}, NODE_EXIT_USAGE, "give one of --raw"},
        {{"seqctl", "submit", "--rpc", dead, "--raw", "0x00", "--payload", "1:0x00"},
         NODE_EXIT_USAGE,
         "give one of --raw"},
        {{"seqctl", "submit", "--rpc", dead, "--raw", "00"}, NODE_EXIT_USAGE, "--raw must be 0x"},
        {{"seqctl", "submit", "--rpc", dead, "--raw", "0x"}, NODE_EXIT_USAGE, "--raw must be 0x"},
        {{"seqctl", "submit", "--rpc", dead, "--raw", "0x123"}, NODE_EXIT_USAGE, "--raw must"},
        {{"seqctl", "submit", "--rpc", dead, "--raw", "0xzz"}, NODE_EXIT_USAGE, "--raw must"},
        {{"seqctl", "submit", "--rpc", dead, "--raw", "0x00", "--raw", "0x01"},
         NODE_EXIT_USAGE,
         "repeated or incomplete argument '--raw'"},
        {{"seqctl", "submit", "--rpc", dead, "--payload", "0x00"}, NODE_EXIT_USAGE, "NS:0xHEX"},
        {{"seqctl", "submit", "--rpc", dead, "--payload", "x:0x00"}, NODE_EXIT_USAGE, "NS:0xHEX"},
        {{"seqctl", "submit", "--rpc", dead, "--payload", "-1:0x00"}, NODE_EXIT_USAGE, "NS:0xHEX"},
        {{"seqctl", "submit", "--rpc", dead, "--payload", "18446744073709551616:0x00"},
         NODE_EXIT_USAGE,
         "NS:0xHEX"},
        {{"seqctl", "submit", "--rpc", dead, "--payload", "7:0x"}, NODE_EXIT_USAGE, "NS:0xHEX"},
        {{"seqctl", "submit", "--rpc", dead, "--payload", "7:"}, NODE_EXIT_USAGE, "NS:0xHEX"},
        {{"seqctl", "submit", "--rpc", dead, "--raw", "0x00", "extra"},
         NODE_EXIT_USAGE,
         "argument 'extra'"},
        {{"seqctl", "submit", "--rpc"}, NODE_EXIT_USAGE, "incomplete argument '--rpc'"},
        {{"seqctl", "submit", "--rpc", dead, "--payload", "0x7:0x0102"},
         NODE_EXIT_FAILURE,
         "unavailable"},
        {{"seqctl", "submit", "--rpc", "ftp://127.0.0.1:1", "--raw", "0x00"},
         NODE_EXIT_FAILURE,
         "bad URL"},
        {{"seqctl", "tx", "--rpc", dead}, NODE_EXIT_USAGE, "HASH is required"},
        {{"seqctl", "tx", hash}, NODE_EXIT_USAGE, "--rpc URL is required"},
        {{"seqctl", "tx", "--rpc", dead, "0x1234"}, NODE_EXIT_USAGE, "is not a tx hash"},
        {{"seqctl", "tx", "--rpc", dead, hash + 2}, NODE_EXIT_USAGE, "is not a tx hash"},
        {{"seqctl", "tx", "--rpc", dead,
          "0xg6c6ab7bdaabbf88ace92317a8a253028cad0331edcb393d463eaaa09"
          "284ea36"},
         NODE_EXIT_USAGE,
         "is not a tx hash"},
        {{"seqctl", "tx", "--rpc", dead, hash, hash}, NODE_EXIT_USAGE, "argument '0x46c6"},
        {{"seqctl", "tx", "--rpc", dead, hash, "--txs"}, NODE_EXIT_USAGE, "argument '--txs'"},
        {{"seqctl", "tx", "--rpc", dead, hash}, NODE_EXIT_FAILURE, "unavailable"},
        {{"seqctl", "tx", "--rpc", dead, hash, "--json"},
         NODE_EXIT_FAILURE,
         "seq_getTransactionStatus"},
        {{"seqctl", "block", "--rpc", dead}, NODE_EXIT_USAGE, "HEIGHT is required"},
        {{"seqctl", "block", "--rpc", dead, "tip"}, NODE_EXIT_USAGE, "'tip' is not a height"},
        {{"seqctl", "block", "--rpc", dead, "-1"}, NODE_EXIT_USAGE, "argument '-1'"},
        {{"seqctl", "block", "--rpc", dead, "0x"}, NODE_EXIT_USAGE, "is not a height"},
        {{"seqctl", "block", "--rpc", dead, "12a"}, NODE_EXIT_USAGE, "is not a height"},
        {{"seqctl", "block", "--rpc", dead, "99999999999999999999"},
         NODE_EXIT_USAGE,
         "is not a height"},
        {{"seqctl", "block", "--rpc", dead, "1", "--raw", "0x00"},
         NODE_EXIT_USAGE,
         "argument '--raw'"},
        {{"seqctl", "block", "--rpc", dead, "0x10", "--txs"}, NODE_EXIT_FAILURE, "unavailable"},
        {{"seqctl", "evidence"}, NODE_EXIT_USAGE, "a subcommand is required: list"},
        {{"seqctl", "evidence", "show", "--rpc", dead},
         NODE_EXIT_USAGE,
         "--validator ADDR is required"},
        {{"seqctl", "evidence", "--rpc", dead, "list"}, NODE_EXIT_USAGE, "subcommand is required"},
        {{"seqctl", "evidence", "list"}, NODE_EXIT_USAGE, "--rpc URL is required"},
        {{"seqctl", "evidence", "list", "--rpc", dead, "--validator", "0x12"},
         NODE_EXIT_USAGE,
         "--validator '0x12' is not an address"},
        {{"seqctl", "evidence", "list", "--rpc", dead, "--validator",
          "0xAaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"},
         NODE_EXIT_USAGE,
         "EIP-55"},
        {{"seqctl", "evidence", "list", "--rpc", dead, "--validator"},
         NODE_EXIT_USAGE,
         "incomplete argument '--validator'"},
        {{"seqctl", "evidence", "list", "--rpc", dead, "--validator",
          "0x1111111111111111111111111111111111111111", "--validator",
          "0x1111111111111111111111111111111111111111"},
         NODE_EXIT_USAGE,
         "repeated or incomplete argument '--validator'"},
        {{"seqctl", "evidence", "list", "--rpc", dead, "0x10"}, NODE_EXIT_USAGE, "argument '0x10'"},
        {{"seqctl", "evidence", "list", "--rpc", dead, "--txs"}, NODE_EXIT_USAGE, "'--txs'"},
        {{"seqctl", "submit", "--rpc", dead, "--validator",
          "0x1111111111111111111111111111111111111111"},
         NODE_EXIT_USAGE,
         "argument '--validator'"},
        {{"seqctl", "evidence", "list", "--rpc", dead}, NODE_EXIT_FAILURE, "unavailable"},
        {{"seqctl", "evidence", "list", "--rpc", dead, "--json", "--validator",
          "0x1111111111111111111111111111111111111111"},
         NODE_EXIT_FAILURE,
         "seq_getEvidence"},
    };
    run_result r;
    for (size_t i = 0; i < SEQ_ARRAY_LEN(cases); i++) {
        int argc = 0;
        while (cases[i].argv[argc] != NULL)
            argc++;
        run(&r, node_seqctl_main, argc, (char **)cases[i].argv);
        if (r.code != cases[i].code || strstr(r.err, cases[i].err) == NULL || r.out[0] != '\0')
            fail_msg("case %zu (%s %s): exit %d, stdout \"%s\", stderr \"%s\"", i, cases[i].argv[1],
                     cases[i].argv[2] != NULL ? cases[i].argv[2] : "", r.code, r.out, r.err);
        if (cases[i].code == NODE_EXIT_USAGE)
            assert_non_null(strstr(r.err, "usage: seqctl "));
    }
    const char *helps[] = {"submit", "tx", "block"};
    for (size_t i = 0; i < SEQ_ARRAY_LEN(helps); i++) {
        char *help[] = {"seqctl", (char *)helps[i], "--help", NULL};
        run(&r, node_seqctl_main, 3, help);
        assert_int_equal(r.code, NODE_EXIT_OK);
        char want[64];
        snprintf(want, sizeof want, "usage: seqctl %s --rpc URL", helps[i]);
        assert_non_null(strstr(r.out, want));
    }
    char *evidence_help[] = {"seqctl", "evidence", "list", "--help", NULL};
    run(&r, node_seqctl_main, 4, evidence_help);
    assert_int_equal(r.code, NODE_EXIT_OK);
    assert_non_null(strstr(r.out, "usage: seqctl evidence list --rpc URL [--validator ADDR]"));
    char *overview[] = {"seqctl", "help", NULL};
    run(&r, node_seqctl_main, 2, overview);
    for (size_t i = 0; i < SEQ_ARRAY_LEN(helps); i++) {
        char want[32];
        snprintf(want, sizeof want, "  %s ", helps[i]);
        assert_non_null(strstr(r.out, want));
    }
    assert_non_null(strstr(r.out, "  evidence "));
}

/* Runs a shell command with stderr folded into stdout. */
static void sh(run_result *r, const char *format, ...)
{
    char cmd[4096];
    va_list ap;
    va_start(ap, format);
    int n = vsnprintf(cmd, sizeof cmd - 8, format, ap);
    va_end(ap);
    assert_true(n > 0 && (size_t)n < sizeof cmd - 8);
    strcat(cmd, " 2>&1");
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t len = fread(r->out, 1, sizeof r->out - 1, p);
    r->out[len] = '\0';
    int status = pclose(p);
    assert_true(WIFEXITED(status));
    r->code = WEXITSTATUS(status);
    r->err[0] = '\0';
}

static void expect(const run_result *r, int code, const char *text)
{
    if (r->code != code || strstr(r->out, text) == NULL)
        fail_msg("exit %d, output \"%s\"; wanted exit %d and \"%s\"", r->code, r->out, code, text);
}

/* keygen -> genesis -> seqd --check, as an operator runs them. */
static void test_committee_setup(void **state)
{
    (void)state;
    const char *seqd = getenv("SEQ_SEQD"), *seqctl = getenv("SEQ_SEQCTL");
    assert_non_null(seqd);
    assert_non_null(seqctl);
    char *dir = tf_mkdtemp();
    char path[TF_PATH_BYTES];
    tf_write(tf_join(path, dir, "pass"), "s3cret passphrase\n", 0600);
    run_result r;
    sh(&r, "cd '%s' && '%s' keygen --out k1 --passphrase-file pass --kdf interactive", dir, seqctl);
    expect(&r, 0, "validator address     0x");
    assert_non_null(strstr(r.out, "sealed, argon2id13 interactive"));
    sh(&r, "cd '%s' && '%s' keygen --out k2 --insecure-key", dir, seqctl);
    expect(&r, 0, "PLAINTEXT: devnets only");
    sh(&r, "cd '%s' && '%s' keygen --out k1 --insecure-key", dir, seqctl);
    expect(&r, 1, "k1/validator.key already exists; refusing to overwrite a key");

    /* a free loopback port for the node this test runs (the second
     * validator never runs) */
    unsigned port = 20000u + (unsigned)getpid() % 30000u;
    while (!test_port_probe((uint16_t)port, true))
        port = 20000u + (port + 7919u) % 30000u;
    sh(&r,
       "cd '%s' && '%s' genesis --l2-chain-id 901 --l1-chain-id 31337 --timestamp-ms 1700000000000 "
       "--key-dir k1 --endpoint tcp://127.0.0.1:%u --key-dir k2 --endpoint "
       "tcp://127.0.0.1:%u --weight 2 --ordering priority --timeout-ms-base 200 --out "
       "genesis.json",
       dir, seqctl, port, port + 1);
    expect(&r, 0, "wrote genesis.json: l2 chain id 901, l1 chain id 31337, 2 validators");
    char hash[67];
    const char *at = strstr(r.out, "genesis hash 0x");
    assert_non_null(at);
    snprintf(hash, sizeof hash, "%s", at + strlen("genesis hash "));
    sh(&r, "cd '%s' && '%s' genesis-hash genesis.json", dir, seqctl);
    expect(&r, 0, hash);
    sh(&r,
       "cd '%s' && '%s' genesis --l2-chain-id 901 --l1-chain-id 1 --key-dir k1 --endpoint "
       "tcp://h:1 --out genesis.json",
       dir, seqctl);
    expect(&r, 1, "refusing to overwrite");

    tf_write(tf_join(path, dir, "node1.json"),
             "{\"version\": 1, \"data_dir\": \"data1\", \"genesis\": \"genesis.json\",\n"
             " \"key_dir\": \"k1\", \"passphrase_file\": \"pass\"}\n",
             0644);
    sh(&r, "'%s' --config '%s' --check", seqd, path);
    expect(&r, 0, "seqd: configuration OK");
    assert_non_null(strstr(r.out, hash));
    assert_non_null(strstr(r.out, "committee[0] of 2, weight 1"));
    assert_non_null(strstr(r.out, "quorum weight 3"));
    char listen[64];
    snprintf(listen, sizeof listen, "listen       tcp://127.0.0.1:%u", port);
    assert_non_null(strstr(r.out, listen));
    assert_non_null(strstr(r.out, "(will be created)"));
    /* without --check the node runs (a committee of one of two cannot
     * commit) until SIGTERM, then stops cleanly */
    sh(&r,
       "cd '%s' && { '%s' --config node1.json --data-dir run1 >run1.log 2>&1 & pid=$!; i=0; "
       "while ! grep -q event=running run1.log && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); "
       "done; kill -TERM $pid; wait $pid; rc=$?; cat run1.log; exit $rc; }",
       dir, seqd);
    expect(&r, 0, "event=stopping");
    assert_non_null(strstr(r.out, "event=running"));
    /* flags override the file */
    sh(&r, "cd '%s' && '%s' --config node1.json --key-dir k2 --insecure-key --check", dir, seqd);
    expect(&r, 0, "committee[1] of 2, weight 2");
    sh(&r, "cd '%s' && '%s' --config node1.json --key-dir k2 --check", dir, seqd);
    expect(&r, 1, "refused without --insecure-key");
    char wrong[TF_PATH_BYTES];
    tf_write(tf_join(wrong, dir, "wrong"), "not the passphrase\n", 0600);
    sh(&r, "cd '%s' && '%s' --config node1.json --passphrase-file wrong --check", dir, seqd);
    expect(&r, 1, "k1/validator.key: wrong passphrase or corrupt key file");
    sh(&r, "cd '%s' && chmod 644 k1/transport.key && '%s' --config node1.json --check", dir, seqd);
    expect(&r, 1, "k1/transport.key: permissions 0644 are too open");
    sh(&r,
       "cd '%s' && chmod 600 k1/transport.key && '%s' keygen --out k3 --insecure-key && "
       "'%s' --config node1.json --key-dir k3 --insecure-key --check",
       dir, seqctl, seqd);
    expect(&r, 1, "is not in the genesis committee");
    sh(&r, "'%s' --config '%s/nope.json' --check", seqd, dir);
    expect(&r, 1, "nope.json: no such file");

    /* a data directory: empty, then a store of this genesis, then of another */
    char data[TF_PATH_BYTES];
    assert_int_equal(mkdir(tf_join(data, dir, "data1"), 0700), 0);
    sh(&r, "'%s' --config '%s' --check", seqd, path);
    expect(&r, 0, "(exists, no store yet)");
    seq_hash genesis_hash, other_hash;
    assert_int_equal(l1_hex_decode_exact(genesis_hash.b, 32, hash), SEQ_OK);
    store *s = NULL;
    assert_int_equal(store_open(&s, data, &genesis_hash, NULL), SEQ_OK);
    store_close(s);
    sh(&r, "'%s' --config '%s' --check", seqd, path);
    expect(&r, 0, "(store of this genesis, committed height 0)");
    tf_rmtree(data);
    assert_int_equal(mkdir(data, 0700), 0);
    memset(other_hash.b, 0x5a, 32);
    assert_int_equal(store_open(&s, data, &other_hash, NULL), SEQ_OK);
    store_close(s);
    sh(&r, "'%s' --config '%s' --check", seqd, path);
    expect(&r, 1, "holds the store of another genesis");
    tf_rmtree(dir);
    free(dir);
}

/* The built executables behave like the functions (paths from CMake). */
static void test_binaries(void **state)
{
    (void)state;
    const char *seqd = getenv("SEQ_SEQD");
    const char *seqctl = getenv("SEQ_SEQCTL");
    assert_non_null(seqd);
    assert_non_null(seqctl);
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "'%s' --version", seqd);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    char line[512] = {0};
    assert_non_null(fgets(line, sizeof line, p));
    assert_int_equal(pclose(p), 0);
    assert_true(strncmp(line, "seqd " SEQ_VERSION, 10) == 0);
    snprintf(cmd, sizeof cmd, "'%s' --help >/dev/null", seqctl);
    assert_int_equal(system(cmd), 0);
    snprintf(cmd, sizeof cmd, "'%s' nope 2>/dev/null", seqctl);
    int status = system(cmd);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), NODE_EXIT_USAGE);
}

/* seqctl's number parsers: exactly a decimal, or decimal or 0x hex. */
static void test_numbers(void **state)
{
    (void)state;
    uint64_t v = 7;
    assert_true(node_ctl_decimal_u64(&v, "0") && v == 0);
    assert_true(node_ctl_decimal_u64(&v, "18446744073709551615") && v == UINT64_MAX);
    const char *bad_decimal[] = {"", "-1", "+1", " 1", "1 ", "18446744073709551616", "0x10", "1e3"};
    for (size_t i = 0; i < SEQ_ARRAY_LEN(bad_decimal); i++) {
        v = 7;
        assert_false(node_ctl_decimal_u64(&v, bad_decimal[i]));
        assert_int_equal(v, 7); /* untouched on failure */
    }
    assert_true(node_ctl_u64(&v, "42") && v == 42);
    assert_true(node_ctl_u64(&v, "0x2a") && v == 42);
    assert_true(node_ctl_u64(&v, "0xFFFFFFFFFFFFFFFF") && v == UINT64_MAX);
    const char *bad_any[] = {"", "0x", "0x10000000000000000", "0xg", "0x 1", "0x-1", "x10", "0X10"};
    for (size_t i = 0; i < SEQ_ARRAY_LEN(bad_any); i++) {
        v = 7;
        assert_false(node_ctl_u64(&v, bad_any[i]));
        assert_int_equal(v, 7);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_version_line),      cmocka_unit_test(test_seqd_args),
        cmocka_unit_test(test_seqctl_args),       cmocka_unit_test(test_seqctl_usage_errors),
        cmocka_unit_test(test_seqctl_query_args), cmocka_unit_test(test_binaries),
        cmocka_unit_test(test_committee_setup),   cmocka_unit_test(test_numbers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
