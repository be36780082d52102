/* bench_net — the peer transport on loopback.
 *
 * Two nets, a committee of two, connected and authenticated (the real
 * handshake, then XChaCha20-Poly1305 frames over TCP). One-way: a sender
 * thread queues M messages of L bytes as fast as net_send takes them
 * (backing off briefly while the send queue is full) and the main thread
 * takes them with net_recv; the rate counts from the first net_send to the
 * last net_recv. Round trip: the main thread sends 256 B and waits for an
 * echo thread on the other net to send it back. Each message carries its
 * sequence number, checked on arrival (delivery is in order, lossless
 * here). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "bench.h"
#include "l1.h"
#include "node.h"

#define NODES               2u
#define SMALL_BYTES         256u
#define LARGE_BYTES         (64u << 10)
#define SMALL_DEFAULT       200000u
#define LARGE_DEFAULT       5000u
#define PINGS_DEFAULT       10000u
#define SMALL_QUICK         2000u
#define LARGE_QUICK         50u
#define PINGS_QUICK         100u
#define COUNT_MAX           100000000u
#define CONNECT_WAIT_MS     10000u
#define RECV_WAIT_MS        10000u /* longest wait for one message before giving up */
#define ECHO_WAIT_MS        20u    /* how often the echo thread looks at its stop flag */
#define POLL_SLEEP_US       1000u
#define QUEUE_FULL_SLEEP_US 50u
#define SEQUENCE_BYTES      8u

_Static_assert(SEQUENCE_BYTES <= SMALL_BYTES, "a message carries its sequence number");
_Static_assert(LARGE_BYTES <= NET_MSG_BYTES_MAX, "a large message is a valid message");

static const char usage[] = "usage: bench_net [--small N] [--large N] [--pings N] [--quick]\n"
                            "  --small N  one-way 256 B messages (default 200000)\n"
                            "  --large N  one-way 64 KiB messages (default 5000)\n"
                            "  --pings N  256 B round trips (default 10000)\n"
                            "  --quick    2000, 50 and 100 (a smoke run for sanitizer builds)\n";

typedef struct {
    uint64_t small, large, pings;
} options;

typedef struct {
    uint8_t seeds[NODES][NET_SEED_BYTES];
    char urls[NODES][NET_URL_BYTES_MAX];
    net_peer_config peers[NODES];
    net *nets[NODES];
    uint8_t *buf; /* NET_MSG_BYTES_MAX, for the main thread's net_recv */
} pair;

/* What a sender or echo thread works on. */
typedef struct {
    net *n;
    uint64_t count;
    size_t len;
    uint64_t queue_full; /* net_send found the send queue full */
    atomic_bool stop;
    bool failed;
} job;

static void sleep_us(uint32_t us)
{
    struct timespec ts = {.tv_sec = 0, .tv_nsec = (long)us * 1000L};
    nanosleep(&ts, NULL);
}

/* A loopback port nothing listens on right now. */
static uint16_t free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    bench_check(fd >= 0, "socket");
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof sa;
    bool ok = bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0 &&
              getsockname(fd, (struct sockaddr *)&sa, &len) == 0;
    close(fd);
    bench_check(ok, "bind a free port");
    return ntohs(sa.sin_port);
}

static bool connected(net *n, uint32_t peer)
{
    net_peer_counters c;
    return net_peer_stats(n, &c, peer) == SEQ_OK && c.connected;
}

static void pair_up(pair *p)
{
    uint16_t ports[NODES] = {free_port(), 0};
    do {
        ports[1] = free_port();
    } while (ports[1] == ports[0]);
    for (uint32_t i = 0; i < NODES; i++) {
        uint8_t sk[NET_SECRET_KEY_BYTES];
        memset(p->seeds[i], (int)(0x51 + i), NET_SEED_BYTES);
        crypto_sign_seed_keypair(p->peers[i].transport_public_key, sk, p->seeds[i]);
        sodium_memzero(sk, sizeof sk);
        memset(&p->peers[i].address, 0, sizeof p->peers[i].address);
        p->peers[i].address.b[19] = (uint8_t)(i + 1);
        snprintf(p->urls[i], NET_URL_BYTES_MAX, "tcp://127.0.0.1:%u", (unsigned)ports[i]);
        p->peers[i].url = p->urls[i];
    }
    seq_hash genesis;
    l1_keccak256(&genesis, (const uint8_t *)"seqd-bench", 10);
    for (uint32_t i = 0; i < NODES; i++) {
        net_config c = {.peers = p->peers,
                        .peer_count = NODES,
                        .self_index = i,
                        .transport_secret_key = p->seeds[i],
                        .transport_secret_key_len = NET_SEED_BYTES,
                        .genesis_hash = genesis};
        bench_check(net_new(&p->nets[i], &c) == SEQ_OK, "net_new");
        bench_check(net_start(p->nets[i]) == SEQ_OK, "net_start");
    }
    uint64_t deadline = bench_now_ns() + (uint64_t)CONNECT_WAIT_MS * 1000000u;
    while (!connected(p->nets[0], 1) || !connected(p->nets[1], 0)) {
        bench_check(bench_now_ns() < deadline, "the two nets did not connect");
        sleep_us(POLL_SLEEP_US);
    }
    p->buf = malloc(NET_MSG_BYTES_MAX);
    bench_check(p->buf != NULL, "out of memory");
}

static void pair_down(pair *p)
{
    for (uint32_t i = 0; i < NODES; i++)
        net_free(p->nets[i]);
    sodium_memzero(p->seeds, sizeof p->seeds);
    free(p->buf);
}

/* --------------------------------------------------------------- one-way */

/* Queues job->count messages of job->len bytes to peer 1, each stamped
 * with its sequence number. */
static void *sender_main(void *arg)
{
    job *j = arg;
    uint8_t *msg = calloc(1, j->len);
    j->failed = msg == NULL;
    for (uint64_t seq = 0; seq < j->count && !j->failed;) {
        memcpy(msg, &seq, SEQUENCE_BYTES);
        seq_err err = net_send(j->n, 1, msg, j->len);
        if (err == SEQ_OK) {
            seq++;
        } else if (err == SEQ_ERR_NO_SPACE) {
            j->queue_full++;
            sleep_us(QUEUE_FULL_SLEEP_US);
        } else {
            j->failed = true;
        }
    }
    free(msg);
    return NULL;
}

/* Takes the next message on n into p->buf; checks its size and sequence. */
static void expect(pair *p, net *n, uint32_t from_want, size_t len_want, uint64_t seq_want)
{
    uint32_t from = 0;
    size_t len = 0;
    seq_err err = net_recv(n, &from, p->buf, NET_MSG_BYTES_MAX, &len, RECV_WAIT_MS);
    bench_check(err == SEQ_OK, "net_recv: no message in time");
    uint64_t seq;
    memcpy(&seq, p->buf, SEQUENCE_BYTES);
    bench_check(from == from_want && len == len_want && seq == seq_want,
                "messages arrive whole, in order, from the right peer");
}

static void bench_one_way(pair *p, size_t len, uint64_t count)
{
    job j = {.n = p->nets[0], .count = count, .len = len};
    pthread_t sender;
    uint64_t start = bench_now_ns();
    bench_check(pthread_create(&sender, NULL, sender_main, &j) == 0, "pthread_create");
    for (uint64_t seq = 0; seq < count; seq++)
        expect(p, p->nets[1], 0, len, seq);
    double seconds = bench_seconds(start, bench_now_ns());
    pthread_join(sender, NULL);
    bench_check(!j.failed, "net_send");
    double rate = (double)count / seconds, mb = rate * (double)len / 1e6;
    printf("{\"bench\":\"net_one_way\",\"message_bytes\":%zu,\"messages\":%llu,"
           "\"seconds\":%.3f,\"messages_per_s\":%.0f,\"mb_per_s\":%.1f,\"queue_full\":%llu}\n",
           len, (unsigned long long)count, seconds, rate, mb, (unsigned long long)j.queue_full);
    fprintf(stderr,
            "net one-way %zu B: %llu messages in %.2f s = %.0f msgs/s, %.1f MB/s "
            "(send queue full %llu times)\n",
            len, (unsigned long long)count, seconds, rate, mb, (unsigned long long)j.queue_full);
    fflush(stdout);
}

/* ------------------------------------------------------------ round trip */

/* Sends every message on j->n back to where it came from, until j->stop. */
static void *echo_main(void *arg)
{
    job *j = arg;
    uint8_t *buf = malloc(NET_MSG_BYTES_MAX);
    j->failed = buf == NULL;
    while (!j->failed && !atomic_load(&j->stop)) {
        uint32_t from = 0;
        size_t len = 0;
        seq_err err = net_recv(j->n, &from, buf, NET_MSG_BYTES_MAX, &len, ECHO_WAIT_MS);
        if (err == SEQ_ERR_TIMEOUT)
            continue;
        j->failed = err != SEQ_OK || net_send(j->n, from, buf, len) != SEQ_OK;
    }
    free(buf);
    return NULL;
}

static void bench_round_trip(pair *p, uint64_t count)
{
    uint64_t *ns = calloc((size_t)count, sizeof *ns);
    bench_check(ns != NULL, "out of memory");
    job j = {.n = p->nets[1]};
    atomic_init(&j.stop, false);
    pthread_t echo;
    bench_check(pthread_create(&echo, NULL, echo_main, &j) == 0, "pthread_create");
    uint8_t msg[SMALL_BYTES] = {0};
    for (uint64_t seq = 0; seq < count; seq++) {
        memcpy(msg, &seq, SEQUENCE_BYTES);
        uint64_t start = bench_now_ns();
        bench_check(net_send(p->nets[0], 1, msg, sizeof msg) == SEQ_OK, "net_send");
        expect(p, p->nets[0], 1, sizeof msg, seq);
        ns[seq] = bench_now_ns() - start;
    }
    atomic_store(&j.stop, true);
    pthread_join(echo, NULL);
    bench_check(!j.failed, "the echo thread failed");
    bench_sort(ns, (size_t)count);
    double p50 = (double)bench_percentile(ns, (size_t)count, 50) / 1e3;
    double p99 = (double)bench_percentile(ns, (size_t)count, 99) / 1e3;
    double max = (double)ns[count - 1] / 1e3;
    printf("{\"bench\":\"net_round_trip\",\"message_bytes\":%u,\"round_trips\":%llu,"
           "\"us_p50\":%.1f,\"us_p99\":%.1f,\"us_max\":%.1f}\n",
           SMALL_BYTES, (unsigned long long)count, p50, p99, max);
    fprintf(stderr, "net round trip %u B: %llu pings: p50 %.0f us, p99 %.0f us, max %.0f us\n",
            SMALL_BYTES, (unsigned long long)count, p50, p99, max);
    fflush(stdout);
    free(ns);
}

static void options_parse(options *o, int argc, char **argv)
{
    *o = (options){0};
    bool quick = false;
    for (int i = 1; i < argc; i++) {
        if (bench_arg_u64(argc, argv, &i, "--small", 1, COUNT_MAX, &o->small) ||
            bench_arg_u64(argc, argv, &i, "--large", 1, COUNT_MAX, &o->large) ||
            bench_arg_u64(argc, argv, &i, "--pings", 1, COUNT_MAX, &o->pings))
            continue;
        if (strcmp(argv[i], "--quick") == 0)
            quick = true;
        else
            bench_usage(usage);
    }
    if (o->small == 0)
        o->small = quick ? SMALL_QUICK : SMALL_DEFAULT;
    if (o->large == 0)
        o->large = quick ? LARGE_QUICK : LARGE_DEFAULT;
    if (o->pings == 0)
        o->pings = quick ? PINGS_QUICK : PINGS_DEFAULT;
}

int main(int argc, char **argv)
{
    options opt;
    options_parse(&opt, argc, argv);
    bench_check(sodium_init() >= 0, "sodium_init");
    seq_log_configure(SEQ_LOG_WARN, SEQ_LOG_TEXT, NULL);
    pair *p = calloc(1, sizeof *p);
    bench_check(p != NULL, "out of memory");
    pair_up(p);
    bench_one_way(p, SMALL_BYTES, opt.small);
    bench_one_way(p, LARGE_BYTES, opt.large);
    bench_round_trip(p, opt.pings);
    pair_down(p);
    free(p);
    return 0;
}
