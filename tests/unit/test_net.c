/* net: the authenticated, encrypted peer transport over loopback TCP.
 * Three nodes connect, authenticate and exchange messages (both ways,
 * broadcast, one of the largest size); impostors with the wrong transport
 * key or genesis are refused and counted; raw sockets send garbage, huge
 * length prefixes, a truncated frame and then nothing, or flood the
 * handshake slots; a man in the middle replays, forges and oversizes
 * frames of a live connection; a node restarts on its port; queues and
 * the inbox stay bounded; and the fault layer drops, partitions, delays
 * and duplicates, and reads back what is in force (net_fault_get). */
/* cmocka needs these headers before its own, in this order. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "node.h"
#include "test_rng.h"

#define NODES                3u
#define HANDSHAKE_TIMEOUT_MS 500u
#define BACKOFF_BASE_MS      50u
#define BACKOFF_MAX_MS       400u
#define CONNECT_WAIT_MS      3000u
#define DELIVER_WAIT_MS      2000u
#define RESEND_MS            300u
#define PAYLOAD_BYTES        64u

static uint8_t recv_buf[NET_MSG_BYTES_MAX];

/* ---------------------------------------------------------------- clock */

/* -------------------------------------------------------------- sockets */

/* A loopback port nothing listens on right now (bind to 0, read, close). */
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

static int tcp_connect(uint16_t port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in sa = {
        .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static bool send_all(int fd, const uint8_t *p, size_t len)
{
    while (len > 0) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        p += n;
        len -= (size_t)n;
    }
    return true;
}

/* Reads (and discards) until the peer closes; returns the milliseconds
 * that took, or -1 if the socket is still open after timeout_ms. */
static int64_t wait_closed_ms(int fd, uint32_t timeout_ms)
{
    uint64_t start = test_now_ms();
    for (;;) {
        uint64_t spent = test_now_ms() - start;
        if (spent >= timeout_ms)
            return -1;
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, (int)(timeout_ms - spent)) <= 0)
            continue;
        uint8_t tmp[512];
        ssize_t n = recv(fd, tmp, sizeof tmp, 0);
        if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN))
            return (int64_t)(test_now_ms() - start);
    }
}

/* -------------------------------------------------------------- cluster */

typedef struct {
    uint8_t seeds[NODES][NET_SEED_BYTES];
    uint8_t keys[NODES][NET_PUBLIC_KEY_BYTES];
    seq_addr addresses[NODES];
    uint16_t ports[NODES];
    char urls[NODES][NODES][NET_URL_BYTES_MAX]; /* urls[i][j]: how node i reaches j */
    net_peer_config views[NODES][NODES];        /* node i's view of the committee */
    seq_hash genesis;
    net_limits limits;
    net *nets[NODES];
} cluster;

static void seed_key(uint8_t seed[NET_SEED_BYTES], uint8_t pk[NET_PUBLIC_KEY_BYTES])
{
    uint8_t sk[NET_SECRET_KEY_BYTES];
    rng_fill(seed, NET_SEED_BYTES);
    crypto_sign_seed_keypair(pk, sk, seed);
    sodium_memzero(sk, sizeof sk);
}

static void cluster_url(cluster *cl, uint32_t viewer, uint32_t target, uint16_t port)
{
    snprintf(cl->urls[viewer][target], NET_URL_BYTES_MAX, "tcp://127.0.0.1:%u", (unsigned)port);
    cl->views[viewer][target].url = cl->urls[viewer][target];
}

static cluster *cluster_new(void)
{
    cluster *cl = calloc(1, sizeof *cl);
    assert_non_null(cl);
    for (uint32_t i = 0; i < NODES; i++) {
        seed_key(cl->seeds[i], cl->keys[i]);
        rng_fill(cl->addresses[i].b, SEQ_ADDR_BYTES);
        bool fresh;
        do { /* distinct ports, even if the kernel hands one out twice */
            cl->ports[i] = free_port();
            fresh = true;
            for (uint32_t j = 0; j < i; j++)
                fresh = fresh && cl->ports[j] != cl->ports[i];
        } while (!fresh);
    }
    for (uint32_t i = 0; i < NODES; i++) {
        for (uint32_t j = 0; j < NODES; j++) {
            cl->views[i][j].address = cl->addresses[j];
            memcpy(cl->views[i][j].transport_public_key, cl->keys[j], NET_PUBLIC_KEY_BYTES);
            cluster_url(cl, i, j, cl->ports[j]);
        }
    }
    rng_fill(cl->genesis.b, SEQ_HASH_BYTES);
    cl->limits = (net_limits){.handshake_timeout_ms = HANDSHAKE_TIMEOUT_MS,
                              .backoff_base_ms = BACKOFF_BASE_MS,
                              .backoff_max_ms = BACKOFF_MAX_MS};
    return cl;
}

static void cluster_config(const cluster *cl, net_config *c, uint32_t i)
{
    *c = (net_config){.peers = cl->views[i],
                      .peer_count = NODES,
                      .self_index = i,
                      .transport_secret_key = cl->seeds[i],
                      .transport_secret_key_len = NET_SEED_BYTES,
                      .genesis_hash = cl->genesis,
                      .limits = cl->limits,
                      .faults_enabled = true,
                      .fault_seed = rng_next()};
}

static net *net_up(const net_config *c)
{
    net *n = NULL;
    assert_int_equal(net_new(&n, c), SEQ_OK);
    assert_non_null(n);
    assert_int_equal(net_start(n), SEQ_OK);
    return n;
}

static net *node_up(cluster *cl, uint32_t i)
{
    net_config c;
    cluster_config(cl, &c, i);
    cl->nets[i] = net_up(&c);
    return cl->nets[i];
}

static void node_down(cluster *cl, uint32_t i)
{
    net_free(cl->nets[i]);
    cl->nets[i] = NULL;
}

static void cluster_free(cluster *cl)
{
    for (uint32_t i = 0; i < NODES; i++)
        node_down(cl, i);
    free(cl);
}

static net_peer_counters peer_stats(net *n, uint32_t peer)
{
    net_peer_counters s;
    assert_int_equal(net_peer_stats(n, &s, peer), SEQ_OK);
    return s;
}

static net_counters totals(net *n)
{
    net_counters t;
    net_stats(n, &t);
    return t;
}

static bool linked(cluster *cl, uint32_t a, uint32_t b)
{
    return peer_stats(cl->nets[a], b).connected && peer_stats(cl->nets[b], a).connected;
}

/* Waits until every pair of running nodes is connected; returns the ms. */
static uint64_t wait_all_linked(cluster *cl, uint32_t timeout_ms)
{
    uint64_t start = test_now_ms();
    for (;;) {
        bool all = true;
        for (uint32_t a = 0; a < NODES; a++)
            for (uint32_t b = a + 1; b < NODES; b++)
                if (cl->nets[a] != NULL && cl->nets[b] != NULL)
                    all = all && linked(cl, a, b);
        if (all)
            return test_now_ms() - start;
        assert_true(test_now_ms() - start < timeout_ms);
        test_sleep_ms(5);
    }
}

/* Receives until a message from `from` equal to want arrives (others are
 * skipped) or timeout_ms passes. */
static bool recv_match(net *n, uint32_t from, const uint8_t *want, size_t want_len,
                       uint32_t timeout_ms)
{
    uint64_t start = test_now_ms();
    while (test_now_ms() - start < timeout_ms) {
        uint32_t sender = 0;
        size_t len = 0;
        uint32_t left = timeout_ms - (uint32_t)(test_now_ms() - start);
        seq_err err = net_recv(n, &sender, recv_buf, sizeof recv_buf, &len, left);
        if (err == SEQ_ERR_TIMEOUT)
            return false;
        assert_int_equal(err, SEQ_OK);
        if (sender == from && len == want_len && memcmp(recv_buf, want, len) == 0)
            return true;
    }
    return false;
}

/* Sends a fresh message from -> to, resending until it arrives. */
static bool deliver(cluster *cl, uint32_t from, uint32_t to)
{
    static uint32_t serial;
    uint8_t msg[PAYLOAD_BYTES];
    int len = snprintf((char *)msg, sizeof msg, "msg %u->%u #%u", from, to, serial++);
    uint64_t start = test_now_ms();
    while (test_now_ms() - start < DELIVER_WAIT_MS) {
        seq_err err = net_send(cl->nets[from], to, msg, (size_t)len);
        assert_true(err == SEQ_OK || err == SEQ_ERR_NO_SPACE);
        if (recv_match(cl->nets[to], from, msg, (size_t)len, RESEND_MS))
            return true;
    }
    return false;
}

static void deliver_all_pairs(cluster *cl)
{
    for (uint32_t a = 0; a < NODES; a++)
        for (uint32_t b = 0; b < NODES; b++)
            if (a != b && cl->nets[a] != NULL && cl->nets[b] != NULL)
                assert_true(deliver(cl, a, b));
}

static int setup(void **state)
{
    (void)state;
    seq_log_configure(SEQ_LOG_WARN, SEQ_LOG_TEXT, NULL);
    return 0;
}

/* --------------------------------------------------------------- config */

static void test_config_refused(void **state)
{
    (void)state;
    cluster *cl = cluster_new();
    net_config c;
    net *n = (net *)1;

    cluster_config(cl, &c, 0);
    c.transport_secret_key_len = 31;
    assert_int_equal(net_new(&n, &c), SEQ_ERR_BAD_KEY);
    assert_null(n);
    cluster_config(cl, &c, 0);
    c.transport_secret_key = cl->seeds[1]; /* not node 0's key */
    assert_int_equal(net_new(&n, &c), SEQ_ERR_BAD_KEY);
    uint8_t sk[NET_SECRET_KEY_BYTES], pk[NET_PUBLIC_KEY_BYTES];
    crypto_sign_seed_keypair(pk, sk, cl->seeds[0]);
    sk[40] ^= 1; /* the public half no longer matches the seed */
    cluster_config(cl, &c, 0);
    c.transport_secret_key = sk;
    c.transport_secret_key_len = sizeof sk;
    assert_int_equal(net_new(&n, &c), SEQ_ERR_BAD_KEY);
    sk[40] ^= 1; /* a libsodium secret key is as good as its seed */
    assert_int_equal(net_new(&n, &c), SEQ_OK);
    net_free(n);
    sodium_memzero(sk, sizeof sk);

    cluster_config(cl, &c, 0);
    c.self_index = NODES;
    assert_int_equal(net_new(&n, &c), SEQ_ERR_INVALID_ARG);
    cluster_config(cl, &c, 0);
    cl->views[0][1].url = "udp://127.0.0.1:1";
    assert_int_equal(net_new(&n, &c), SEQ_ERR_INVALID_ARG);
    cl->views[0][1].url = "tcp://127.0.0.1";
    assert_int_equal(net_new(&n, &c), SEQ_ERR_INVALID_ARG);
    cluster_url(cl, 0, 1, cl->ports[1]);
    cl->views[0][2].address = cl->views[0][1].address;
    assert_int_equal(net_new(&n, &c), SEQ_ERR_INVALID_ARG);
    cl->views[0][2].address = cl->addresses[2];
    c.limits.backoff_base_ms = BACKOFF_MAX_MS + 1;
    assert_int_equal(net_new(&n, &c), SEQ_ERR_INVALID_ARG);
    c.limits = cl->limits;
    c.limits.inbox_bytes = NET_MSG_BYTES_MAX - 1; /* the largest message could never pass */
    assert_int_equal(net_new(&n, &c), SEQ_ERR_INVALID_ARG);

    /* The port is taken: net_start says so, net_free cleans up. */
    net *first = node_up(cl, 0);
    cluster_config(cl, &c, 0);
    assert_int_equal(net_new(&n, &c), SEQ_OK);
    assert_int_equal(net_start(n), SEQ_ERR_UNAVAILABLE);
    net_free(n);

    uint8_t msg[1] = {1};
    assert_int_equal(net_send(first, 0, msg, 1), SEQ_ERR_INVALID_ARG); /* self */
    assert_int_equal(net_send(first, NODES, msg, 1), SEQ_ERR_INVALID_ARG);
    assert_int_equal(net_send(first, 1, msg, 0), SEQ_ERR_INVALID_ARG);
    assert_int_equal(net_send(first, 1, recv_buf, NET_MSG_BYTES_MAX + 1), SEQ_ERR_TOO_LARGE);
    net_peer_counters s;
    assert_int_equal(net_peer_stats(first, &s, 0), SEQ_ERR_INVALID_ARG);
    net_fault f = {.drop_ppm = NET_FAULT_PPM + 1};
    assert_int_equal(net_fault_set(first, 1, &f), SEQ_ERR_INVALID_ARG);
    cluster_free(cl);
}

/* ------------------------------------------------------------ the happy path */

static void test_three_nodes_exchange(void **state)
{
    (void)state;
    cluster *cl = cluster_new();
    for (uint32_t i = 0; i < NODES; i++)
        node_up(cl, i);
    wait_all_linked(cl, CONNECT_WAIT_MS);
    deliver_all_pairs(cl);

    for (uint32_t i = 0; i < NODES; i++) {
        uint8_t msg[PAYLOAD_BYTES];
        int len = snprintf((char *)msg, sizeof msg, "broadcast from %u", i);
        assert_int_equal(net_broadcast(cl->nets[i], msg, (size_t)len), SEQ_OK);
        for (uint32_t j = 0; j < NODES; j++)
            if (j != i)
                assert_true(recv_match(cl->nets[j], i, msg, (size_t)len, DELIVER_WAIT_MS));
    }

    /* The largest message goes through intact. */
    uint8_t *big = malloc(NET_MSG_BYTES_MAX);
    assert_non_null(big);
    rng_fill(big, NET_MSG_BYTES_MAX);
    assert_int_equal(net_send(cl->nets[0], 2, big, NET_MSG_BYTES_MAX), SEQ_OK);
    assert_true(recv_match(cl->nets[2], 0, big, NET_MSG_BYTES_MAX, 5000));
    free(big);

    /* A buffer too small leaves the message first in line. */
    uint8_t msg[PAYLOAD_BYTES] = "sized";
    assert_int_equal(net_send(cl->nets[1], 0, msg, sizeof msg), SEQ_OK);
    uint32_t from = 0;
    size_t len = 0;
    uint8_t small[8];
    seq_err err = SEQ_ERR_TIMEOUT;
    for (uint64_t start = test_now_ms();
         err == SEQ_ERR_TIMEOUT && test_now_ms() - start < DELIVER_WAIT_MS;)
        err = net_recv(cl->nets[0], &from, small, sizeof small, &len, 50);
    assert_int_equal(err, SEQ_ERR_NO_SPACE);
    assert_int_equal(len, sizeof msg);
    assert_true(recv_match(cl->nets[0], 1, msg, sizeof msg, 100));

    net_peer_counters s = peer_stats(cl->nets[0], 2);
    assert_true(s.connected);
    assert_true(s.frames_out >= 2 && s.frames_in >= 2);
    assert_true(s.bytes_out > NET_MSG_BYTES_MAX && s.bytes_in > 0);
    assert_int_equal(s.auth_failures, 0);
    assert_int_equal(s.drops_queue_full, 0);
    net_counters t = totals(cl->nets[0]);
    assert_true(t.handshakes >= NODES - 1);
    assert_int_equal(t.closed[NET_CLOSE_DECRYPT_FAILED], 0);
    assert_int_equal(t.closed[NET_CLOSE_WRONG_KEY], 0);
    cluster_free(cl);
}

/* ------------------------------------------------------------- impostors */

static void test_wrong_key_and_genesis_refused(void **state)
{
    (void)state;
    cluster *cl = cluster_new();
    node_up(cl, 0);
    node_up(cl, 1);

    /* Node 2's address with a transport key genesis does not list (in its
     * own view of genesis, so net_new accepts it). */
    uint8_t seed[NET_SEED_BYTES], pk[NET_PUBLIC_KEY_BYTES];
    seed_key(seed, pk);
    net_peer_config view[NODES];
    memcpy(view, cl->views[2], sizeof view);
    memcpy(view[2].transport_public_key, pk, sizeof pk);
    net_config c;
    cluster_config(cl, &c, 2);
    c.peers = view;
    c.transport_secret_key = seed;
    net *impostor = net_up(&c);
    for (uint64_t start = test_now_ms(); totals(cl->nets[0]).closed[NET_CLOSE_WRONG_KEY] == 0 ||
                                         totals(cl->nets[1]).closed[NET_CLOSE_WRONG_KEY] == 0;) {
        assert_true(test_now_ms() - start < CONNECT_WAIT_MS);
        test_sleep_ms(10);
    }
    for (uint32_t i = 0; i < 2; i++) {
        net_peer_counters s = peer_stats(cl->nets[i], 2);
        assert_false(s.connected);
        assert_true(s.auth_failures >= 1);
        assert_int_equal(s.frames_in, 0);
    }
    deliver_all_pairs(cl); /* the honest pair is unaffected */
    net_free(impostor);

    /* The right key under another genesis. */
    cluster_config(cl, &c, 2);
    rng_fill(c.genesis_hash.b, SEQ_HASH_BYTES);
    net *stranger = net_up(&c);
    for (uint64_t start = test_now_ms();
         totals(cl->nets[0]).closed[NET_CLOSE_GENESIS_MISMATCH] == 0 ||
         totals(cl->nets[1]).closed[NET_CLOSE_GENESIS_MISMATCH] == 0;) {
        assert_true(test_now_ms() - start < CONNECT_WAIT_MS);
        test_sleep_ms(10);
    }
    assert_false(peer_stats(cl->nets[0], 2).connected);
    assert_true(totals(stranger).closed[NET_CLOSE_GENESIS_MISMATCH] >= 1);
    net_free(stranger);

    /* The real node 2 joins. */
    node_up(cl, 2);
    wait_all_linked(cl, CONNECT_WAIT_MS);
    deliver_all_pairs(cl);
    cluster_free(cl);
}

/* ------------------------------------------------------- raw adversaries */

static void wait_total(net *n, net_close_reason reason, uint64_t at_least)
{
    for (uint64_t start = test_now_ms(); totals(n).closed[reason] < at_least;) {
        assert_true(test_now_ms() - start < CONNECT_WAIT_MS);
        test_sleep_ms(5);
    }
}

static void test_raw_adversaries(void **state)
{
    (void)state;
    cluster *cl = cluster_new();
    cl->limits.pending_max = 4;
    for (uint32_t i = 0; i < NODES; i++)
        node_up(cl, i);
    wait_all_linked(cl, CONNECT_WAIT_MS);
    net *target = cl->nets[1];
    uint16_t port = cl->ports[1];

    /* Random bytes: refused on the length prefix or the Hello. */
    net_counters before = totals(target);
    int fd = tcp_connect(port);
    assert_true(fd >= 0);
    uint8_t junk[200];
    rng_fill(junk, sizeof junk);
    assert_true(send_all(fd, junk, sizeof junk));
    assert_true(wait_closed_ms(fd, HANDSHAKE_TIMEOUT_MS + 1000) >= 0);
    close(fd);
    net_counters after = totals(target);
    assert_true(after.closed[NET_CLOSE_FRAME_SIZE] + after.closed[NET_CLOSE_MALFORMED] +
                    after.closed[NET_CLOSE_HANDSHAKE_TIMEOUT] >
                before.closed[NET_CLOSE_FRAME_SIZE] + before.closed[NET_CLOSE_MALFORMED] +
                    before.closed[NET_CLOSE_HANDSHAKE_TIMEOUT]);

    /* A huge length prefix: closed at once, before any body is read. */
    before = totals(target);
    fd = tcp_connect(port);
    const uint8_t huge[4] = {0xff, 0xff, 0xff, 0xff};
    assert_true(send_all(fd, huge, sizeof huge));
    int64_t took = wait_closed_ms(fd, HANDSHAKE_TIMEOUT_MS + 1000);
    assert_true(took >= 0 && took < HANDSHAKE_TIMEOUT_MS);
    close(fd);
    wait_total(target, NET_CLOSE_FRAME_SIZE, before.closed[NET_CLOSE_FRAME_SIZE] + 1);

    /* Slowloris: a truncated frame, then silence, until the deadline. */
    before = totals(target);
    fd = tcp_connect(port);
    const uint8_t partial[14] = {0, 0, 0, 100, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    assert_true(send_all(fd, partial, sizeof partial));
    took = wait_closed_ms(fd, HANDSHAKE_TIMEOUT_MS + 2000);
    assert_true(took >= HANDSHAKE_TIMEOUT_MS - 50);
    close(fd);
    wait_total(target, NET_CLOSE_HANDSHAKE_TIMEOUT, before.closed[NET_CLOSE_HANDSHAKE_TIMEOUT] + 1);

    /* A flood of silent connections: beyond pending_max they are shut at
     * once; the held ones time out. */
    before = totals(target);
    int flood[8];
    for (size_t i = 0; i < SEQ_ARRAY_LEN(flood); i++)
        flood[i] = tcp_connect(port);
    wait_total(target, NET_CLOSE_PENDING_FULL, before.closed[NET_CLOSE_PENDING_FULL] + 1);
    deliver_all_pairs(cl); /* authenticated links are not pending slots */
    for (size_t i = 0; i < SEQ_ARRAY_LEN(flood); i++) {
        assert_true(wait_closed_ms(flood[i], HANDSHAKE_TIMEOUT_MS + 2000) >= 0);
        close(flood[i]);
    }

    deliver_all_pairs(cl);
    assert_true(peer_stats(target, 0).connected && peer_stats(target, 2).connected);
    cluster_free(cl);
}

/* ------------------------------------------------------ man in the middle */

typedef enum { PROXY_FORWARD, PROXY_REPLAY, PROXY_FLIP, PROXY_HUGE } proxy_mode;

typedef struct {
    int listen_fd;
    uint16_t port, target_port;
    atomic_int mode;     /* applied to the next message frame, then FORWARD */
    atomic_int injected; /* attacks done */
    atomic_bool stop;
    pthread_t thread;
} proxy;

/* Forwards complete frames from the client and applies the attack to the
 * first message frame (the third frame or later, longer than a tag). */
static bool proxy_frames(proxy *px, int target, uint8_t *buf, size_t *have, uint32_t *frames)
{
    while (*have >= 4) {
        uint32_t len = (uint32_t)buf[0] << 24 | (uint32_t)buf[1] << 16 | (uint32_t)buf[2] << 8 |
                       (uint32_t)buf[3];
        if (4u + (size_t)len > (1u << 16))
            return false; /* the tests send small messages only */
        if (*have < 4u + len)
            return true;
        bool message = *frames >= 2 && len > 16;
        int mode = message ? atomic_exchange(&px->mode, PROXY_FORWARD) : PROXY_FORWARD;
        (*frames)++;
        if (mode == PROXY_FLIP)
            buf[4 + len / 2] ^= 0x01;
        const uint8_t oversize[4] = {0xff, 0xff, 0xff, 0xf0};
        bool ok = mode == PROXY_HUGE ? send_all(target, oversize, sizeof oversize)
                                     : send_all(target, buf, 4u + len);
        if (mode == PROXY_REPLAY)
            ok = ok && send_all(target, buf, 4u + len);
        if (mode != PROXY_FORWARD)
            atomic_fetch_add(&px->injected, 1);
        if (!ok)
            return false;
        memmove(buf, buf + 4 + len, *have - 4 - len);
        *have -= 4u + len;
    }
    return true;
}

static void proxy_session(proxy *px, int client)
{
    int target = tcp_connect(px->target_port);
    static uint8_t buf[1u << 16];
    size_t have = 0;
    uint32_t frames = 0;
    while (target >= 0 && !atomic_load(&px->stop)) {
        struct pollfd fds[2] = {{.fd = client, .events = POLLIN}, {.fd = target, .events = POLLIN}};
        if (poll(fds, 2, 50) <= 0)
            continue;
        if (fds[1].revents != 0) {
            uint8_t tmp[4096];
            ssize_t n = recv(target, tmp, sizeof tmp, 0);
            if (n <= 0 || !send_all(client, tmp, (size_t)n))
                break;
        }
        if (fds[0].revents != 0) {
            ssize_t n = recv(client, buf + have, sizeof buf - have, 0);
            if (n <= 0)
                break;
            have += (size_t)n;
            if (!proxy_frames(px, target, buf, &have, &frames))
                break;
        }
    }
    if (target >= 0)
        close(target);
    close(client);
}

static void *proxy_run(void *arg)
{
    proxy *px = arg;
    while (!atomic_load(&px->stop)) {
        struct pollfd p = {.fd = px->listen_fd, .events = POLLIN};
        if (poll(&p, 1, 50) <= 0)
            continue;
        int client = accept(px->listen_fd, NULL, NULL);
        if (client >= 0)
            proxy_session(px, client); /* one connection at a time */
    }
    return NULL;
}

static void proxy_start(proxy *px, uint16_t target_port)
{
    memset(px, 0, sizeof *px);
    px->target_port = target_port;
    px->listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(px->listen_fd >= 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(px->listen_fd, (struct sockaddr *)&sa, sizeof sa), 0);
    socklen_t len = sizeof sa;
    assert_int_equal(getsockname(px->listen_fd, (struct sockaddr *)&sa, &len), 0);
    px->port = ntohs(sa.sin_port);
    assert_int_equal(listen(px->listen_fd, 8), 0);
    assert_int_equal(pthread_create(&px->thread, NULL, proxy_run, px), 0);
}

static void proxy_stop(proxy *px)
{
    atomic_store(&px->stop, true);
    pthread_join(px->thread, NULL);
    close(px->listen_fd);
}

/* Arms one attack on the 0 -> 1 link and keeps node 0 talking until node 1
 * has closed the connection for `reason`; then the link must come back. */
static void mitm_attack(cluster *cl, proxy *px, proxy_mode mode, net_close_reason reason)
{
    net_counters before = totals(cl->nets[1]);
    int injected = atomic_load(&px->injected);
    atomic_store(&px->mode, mode);
    uint8_t msg[PAYLOAD_BYTES] = "bait";
    for (uint64_t start = test_now_ms();
         atomic_load(&px->injected) == injected ||
         totals(cl->nets[1]).closed[reason] == before.closed[reason];) {
        assert_true(test_now_ms() - start < 2 * CONNECT_WAIT_MS);
        assert_int_equal(net_send(cl->nets[0], 1, msg, sizeof msg), SEQ_OK);
        test_sleep_ms(20);
    }
    wait_all_linked(cl, CONNECT_WAIT_MS);
    assert_true(deliver(cl, 0, 1));
    assert_true(deliver(cl, 1, 0));
}

/* The proxy outlives a failed assertion (cmocka jumps out of the test):
 * the teardown stops its thread. */
static proxy mitm;

static int mitm_teardown(void **state)
{
    (void)state;
    if (mitm.listen_fd > 0)
        proxy_stop(&mitm);
    mitm.listen_fd = 0;
    return 0;
}

static void test_mitm_replay_forge_oversize(void **state)
{
    (void)state;
    cluster *cl = cluster_new();
    proxy *px = &mitm;
    proxy_start(px, cl->ports[1]);
    /* Node 0 reaches node 1 only through the proxy; node 1 cannot dial node
     * 0 at all, so every 0-1 connection passes the man in the middle. */
    cluster_url(cl, 0, 1, px->port);
    cluster_url(cl, 1, 0, free_port());
    for (uint32_t i = 0; i < NODES; i++)
        node_up(cl, i);
    wait_all_linked(cl, CONNECT_WAIT_MS);
    deliver_all_pairs(cl);
    uint64_t bystander =
        peer_stats(cl->nets[2], 0).disconnects + peer_stats(cl->nets[2], 1).disconnects;

    mitm_attack(cl, px, PROXY_REPLAY, NET_CLOSE_DECRYPT_FAILED);
    mitm_attack(cl, px, PROXY_FLIP, NET_CLOSE_DECRYPT_FAILED);
    mitm_attack(cl, px, PROXY_HUGE, NET_CLOSE_FRAME_SIZE);

    net_peer_counters s = peer_stats(cl->nets[1], 0);
    assert_true(s.auth_failures >= 2);   /* the replay and the forgery */
    assert_true(s.protocol_errors >= 1); /* the oversized frame */
    assert_true(s.disconnects >= 3);
    deliver_all_pairs(cl); /* node 2 never noticed */
    assert_int_equal(
        peer_stats(cl->nets[2], 0).disconnects + peer_stats(cl->nets[2], 1).disconnects, bystander);
    mitm_teardown(NULL);
    cluster_free(cl);
}

/* --------------------------------------------------------------- restart */

static void test_restart_reconnects(void **state)
{
    (void)state;
    cluster *cl = cluster_new();
    for (uint32_t i = 0; i < NODES; i++)
        node_up(cl, i);
    wait_all_linked(cl, CONNECT_WAIT_MS);
    deliver_all_pairs(cl);

    node_down(cl, 1);
    for (uint64_t start = test_now_ms();
         peer_stats(cl->nets[0], 1).connected || peer_stats(cl->nets[2], 1).connected;) {
        assert_true(test_now_ms() - start < CONNECT_WAIT_MS);
        test_sleep_ms(5);
    }
    test_sleep_ms(3 * BACKOFF_MAX_MS); /* the others back off to the bound */
    node_up(cl, 1);
    uint64_t took = wait_all_linked(cl, CONNECT_WAIT_MS);
    assert_true(took <= BACKOFF_MAX_MS + 2 * BACKOFF_BASE_MS + HANDSHAKE_TIMEOUT_MS);
    deliver_all_pairs(cl);
    net_peer_counters s = peer_stats(cl->nets[0], 1);
    assert_true(s.disconnects >= 1 && s.connects >= 2);
    cluster_free(cl);
}

/* ---------------------------------------------------------------- bounds */

static void test_bounded_queues(void **state)
{
    (void)state;
    cluster *cl = cluster_new();
    cl->limits.send_queue_depth = 8;
    net *n = node_up(cl, 0); /* nodes 1 and 2 are down */
    uint8_t msg[PAYLOAD_BYTES] = "into the void";
    for (int i = 0; i < 20; i++)
        assert_int_equal(net_send(n, 1, msg, sizeof msg), i < 8 ? SEQ_OK : SEQ_ERR_NO_SPACE);
    net_peer_counters s = peer_stats(n, 1);
    assert_false(s.connected);
    assert_int_equal(s.queue_depth, 8);
    assert_int_equal(s.queue_bytes, 8 * sizeof msg);
    assert_int_equal(s.drops_queue_full, 12);
    assert_int_equal(net_broadcast(n, msg, sizeof msg), SEQ_ERR_NO_SPACE); /* 1 full, 2 not */
    assert_int_equal(peer_stats(n, 2).queue_depth, 1);
    for (uint64_t start = test_now_ms(); totals(n).dial_failures < 2;) {
        assert_true(test_now_ms() - start < CONNECT_WAIT_MS);
        test_sleep_ms(10);
    }

    /* What waited in the queue goes out once the peer appears: the first
     * message once the link is up (a dial after the backoff, a handshake),
     * as the connect bounds elsewhere allow. */
    net *one = node_up(cl, 1);
    for (int i = 0; i < 8; i++)
        assert_true(recv_match(one, 0, msg, sizeof msg,
                               i == 0 ? CONNECT_WAIT_MS + DELIVER_WAIT_MS : DELIVER_WAIT_MS));
    cluster_free(cl);
}

static void test_inbox_backpressure(void **state)
{
    (void)state;
    enum { MESSAGES = 200, INBOX = 4 };
    cluster *cl = cluster_new();
    cl->limits.inbox_depth = INBOX;
    node_up(cl, 0);
    node_up(cl, 1);
    wait_all_linked(cl, CONNECT_WAIT_MS);
    for (uint32_t i = 0; i < MESSAGES; i++) {
        uint8_t msg[PAYLOAD_BYTES];
        memset(msg, 0, sizeof msg);
        memcpy(msg, &i, sizeof i);
        assert_int_equal(net_send(cl->nets[0], 1, msg, sizeof msg), SEQ_OK);
    }
    test_sleep_ms(200); /* node 1 reads nothing: its inbox fills and stops there */
    net_counters t = totals(cl->nets[1]);
    assert_int_equal(t.inbox_depth, INBOX);
    assert_true(peer_stats(cl->nets[1], 0).frames_in < MESSAGES);
    /* Paused, not dropped: everything arrives, in order. */
    for (uint32_t i = 0; i < MESSAGES; i++) {
        uint32_t from = 0;
        size_t len = 0;
        assert_int_equal(net_recv(cl->nets[1], &from, recv_buf, sizeof recv_buf, &len, 2000),
                         SEQ_OK);
        uint32_t got;
        memcpy(&got, recv_buf, sizeof got);
        assert_int_equal(from, 0);
        assert_int_equal(got, i);
    }
    assert_int_equal(peer_stats(cl->nets[0], 1).drops_queue_full, 0);
    assert_true(peer_stats(cl->nets[1], 0).connected);
    cluster_free(cl);
}

/* ------------------------------------------------------------ the faults */

/* Sends count messages a -> b and returns how many arrive in wait_ms. */
static uint32_t send_and_count(cluster *cl, uint32_t a, uint32_t b, uint32_t count,
                               uint32_t wait_ms)
{
    static uint32_t serial;
    uint32_t first = serial;
    for (uint32_t i = 0; i < count; i++) {
        uint8_t msg[8] = {'F'};
        uint32_t id = serial++;
        memcpy(msg + 1, &id, sizeof id);
        assert_int_equal(net_send(cl->nets[a], b, msg, sizeof msg), SEQ_OK);
    }
    uint32_t got = 0;
    uint64_t start = test_now_ms();
    while (test_now_ms() - start < wait_ms) {
        uint32_t from = 0, id = 0;
        size_t len = 0;
        if (net_recv(cl->nets[b], &from, recv_buf, sizeof recv_buf, &len, 20) != SEQ_OK)
            continue;
        memcpy(&id, recv_buf + 1, sizeof id);
        if (from == a && len == 8 && recv_buf[0] == 'F' && id >= first && id < serial)
            got++;
    }
    return got;
}

static void test_faults(void **state)
{
    (void)state;
    cluster *cl = cluster_new();
    node_up(cl, 0);
    node_up(cl, 1);
    wait_all_linked(cl, CONNECT_WAIT_MS);
    net *zero = cl->nets[0], *one = cl->nets[1];

    /* Drop everything 0 -> 1: nothing arrives, the other way still works. */
    assert_int_equal(net_fault_set(zero, 1, &(net_fault){.drop_ppm = NET_FAULT_PPM}), SEQ_OK);
    assert_int_equal(send_and_count(cl, 0, 1, 20, 300), 0);
    assert_int_equal(peer_stats(zero, 1).drops_fault, 20);
    assert_int_equal(send_and_count(cl, 1, 0, 5, 300), 5);

    /* A one-way partition on the receiving side. */
    assert_int_equal(net_fault_set(zero, 1, &(net_fault){0}), SEQ_OK);
    assert_int_equal(net_fault_set(one, 0, &(net_fault){.block_recv = true}), SEQ_OK);
    assert_int_equal(send_and_count(cl, 0, 1, 10, 300), 0);
    assert_int_equal(peer_stats(one, 0).drops_fault, 10);
    assert_int_equal(send_and_count(cl, 1, 0, 5, 300), 5);
    assert_true(linked(cl, 0, 1)); /* keepalives and the link live on */

    /* And on the sending side. */
    assert_int_equal(net_fault_set(one, 0, &(net_fault){0}), SEQ_OK);
    assert_int_equal(net_fault_set(one, 0, &(net_fault){.block_send = true}), SEQ_OK);
    assert_int_equal(send_and_count(cl, 1, 0, 10, 300), 0);
    assert_int_equal(send_and_count(cl, 0, 1, 5, 300), 5);
    assert_int_equal(net_fault_set(one, 0, &(net_fault){0}), SEQ_OK);

    /* Delay: nothing before it, everything after it. */
    const uint32_t delay = 250;
    assert_int_equal(net_fault_set(zero, 1, &(net_fault){.delay_ms = delay, .jitter_ms = 20}),
                     SEQ_OK);
    uint8_t msg[PAYLOAD_BYTES] = "late";
    uint64_t start = test_now_ms();
    assert_int_equal(net_send(zero, 1, msg, sizeof msg), SEQ_OK);
    assert_true(recv_match(one, 0, msg, sizeof msg, 2000));
    uint64_t took = test_now_ms() - start;
    assert_true(took >= delay && took < delay + 20 + 500);

    /* Duplication: every message twice. */
    assert_int_equal(net_fault_set(zero, 1, &(net_fault){.duplicate_ppm = NET_FAULT_PPM}), SEQ_OK);
    assert_int_equal(send_and_count(cl, 0, 1, 5, 300), 10);

    /* A perfect link again; and faults are refused without faults_enabled. */
    assert_int_equal(net_fault_set(zero, 1, &(net_fault){0}), SEQ_OK);
    assert_int_equal(send_and_count(cl, 0, 1, 5, 300), 5);
    net_config c;
    cluster_config(cl, &c, 2);
    c.faults_enabled = false;
    net *plain = NULL;
    assert_int_equal(net_new(&plain, &c), SEQ_OK);
    assert_int_equal(net_fault_set(plain, 0, &(net_fault){0}), SEQ_ERR_UNSUPPORTED);
    net_free(plain);
    cluster_free(cl);
}

static bool fault_is_zero(const net_fault *f)
{
    return f->delay_ms == 0 && f->jitter_ms == 0 && f->drop_ppm == 0 && f->duplicate_ppm == 0 &&
           !f->block_send && !f->block_recv;
}

/* net_fault_get reads back what net_fault_set set, per link; the getters
 * report what net_new was given. No sockets: the nets are not started. */
static void test_fault_get(void **state)
{
    (void)state;
    cluster *cl = cluster_new();
    net_config c;
    cluster_config(cl, &c, 1);
    net *n = NULL;
    assert_int_equal(net_new(&n, &c), SEQ_OK);
    assert_true(net_faults_enabled(n));
    assert_int_equal(net_peer_count(n), NODES);
    assert_int_equal(net_self_index(n), 1);

    net_fault f;
    memset(&f, 0xaa, sizeof f);
    assert_int_equal(net_fault_get(n, &f, 0), SEQ_OK);
    assert_true(fault_is_zero(&f)); /* links start perfect */
    const net_fault set = {.delay_ms = 250,
                           .jitter_ms = 20,
                           .drop_ppm = 1000,
                           .duplicate_ppm = NET_FAULT_PPM,
                           .block_recv = true};
    assert_int_equal(net_fault_set(n, 2, &set), SEQ_OK);
    assert_int_equal(net_fault_get(n, &f, 2), SEQ_OK);
    assert_int_equal(f.delay_ms, 250);
    assert_int_equal(f.jitter_ms, 20);
    assert_int_equal(f.drop_ppm, 1000);
    assert_int_equal(f.duplicate_ppm, NET_FAULT_PPM);
    assert_false(f.block_send);
    assert_true(f.block_recv);
    assert_int_equal(net_fault_get(n, &f, 0), SEQ_OK); /* the other link is untouched */
    assert_int_equal(f.delay_ms, 0);
    assert_false(f.block_recv);
    assert_int_equal(net_fault_set(n, 2, &(net_fault){0}), SEQ_OK);
    assert_int_equal(net_fault_get(n, &f, 2), SEQ_OK);
    assert_true(fault_is_zero(&f));

    /* Self and out of range are refused, with *out zeroed. */
    memset(&f, 0xaa, sizeof f);
    assert_int_equal(net_fault_get(n, &f, 1), SEQ_ERR_INVALID_ARG);
    assert_true(fault_is_zero(&f));
    memset(&f, 0xaa, sizeof f);
    assert_int_equal(net_fault_get(n, &f, NODES), SEQ_ERR_INVALID_ARG);
    assert_true(fault_is_zero(&f));
    net_free(n);

    /* Without faults_enabled: nothing to read. */
    cluster_config(cl, &c, 0);
    c.faults_enabled = false;
    assert_int_equal(net_new(&n, &c), SEQ_OK);
    assert_false(net_faults_enabled(n));
    assert_int_equal(net_self_index(n), 0);
    memset(&f, 0xaa, sizeof f);
    assert_int_equal(net_fault_get(n, &f, 1), SEQ_ERR_UNSUPPORTED);
    assert_true(fault_is_zero(&f));
    net_free(n);
    cluster_free(cl);
}

int main(void)
{
    rng_seed("test_net");
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_config_refused, setup),
        cmocka_unit_test_setup(test_three_nodes_exchange, setup),
        cmocka_unit_test_setup(test_wrong_key_and_genesis_refused, setup),
        cmocka_unit_test_setup(test_raw_adversaries, setup),
        cmocka_unit_test_setup_teardown(test_mitm_replay_forge_oversize, setup, mitm_teardown),
        cmocka_unit_test_setup(test_restart_reconnects, setup),
        cmocka_unit_test_setup(test_bounded_queues, setup),
        cmocka_unit_test_setup(test_inbox_backpressure, setup),
        cmocka_unit_test_setup(test_faults, setup),
        cmocka_unit_test_setup(test_fault_get, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
