/* test_ctl_fault.c — seqctl fault (node/ctl_fault.c) against a node API
 * whose transport is real: three nets on loopback with the fault layer on,
 * and a fake JSON-RPC server (fake_rpc) that hands each request to
 * node_rpc_handle with node 0's net, as seqd's API does. Covered: argument
 * checks (exit 2, nothing sent), the table and --json after setting one
 * link, every link and healing, --show; the effect on the wire (a delay
 * set through seqctl holds node 0's messages to node 1 and no others, a
 * drop rate of a million ppm loses them and counts drops_fault, block-recv
 * discards what node 1 sends, healing brings prompt delivery back); the
 * refusals of a node built without test modes ("method not found"), of one
 * whose config does not enable faults, of bad values the node catches
 * itself, and a dead endpoint; and the table printer on malformed answers.
 * In a build without test modes the node's own answer is "method not
 * found", and that is what is checked.
 *
 * Includes node/internal.h: the functions are internal to node/. */
/* cmocka needs these headers before its own, in this order. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../node/internal.h"
#include "capture.h"
#include "clock.h"
#include "fake_rpc.h"

#define CHAIN_ID   901u
#define NODES      3u
#define OUT_BYTES  4096u
#define WAIT_MS    3000u                /* to connect, or for a message that should arrive */
#define DELAY_MS   400u                 /* the slow link's delay */
#define PROMPT_MS  200u                 /* a message on a perfect link arrives within this */
#define NOBODY_URL "http://127.0.0.1:9" /* discard port: nothing listens */

static uint8_t recv_buf[NET_MSG_BYTES_MAX];

typedef struct {
    char dir[64];
    store *store;
    node_txpool *pool;
    node_rpc rpc;
    fake_rpc server;
    char url[64];
    char urls[NODES][NET_URL_BYTES_MAX];
    uint8_t seeds[NODES][NET_SEED_BYTES];
    net_peer_config peers[NODES];
    net *nets[NODES];
    net *plain;           /* node 0 again, without the fault layer (not started) */
    bool older;           /* answer seq_test* "method not found" (a release seqd) */
    atomic_uint requests; /* requests the server got */
} fixture;

/* A loopback port nothing listens on right now. */
static uint16_t free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    socklen_t len = sizeof sa;
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
    close(fd);
    return ntohs(sa.sin_port);
}

static net_config net_config_of(fixture *f, uint32_t i, bool faults)
{
    return (net_config){.peers = f->peers,
                        .peer_count = NODES,
                        .self_index = i,
                        .transport_secret_key = f->seeds[i],
                        .transport_secret_key_len = NET_SEED_BYTES,
                        .limits = {.backoff_base_ms = 50, .backoff_max_ms = 400},
                        .faults_enabled = faults,
                        .fault_seed = i};
}

/* Three nets on loopback, all with the fault layer, connected. */
static void nets_up(fixture *f)
{
    uint16_t ports[NODES];
    for (uint32_t i = 0; i < NODES; i++) {
        uint8_t sk[NET_SECRET_KEY_BYTES];
        randombytes_buf(f->seeds[i], NET_SEED_BYTES);
        crypto_sign_seed_keypair(f->peers[i].transport_public_key, sk, f->seeds[i]);
        sodium_memzero(sk, sizeof sk);
        randombytes_buf(f->peers[i].address.b, SEQ_ADDR_BYTES);
        bool fresh;
        do { /* distinct ports, even if the kernel hands one out twice */
            ports[i] = free_port();
            fresh = true;
            for (uint32_t j = 0; j < i; j++)
                fresh = fresh && ports[j] != ports[i];
        } while (!fresh);
        snprintf(f->urls[i], sizeof f->urls[i], "tcp://127.0.0.1:%u", (unsigned)ports[i]);
        f->peers[i].url = f->urls[i];
    }
    for (uint32_t i = 0; i < NODES; i++) {
        net_config c = net_config_of(f, i, true);
        assert_int_equal(net_new(&f->nets[i], &c), SEQ_OK);
        assert_int_equal(net_start(f->nets[i]), SEQ_OK);
    }
    net_config c = net_config_of(f, 0, false);
    assert_int_equal(net_new(&f->plain, &c), SEQ_OK);
    uint64_t start = test_now_ms();
    for (;;) {
        bool all = true;
        for (uint32_t a = 0; a < NODES; a++)
            for (uint32_t b = 0; b < NODES; b++) {
                net_peer_counters s;
                if (a != b)
                    all = all && net_peer_stats(f->nets[a], &s, b) == SEQ_OK && s.connected;
            }
        if (all)
            return;
        assert_true(test_now_ms() - start < WAIT_MS);
        test_sleep_ms(5);
    }
}

static void status_fill(void *ctx, node_status *out)
{
    (void)ctx;
    memset(out, 0, sizeof *out);
    out->running = true;
}

/* The node: node_rpc_handle on the request's body, or an older seqd's
 * -32601 for the test methods. */
static void serve(fake_rpc *server, int conn, const fake_rpc_request *request)
{
    fixture *f = server->context;
    atomic_fetch_add(&f->requests, 1u);
    if (request->doc == NULL)
        return;
    if (f->older && strncmp(request->method, "seq_test", 8) == 0) {
        char body[160];
        snprintf(body, sizeof body,
                 "{\"jsonrpc\":\"2.0\",\"id\":%lld,\"error\":{\"code\":-32601,\"message\":"
                 "\"method not found\"}}",
                 request->id);
        fake_rpc_respond(conn, "200 OK", body);
        return;
    }
    char *text = json_dumps(request->doc, JSON_COMPACT);
    char *reply = NULL;
    size_t len = 0;
    if (text != NULL && node_rpc_handle(&f->rpc, &reply, &len, text, strlen(text)) == SEQ_OK &&
        reply != NULL)
        fake_rpc_respond(conn, "200 OK", reply);
    free(reply);
    free(text);
}

static int setup(void **state)
{
    seq_log_configure(SEQ_LOG_WARN, SEQ_LOG_TEXT, NULL);
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    atomic_init(&f->requests, 0u);
    snprintf(f->dir, sizeof f->dir, "/tmp/seq-ctl-fault-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    seq_block_header genesis = {.l2_chain_id = CHAIN_ID, .timestamp_ms = 1000};
    seq_hash genesis_hash;
    l1_block_hash(&genesis_hash, &genesis);
    assert_int_equal(store_open(&f->store, f->dir, &genesis_hash, NULL), SEQ_OK);
    mempool_config c;
    mempool_config_default(&c, CHAIN_ID);
    assert_int_equal(node_txpool_new(&f->pool, &c, f->store, NULL, NULL), SEQ_OK);
    nets_up(f);
    f->rpc = (node_rpc){.status = status_fill,
                        .status_ctx = f,
                        .store = f->store,
                        .pool = f->pool,
                        .genesis = genesis,
                        .net = f->nets[0]};
    assert_true(fake_rpc_start(&f->server, serve, f));
    snprintf(f->url, sizeof f->url, "http://127.0.0.1:%u", (unsigned)f->server.port);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    fake_rpc_stop(&f->server);
    for (uint32_t i = 0; i < NODES; i++)
        net_free(f->nets[i]);
    net_free(f->plain);
    node_txpool_free(f->pool);
    store_close(f->store);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    assert_int_equal(system(cmd), 0);
    free(f);
    return 0;
}

/* Runs `seqctl fault --rpc URL args...` (url NULL: none given; the list
 * NULL-terminated); out and err get what it printed. */
static int run(const char *url, char out[OUT_BYTES], char err[OUT_BYTES], const char *const *args)
{
    const char *argv[TEST_RUN_ARGS_MAX] = {"fault"};
    size_t n = 1;
    if (url != NULL) {
        argv[n++] = "--rpc";
        argv[n++] = url;
    }
    for (size_t i = 0; args[i] != NULL; i++) {
        assert_true(n + 1 < TEST_RUN_ARGS_MAX);
        argv[n++] = args[i];
    }
    argv[n] = NULL;
    return test_run_captured(node_seqctl_main, "seqctl", out, OUT_BYTES, err, OUT_BYTES, argv);
}

/* ------------------------------------------------------------ the wire */

/* Sends one fresh message a -> b and returns the ms until b has it, or
 * UINT64_MAX if it does not arrive within wait_ms. */
static uint64_t send_timed(fixture *f, uint32_t a, uint32_t b, uint32_t wait_ms)
{
    static uint32_t serial;
    uint8_t msg[16] = {'T'};
    uint32_t id = serial++;
    memcpy(msg + 1, &id, sizeof id);
    uint64_t start = test_now_ms();
    assert_int_equal(net_send(f->nets[a], b, msg, sizeof msg), SEQ_OK);
    while (test_now_ms() - start < wait_ms) {
        uint32_t from = 0;
        size_t len = 0;
        uint32_t left = wait_ms - (uint32_t)(test_now_ms() - start);
        if (net_recv(f->nets[b], &from, recv_buf, sizeof recv_buf, &len, left) != SEQ_OK)
            continue;
        if (from == a && len == sizeof msg && memcmp(recv_buf, msg, len) == 0)
            return test_now_ms() - start;
    }
    return UINT64_MAX;
}

static uint64_t drops_fault(fixture *f, uint32_t at, uint32_t peer)
{
    net_peer_counters s;
    assert_int_equal(net_peer_stats(f->nets[at], &s, peer), SEQ_OK);
    return s.drops_fault;
}

/* ------------------------------------------------------------ the tests */

/* Bad arguments: exit 2 with the reason and the usage; nothing is sent. */
static void test_bad_arguments(void **state)
{
    fixture *f = *state;
    char out[OUT_BYTES], err[OUT_BYTES];
    const struct {
        bool rpc;
        const char *args[6]; /* NULL-terminated */
        const char *why;
    } cases[] = {
        {false, {"--delay-ms", "5"}, "--rpc URL is required"},
        {true, {"--delay-ms", "60001"}, "--delay-ms '60001' is not a number from 0 to 60000"},
        {true, {"--delay-ms", "abc"}, "--delay-ms 'abc' is not a number"},
        {true, {"--jitter-ms", "-1"}, "--jitter-ms '-1' is not a number from 0 to 60000"},
        {true, {"--drop-ppm", "1000001"}, "--drop-ppm '1000001' is not a number from 0 to 1000000"},
        {true, {"--duplicate-ppm", ""}, "--duplicate-ppm '' is not a number"},
        {true, {"--peer", "one"}, "--peer 'one' is not a validator index (0..255) or 'all'"},
        {true, {"--peer", "256"}, "--peer '256' is not a validator index"},
        {true, {"--peer", "-1"}, "--peer '-1' is not a validator index"},
        {true, {"--show", "--delay-ms", "5"}, "--show changes nothing"},
        {true, {"--show", "--peer", "1"}, "--show changes nothing"},
        {true, {"--show", "--block-recv"}, "--show changes nothing"},
        {true,
         {"--block-send", "--block-send"},
         "unknown, repeated or incomplete argument "
         "'--block-send'"},
        {true,
         {"--delay-ms", "1", "--delay-ms", "2"},
         "repeated or incomplete argument '--delay-ms'"},
        {true, {"--delay-ms"}, "incomplete argument '--delay-ms'"},
        {true, {"--slow"}, "unknown, repeated or incomplete argument '--slow'"},
        {true, {"--rpc", "http://127.0.0.1:1"}, "argument '--rpc'"},
    };
    for (size_t i = 0; i < SEQ_ARRAY_LEN(cases); i++) {
        int code = run(cases[i].rpc ? f->url : NULL, out, err, cases[i].args);
        if (code != NODE_EXIT_USAGE || strstr(err, cases[i].why) == NULL)
            fail_msg("case %zu: exit %d, err:\n%s", i, code, err);
        test_expect_in(err, "usage: seqctl fault --rpc URL");
        assert_string_equal(out, "");
    }
    assert_int_equal(atomic_load(&f->requests), 0);

    /* Help, alone and in the command list. */
    assert_int_equal(run(NULL, out, err, (const char *[]){"--help", NULL}), NODE_EXIT_OK);
    test_expect_in(out, "usage: seqctl fault --rpc URL [--peer I|all]");
    test_expect_in(out, "\"test\": {\"faults\": true}");
    assert_int_equal(test_run_captured(node_seqctl_main, "seqctl", out, OUT_BYTES, err, OUT_BYTES,
                                       (const char *[]){"help", NULL}),
                     NODE_EXIT_OK);
    test_expect_in(out, "  fault         delay, drop or cut a running node's links (test builds "
                        "only)\n");
    assert_int_equal(atomic_load(&f->requests), 0);
}

#define HEADER " PEER  DELAY MS  JITTER MS  DROP PPM   DUP PPM  BLOCK SEND  BLOCK RECV\n"

/* One link, every link, healed, shown: the table and --json. */
static void test_set_show_output(void **state)
{
    fixture *f = *state;
    if (!NODE_TEST_MODES)
        return; /* test_refusals checks what a release build answers */
    char out[OUT_BYTES], err[OUT_BYTES];
    assert_int_equal(
        run(f->url, out, err,
            (const char *[]){"--peer", "1", "--delay-ms", "300", "--jitter-ms", "20", NULL}),
        NODE_EXIT_OK);
    assert_string_equal(err, "");
    assert_string_equal(out,
                        "faults on the links of validator 0:\n" HEADER
                        "    1       300         20         0         0          no          no\n"
                        "    2         0          0         0         0          no          no\n");
    net_fault in_force;
    assert_int_equal(net_fault_get(f->nets[0], &in_force, 1), SEQ_OK);
    assert_int_equal(in_force.delay_ms, 300);
    assert_int_equal(in_force.jitter_ms, 20);

    /* --show lists the same without changing anything. */
    char shown[OUT_BYTES];
    assert_int_equal(run(f->url, shown, err, (const char *[]){"--show", NULL}), NODE_EXIT_OK);
    assert_string_equal(shown, out);

    /* Every link; the new fault replaces the delay. */
    assert_int_equal(run(f->url, out, err,
                         (const char *[]){"--peer", "all", "--drop-ppm", "1000", "--duplicate-ppm",
                                          "5", "--block-send", "--block-recv", NULL}),
                     NODE_EXIT_OK);
    assert_string_equal(out,
                        "faults on the links of validator 0:\n" HEADER
                        "    1         0          0      1000         5         yes         yes\n"
                        "    2         0          0      1000         5         yes         yes\n");

    /* --json: the node's answer on one line. */
    assert_int_equal(run(f->url, out, err, (const char *[]){"--show", "--json", NULL}),
                     NODE_EXIT_OK);
    assert_non_null(strchr(out, '\n'));
    assert_int_equal(strchr(out, '\n')[1], '\0');
    json_t *doc = test_json_parse(out);
    assert_int_equal(json_integer_value(json_object_get(doc, "self")), 0);
    json_t *peers = json_object_get(doc, "peers");
    assert_int_equal(json_array_size(peers), 2);
    json_t *p2 = json_array_get(peers, 1);
    assert_int_equal(json_integer_value(json_object_get(p2, "peer")), 2);
    assert_int_equal(json_integer_value(json_object_get(p2, "drop_ppm")), 1000);
    assert_true(json_is_true(json_object_get(p2, "block_send")));
    json_decref(doc);

    /* No fault flag: every link healed. */
    assert_int_equal(run(f->url, out, err, (const char *[]){NULL}), NODE_EXIT_OK);
    assert_string_equal(out,
                        "faults on the links of validator 0:\n" HEADER
                        "    1         0          0         0         0          no          no\n"
                        "    2         0          0         0         0          no          no\n");
    for (uint32_t p = 1; p < NODES; p++) {
        assert_int_equal(net_fault_get(f->nets[0], &in_force, p), SEQ_OK);
        assert_int_equal(in_force.drop_ppm, 0);
        assert_false(in_force.block_send);
    }
}

/* What seqctl sets is what the wire does: a delay on one link only,
 * drops counted, a receive block, and prompt delivery once healed. */
static void test_effect_on_the_wire(void **state)
{
    fixture *f = *state;
    if (!NODE_TEST_MODES)
        return;
    char out[OUT_BYTES], err[OUT_BYTES];
    assert_true(send_timed(f, 0, 1, WAIT_MS) < PROMPT_MS * 2); /* warm: a perfect link */

    /* Node 0's messages to node 1 wait DELAY_MS; those to node 2 do not. */
    char delay[16];
    snprintf(delay, sizeof delay, "%u", DELAY_MS);
    assert_int_equal(
        run(f->url, out, err, (const char *[]){"--peer", "1", "--delay-ms", delay, NULL}),
        NODE_EXIT_OK);
    uint64_t slow = send_timed(f, 0, 1, WAIT_MS);
    assert_true(slow >= DELAY_MS && slow < DELAY_MS + 1000u);
    assert_true(send_timed(f, 0, 2, WAIT_MS) < PROMPT_MS);
    assert_true(send_timed(f, 1, 0, WAIT_MS) < PROMPT_MS); /* the other direction is node 1's */

    /* Every message dropped on every link, and counted. */
    assert_int_equal(
        run(f->url, out, err, (const char *[]){"--peer", "all", "--drop-ppm", "1000000", NULL}),
        NODE_EXIT_OK);
    uint64_t before = drops_fault(f, 0, 1);
    for (int i = 0; i < 5; i++)
        assert_int_equal(send_timed(f, 0, 1, 60), UINT64_MAX);
    assert_int_equal(drops_fault(f, 0, 1), before + 5);
    assert_int_equal(send_timed(f, 0, 2, 100), UINT64_MAX);

    /* Receive side: what node 1 sends node 0 is discarded on arrival. */
    assert_int_equal(run(f->url, out, err, (const char *[]){"--peer", "1", "--block-recv", NULL}),
                     NODE_EXIT_OK);
    before = drops_fault(f, 0, 1);
    assert_int_equal(send_timed(f, 1, 0, 300), UINT64_MAX);
    assert_int_equal(drops_fault(f, 0, 1), before + 1);

    /* Healed: prompt again both ways. */
    assert_int_equal(run(f->url, out, err, (const char *[]){NULL}), NODE_EXIT_OK);
    assert_true(send_timed(f, 0, 1, WAIT_MS) < PROMPT_MS);
    assert_true(send_timed(f, 1, 0, WAIT_MS) < PROMPT_MS);
    assert_true(send_timed(f, 0, 2, WAIT_MS) < PROMPT_MS);
}

/* Refusals, each exit 1 with a message that says what to do. */
static void test_refusals(void **state)
{
    fixture *f = *state;
    char out[OUT_BYTES], err[OUT_BYTES];
    const char *const set[] = {"--peer", "1", "--delay-ms", "5", NULL};
    const char *const show[] = {"--show", NULL};

    /* A seqd built without test modes: its own answer in a release build,
     * an older or release seqd's answer (faked) in a test build. */
    f->older = NODE_TEST_MODES;
    assert_int_equal(run(f->url, out, err, set), NODE_EXIT_FAILURE);
    test_expect_in(err, "has no seq_testSetFault (method not found): fault injection needs a seqd "
                        "built with -DSEQ_TEST_MODES=ON (the dev preset) and \"test\": "
                        "{\"faults\": true} in its config");
    assert_string_equal(out, "");
    assert_int_equal(run(f->url, out, err, show), NODE_EXIT_FAILURE);
    test_expect_in(err, "has no seq_testGetFault (method not found)");
    f->older = false;
    if (!NODE_TEST_MODES)
        return;

    /* A test build whose config does not enable faults. */
    f->rpc.net = f->plain;
    assert_int_equal(run(f->url, out, err, set), NODE_EXIT_FAILURE);
    test_expect_in(err, "seq_testSetFault is unavailable: this node's config does not enable test "
                        "faults (\"test\": {\"faults\": true}); add \"test\": {\"faults\": true} "
                        "to the node's config and restart it");
    assert_int_equal(run(f->url, out, err, show), NODE_EXIT_FAILURE);
    test_expect_in(err, "seq_testGetFault is unavailable");
    f->rpc.net = f->nets[0];

    /* What only the node knows: its committee and its own index. */
    assert_int_equal(run(f->url, out, err, (const char *[]){"--peer", "3", NULL}),
                     NODE_EXIT_FAILURE);
    test_expect_in(err, "peer: 3 is not a committee index (0..2)");
    assert_int_equal(run(f->url, out, err, (const char *[]){"--peer", "0", NULL}),
                     NODE_EXIT_FAILURE);
    test_expect_in(err, "peer: 0 is this node itself");

    /* Nobody there, and a bad URL. */
    assert_int_equal(run(NOBODY_URL, out, err, show), NODE_EXIT_FAILURE);
    test_expect_in(err, "seqctl fault: ");
    assert_int_equal(run("ftp://x", out, err, show), NODE_EXIT_FAILURE);
    test_expect_in(err, "bad URL");
}

/* The table printer takes any JSON: missing or mistyped members are "?". */
static void test_print_malformed(void **state)
{
    (void)state;
    test_capture c;
    json_t *doc = test_json_parse(
        "{\"peers\":[{\"peer\":1,\"delay_ms\":\"x\",\"drop_ppm\":-3,\"block_send\":1},{}]}");
    node_ctl_fault_print(test_capture_begin(&c), doc);
    char *text = test_capture_end(&c);
    assert_string_equal(text,
                        "faults on the links of validator ?:\n" HEADER
                        "    1         ?          ?         ?         ?           ?           ?\n"
                        "    ?         ?          ?         ?         ?           ?           ?\n");
    free(text);
    json_decref(doc);
    doc = test_json_parse("{\"self\":0,\"peers\":[]}");
    node_ctl_fault_print(test_capture_begin(&c), doc);
    text = test_capture_end(&c);
    assert_string_equal(text, "faults on the links of validator 0:\nno peers\n");
    free(text);
    json_decref(doc);
    node_ctl_fault_print(test_capture_begin(&c), NULL);
    text = test_capture_end(&c);
    assert_string_equal(text, "faults on the links of validator ?:\nno peers\n");
    free(text);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_bad_arguments, setup, teardown),
        cmocka_unit_test_setup_teardown(test_set_show_output, setup, teardown),
        cmocka_unit_test_setup_teardown(test_effect_on_the_wire, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
        cmocka_unit_test(test_print_malformed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
