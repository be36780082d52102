/* bench_store — the durable write path and block reads of the node store.
 *
 * Writes: a chain of updates, each shaped like one turn of a replica that
 * votes and commits: the safety state, one new block of K txs of B bytes,
 * the QC certifying it (S signatures) and its commit (which fills the
 * height index and hands the txs to the background tx indexer). Every
 * store_apply is one fsync'd LMDB commit, so its latency bounds the rate
 * at which one node can commit blocks. The indexer runs meanwhile, as in
 * a node; store_tx_index_sync after the last update (not timed) checks
 * that it kept up.
 * Reads: store_get_block of uniformly random stored blocks by hash.
 * The store lives in a fresh temporary directory, removed at the end; pass
 * --dir to measure another filesystem. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/vfs.h>

#include <sodium.h>

#include "bench.h"
#include "l1.h"
#include "node.h"

#define CHAIN_ID          901u
#define UPDATES_DEFAULT   2000u
#define UPDATES_QUICK     50u
#define UPDATES_MAX       1000000u
#define READS_DEFAULT     100000u
#define READS_QUICK       1000u
#define READS_MAX         100000000u
#define TXS_DEFAULT       100u
#define TX_BYTES_DEFAULT  100u
#define SIGS_DEFAULT      3u    /* a QC of a 4-validator committee */
#define TX_STAMP_BYTES    12u   /* height (8) || index (4) make each tx distinct */
#define BLOCK_SLACK_BYTES 4096u /* map room per block beyond its txs */
#define TX_INDEX_BYTES    128u  /* map room per tx index entry, generous */

_Static_assert(STORE_MAP_BYTES_DEFAULT <= STORE_MAP_BYTES_MAX, "default map is allowed");

static const char usage[] =
    "usage: bench_store [--updates N] [--txs K] [--tx-bytes B] [--sigs S] [--reads R]\n"
    "                   [--dir PARENT] [--quick]\n"
    "  --updates N   durable updates, one block each (default 2000)\n"
    "  --txs K       txs per block (default 100)\n"
    "  --tx-bytes B  bytes per tx (default 100)\n"
    "  --sigs S      signatures per QC (default 3)\n"
    "  --reads R     store_get_block calls (default 100000)\n"
    "  --dir PARENT  where the temporary store goes (default $TMPDIR or /tmp)\n"
    "  --quick       50 updates and 1000 reads (a smoke run for sanitizer builds)\n";

typedef struct {
    uint64_t updates, txs, tx_bytes, sigs, reads;
    const char *dir;
} options;

/* One update being built; reused for every height. */
typedef struct {
    cons_block block, commit;
    seq_bytes *txs;
    uint8_t *tx_bytes;
    wire_sig sigs[WIRE_VALIDATORS_MAX];
    wire_qc qc;
    cons_safety safety;
    cons_update update;
} work;

static void work_init(work *w, const options *o)
{
    size_t count = (size_t)o->txs, len = (size_t)o->tx_bytes;
    w->txs = calloc(count + 1, sizeof *w->txs);
    w->tx_bytes = malloc(count * len + 1);
    bench_check(w->txs != NULL && w->tx_bytes != NULL, "out of memory");
    static const uint8_t seed[randombytes_SEEDBYTES] = {2};
    randombytes_buf_deterministic(w->tx_bytes, count * len, seed);
    for (size_t i = 0; i < count; i++)
        w->txs[i] = (seq_bytes){.ptr = w->tx_bytes + i * len, .len = len};
    for (size_t i = 0; i < o->sigs; i++) {
        memset(&w->sigs[i], 0, sizeof w->sigs[i]);
        w->sigs[i].signer.b[0] = (uint8_t)(i + 1); /* strictly ascending */
        w->sigs[i].signer.b[1] = (uint8_t)(i >> 8);
        randombytes_buf_deterministic(w->sigs[i].sig.b, SEQ_SIG_BYTES - 1, seed);
        w->sigs[i].sig.b[SEQ_SIG_BYTES - 1] = 27;
    }
}

static void work_free(work *w)
{
    free(w->txs);
    free(w->tx_bytes);
}

/* Writes the update committing the block at height on top of parent. */
static void work_fill(work *w, const options *o, uint64_t height, const seq_hash *parent)
{
    for (size_t i = 0; i < o->txs; i++) {
        uint8_t stamp[TX_STAMP_BYTES];
        memcpy(stamp, &height, 8);
        uint32_t index = (uint32_t)i;
        memcpy(stamp + 8, &index, 4);
        size_t n = o->tx_bytes < TX_STAMP_BYTES ? (size_t)o->tx_bytes : TX_STAMP_BYTES;
        memcpy(w->tx_bytes + i * o->tx_bytes, stamp, n);
    }
    seq_block_header *h = &w->block.block.header;
    *h = (seq_block_header){.l2_chain_id = CHAIN_ID,
                            .height = height,
                            .view = height,
                            .parent_hash = *parent,
                            .l1_origin_number = 1,
                            .timestamp_ms = height * 100};
    l1_keccak256(&h->tx_root, w->tx_bytes, (size_t)(o->txs * o->tx_bytes));
    memset(h->proposer.b, 0xaa, SEQ_ADDR_BYTES);
    l1_block_hash(&w->block.hash, h);
    w->block.block.tx_count = (size_t)o->txs;
    w->block.block.txs = w->txs;
    w->commit = (cons_block){.hash = w->block.hash, .block = {.header = *h}};
    w->qc = (wire_qc){.view = height,
                      .height = height,
                      .block_hash = w->block.hash,
                      .sig_count = (size_t)o->sigs,
                      .sigs = w->sigs};
    w->safety.view_voted = height;
    w->safety.high_qc = (cons_qc){.view = height,
                                  .height = height,
                                  .block_hash = w->block.hash,
                                  .sig_count = (uint32_t)o->sigs};
    memcpy(w->safety.high_qc.sigs, w->sigs, (size_t)o->sigs * sizeof(wire_sig));
    w->update = (cons_update){.safety = &w->safety,
                              .block_count = 1,
                              .blocks = &w->block,
                              .qc_count = 1,
                              .qcs = &w->qc,
                              .commit_count = 1,
                              .commits = &w->commit};
}

/* ------------------------------------------------------------ measuring */

/* The filesystem the store is on, as statfs names it by magic number. */
static const char *fs_name(const char *path)
{
    static const struct {
        unsigned long magic;
        const char *name;
    } known[] = {{0xEF53ul, "ext4"},      {0x01021994ul, "tmpfs"},   {0x58465342ul, "xfs"},
                 {0x9123683Eul, "btrfs"}, {0x794C7630ul, "overlay"}, {0x2FC12FC1ul, "zfs"},
                 {0x6969ul, "nfs"},       {0x65735546ul, "fuse"}};
    struct statfs st;
    if (statfs(path, &st) != 0)
        return "unknown";
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        if ((unsigned long)st.f_type == known[i].magic)
            return known[i].name;
    }
    return "other";
}

/* Map room for every block, its index entries and the safety record. */
static uint64_t map_bytes_for(const options *o)
{
    uint64_t per_block = o->txs * (o->tx_bytes + TX_INDEX_BYTES) + BLOCK_SLACK_BYTES;
    uint64_t want = 2 * o->updates * per_block;
    if (want < STORE_MAP_BYTES_DEFAULT)
        return STORE_MAP_BYTES_DEFAULT;
    return want < STORE_MAP_BYTES_MAX ? want : STORE_MAP_BYTES_MAX;
}

static void print_latency(const char *bench, const options *o, const char *fs, uint64_t count,
                          double seconds, uint64_t *ns)
{
    bench_sort(ns, (size_t)count);
    double rate = (double)count / seconds;
    double p50 = (double)bench_percentile(ns, (size_t)count, 50) / 1e3;
    double p99 = (double)bench_percentile(ns, (size_t)count, 99) / 1e3;
    double max = (double)ns[count - 1] / 1e3;
    double mean = seconds * 1e6 / (double)count;
    printf("{\"bench\":\"%s\",\"fs\":\"%s\",\"txs_per_block\":%llu,\"tx_bytes\":%llu,"
           "\"sigs\":%llu,\"count\":%llu,\"seconds\":%.3f,\"per_s\":%.1f,\"us_mean\":%.1f,"
           "\"us_p50\":%.1f,\"us_p99\":%.1f,\"us_max\":%.1f}\n",
           bench, fs, (unsigned long long)o->txs, (unsigned long long)o->tx_bytes,
           (unsigned long long)o->sigs, (unsigned long long)count, seconds, rate, mean, p50, p99,
           max);
    fprintf(stderr,
            "%s on %s, %llu txs x %llu B: %llu calls in %.2f s = %.0f/s; "
            "latency p50 %.0f us, p99 %.0f us, max %.0f us\n",
            bench, fs, (unsigned long long)o->txs, (unsigned long long)o->tx_bytes,
            (unsigned long long)count, seconds, rate, p50, p99, max);
    fflush(stdout);
}

/* Applies opt->updates updates; hashes[h - 1] is the block at height h.
 * Only the store_apply calls are timed. */
static void bench_apply(store *s, const options *o, const char *fs, seq_hash *hashes)
{
    work *w = calloc(1, sizeof *w);
    uint64_t *ns = calloc((size_t)o->updates, sizeof *ns);
    bench_check(w != NULL && ns != NULL, "out of memory");
    work_init(w, o);
    seq_hash parent = {{0}};
    uint64_t total = 0;
    for (uint64_t i = 0; i < o->updates; i++) {
        work_fill(w, o, i + 1, &parent);
        uint64_t start = bench_now_ns();
        seq_err err = store_apply(s, &w->update);
        ns[i] = bench_now_ns() - start;
        bench_check(err == SEQ_OK, "store_apply");
        total += ns[i];
        parent = w->block.hash;
        hashes[i] = parent;
    }
    print_latency("store_apply", o, fs, o->updates, (double)total / 1e9, ns);
    bench_check(store_tx_index_sync(s) == SEQ_OK, "store_tx_index_sync");
    work_free(w);
    free(w);
    free(ns);
}

/* Reads uniformly random stored blocks by hash. */
static void bench_get_block(store *s, const options *o, const char *fs, const seq_hash *hashes)
{
    uint8_t *mem = malloc(STORE_BLOCK_ARENA_BYTES);
    uint64_t *ns = calloc((size_t)o->reads, sizeof *ns);
    bench_check(mem != NULL && ns != NULL, "out of memory");
    seq_arena arena;
    seq_arena_init(&arena, mem, STORE_BLOCK_ARENA_BYTES);
    uint64_t total = 0;
    for (uint64_t i = 0; i < o->reads; i++) {
        const seq_hash *want = &hashes[randombytes_uniform((uint32_t)o->updates)];
        cons_block got;
        seq_arena_reset(&arena);
        uint64_t start = bench_now_ns();
        seq_err err = store_get_block(s, &got, &arena, want);
        ns[i] = bench_now_ns() - start;
        bench_check(err == SEQ_OK && got.block.tx_count == o->txs, "store_get_block");
        total += ns[i];
    }
    print_latency("store_get_block", o, fs, o->reads, (double)total / 1e9, ns);
    free(mem);
    free(ns);
}

static void options_parse(options *o, int argc, char **argv)
{
    *o = (options){.txs = TXS_DEFAULT, .tx_bytes = TX_BYTES_DEFAULT, .sigs = SIGS_DEFAULT};
    bool quick = false;
    for (int i = 1; i < argc; i++) {
        if (bench_arg_u64(argc, argv, &i, "--updates", 1, UPDATES_MAX, &o->updates) ||
            bench_arg_u64(argc, argv, &i, "--txs", 0, WIRE_BLOCK_TXS_MAX, &o->txs) ||
            bench_arg_u64(argc, argv, &i, "--tx-bytes", 1, WIRE_TX_BYTES_MAX, &o->tx_bytes) ||
            bench_arg_u64(argc, argv, &i, "--sigs", 1, WIRE_VALIDATORS_MAX, &o->sigs) ||
            bench_arg_u64(argc, argv, &i, "--reads", 1, READS_MAX, &o->reads))
            continue;
        if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc)
            o->dir = argv[++i];
        else if (strcmp(argv[i], "--quick") == 0)
            quick = true;
        else
            bench_usage(usage);
    }
    if (o->updates == 0)
        o->updates = quick ? UPDATES_QUICK : UPDATES_DEFAULT;
    if (o->reads == 0)
        o->reads = quick ? READS_QUICK : READS_DEFAULT;
    if (o->txs * o->tx_bytes > WIRE_BLOCK_TX_BYTES_MAX) {
        fprintf(stderr, "bench_store: --txs x --tx-bytes exceeds %u bytes per block\n",
                WIRE_BLOCK_TX_BYTES_MAX);
        exit(BENCH_EXIT_USAGE);
    }
}

int main(int argc, char **argv)
{
    options opt;
    options_parse(&opt, argc, argv);
    bench_check(sodium_init() >= 0, "sodium_init");
    seq_log_configure(SEQ_LOG_WARN, SEQ_LOG_TEXT, NULL);
    char root[BENCH_PATH_BYTES], dir[BENCH_PATH_BYTES + 8];
    bench_temp_dir(root, opt.dir);
    snprintf(dir, sizeof dir, "%s/data", root);
    const char *fs = fs_name(root);
    seq_hash genesis;
    l1_keccak256(&genesis, (const uint8_t *)"seqd-bench", 10);
    store_options so = {.map_bytes = map_bytes_for(&opt)};
    store *s = NULL;
    seq_hash *hashes = calloc((size_t)opt.updates, sizeof *hashes);
    bool ok = hashes != NULL && store_open(&s, dir, &genesis, &so) == SEQ_OK;
    if (ok) {
        bench_apply(s, &opt, fs, hashes);
        bench_get_block(s, &opt, fs, hashes);
    }
    store_close(s);
    free(hashes);
    bench_remove_tree(root);
    bench_check(ok, "store_open");
    return 0;
}
