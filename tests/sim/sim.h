/* sim.h — seqd's deterministic simulator: n consensus replicas in one
 * process, virtual time in milliseconds, one seed for all randomness, a
 * network that delays, drops, duplicates, reorders and partitions, crashes
 * with restarts from a simulated disk, byzantine replicas (Twins, an
 * equivocating leader, a double voter), and the protocol's invariants
 * checked after every step. See README.md in this folder.
 *
 * One header for the whole simulator: its modules (rng, crypto, store,
 * disk, net, host, byz, check, fault, world, stats, canary) are small and
 * share the world's state. */
#ifndef SEQ_SIM_H
#define SEQ_SIM_H

#include <sodium.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "consensus.h"
#include "seq.h"
#include "wire.h"

/* ---------------------------------------------------------------- limits */

#define SIM_REPLICAS_MAX  10u /* committee sizes are 4, 7 and 10 */
#define SIM_BYZANTINE_MAX 3u  /* f of the largest committee */
/* Twins add one host per byzantine key. */
#define SIM_HOSTS_MAX (SIM_REPLICAS_MAX + SIM_BYZANTINE_MAX)
/* Messages and bytes in flight. Normal runs keep a few hundred messages in
 * flight; beyond these caps the network drops and the run fails ("storm"):
 * a replica is amplifying traffic. */
#define SIM_PACKETS_MAX      (1u << 13)
#define SIM_NET_BYTES_MAX    (64u << 20)
#define SIM_LOCAL_EVENTS_MAX 64u        /* follow-up events a host owes its core */
#define SIM_STEPS_MAX        2000000u   /* steps in one seed */
#define SIM_MAP_ENTRIES_MAX  (1u << 22) /* entries of one map */
#define SIM_HEIGHTS_MAX      (1u << 22) /* committed heights tracked */
#define SIM_DETAIL_BYTES     512u
#define SIM_TRACE_BYTES      32u

_Static_assert(SIM_BYZANTINE_MAX == (SIM_REPLICAS_MAX - 1) / 3, "f of the largest committee");
_Static_assert(SIM_HOSTS_MAX < 256, "host ids fit in a byte");
_Static_assert(SIM_REPLICAS_MAX <= CONS_VALIDATORS_MAX, "the committee fits the core");

/* What a leader proposes: 0..4 txs of 1..64 random bytes. */
#define SIM_PAYLOAD_TXS_MAX      4u
#define SIM_PAYLOAD_TX_BYTES_MAX 64u
/* The core's block caps: small, so that a full sync response stays small. */
#define SIM_BLOCK_TXS_MAX      8u
#define SIM_BLOCK_TX_BYTES_MAX 1024u
/* Upper bound of one certified block on the wire (header, tx framing, QC). */
#define SIM_CERTIFIED_BLOCK_BYTES_MAX \
    (512u + SIM_BLOCK_TX_BYTES_MAX + 8u * SIM_BLOCK_TXS_MAX + 128u * SIM_REPLICAS_MAX)

_Static_assert(SIM_PAYLOAD_TXS_MAX <= SIM_BLOCK_TXS_MAX, "a payload fits a block");
_Static_assert(SIM_PAYLOAD_TXS_MAX *SIM_PAYLOAD_TX_BYTES_MAX <= SIM_BLOCK_TX_BYTES_MAX,
               "a payload fits a block");
_Static_assert(SIM_BLOCK_TX_BYTES_MAX <= WIRE_BLOCK_TX_BYTES_MAX, "caps within the wire's");
_Static_assert(WIRE_SYNC_BLOCKS_MAX *SIM_CERTIFIED_BLOCK_BYTES_MAX < WIRE_MSG_BYTES_MAX,
               "a full sync response fits in one message");

/* The core's configuration. */
#define SIM_TIMEOUT_MS_BASE 200u
#define SIM_TIMEOUT_MS_MAX  3200u
#define SIM_FETCH_RETRY_MS  200u
#define SIM_L2_CHAIN_ID     901u
#define SIM_L1_CHAIN_ID     31337u

/* Liveness: once every fault has healed, every honest replica commits a new
 * block within this much virtual time. */
#define SIM_LIVENESS_TIMEOUTS 10u
#define SIM_LIVENESS_SLACK_MS 2000u
#define SIM_LIVENESS_MS       (SIM_LIVENESS_TIMEOUTS * SIM_TIMEOUT_MS_MAX + SIM_LIVENESS_SLACK_MS)

/* Evidence completeness: two statements delivered within this many views of
 * the receiver's view must be reported (the core keeps +-32). */
#define SIM_EVIDENCE_WINDOW_VIEWS 16u
_Static_assert(SIM_EVIDENCE_WINDOW_VIEWS < CONS_EQUIVOCATION_VIEWS / 2,
               "the window lies strictly inside the core's");
/* A double voter that sent this many conflicting votes in a run without a
 * schedule tape must have been named in Vote evidence by an honest replica
 * (see README.md, "double-vote-caught"). */
#define SIM_DOUBLE_VOTES_CAUGHT 32u

/* ------------------------------------------------------------------- rng */

/* splitmix64. Every stream of a run derives from the run's one seed. A
 * stream may first draw from a tape of bytes (8 per draw, little-endian),
 * which is how a fuzzer steers a run's schedule. */
typedef struct {
    uint64_t state;
    const uint8_t *tape;
    size_t tape_len;
    size_t tape_pos;
} sim_rng;

void sim_rng_seed(sim_rng *r, uint64_t seed, uint64_t stream);
/* Makes r draw from tape[0..len) (borrowed) until it runs out. */
void sim_rng_tape(sim_rng *r, const uint8_t *tape, size_t len);
uint64_t sim_rng_next(sim_rng *r);
/* Uniform in [0, bound); bound > 0. */
uint64_t sim_rng_below(sim_rng *r, uint64_t bound);
/* Uniform in [lo, hi]. */
uint64_t sim_rng_range(sim_rng *r, uint64_t lo, uint64_t hi);
bool sim_rng_permille(sim_rng *r, uint32_t permille);
void sim_rng_fill(sim_rng *r, uint8_t *out, size_t len);
void sim_rng_shuffle(sim_rng *r, size_t *items, size_t count);

/* ---------------------------------------------------------------- crypto */

/* Validator keys and the ops tables bound to them. Fake crypto: BLAKE2b-256
 * hashes and digests with distinct domain prefixes, signatures = keyed
 * BLAKE2b-512 of the digest with v = 27. Real crypto: keccak256, EIP-712 and
 * secp256k1 through l1/. */
typedef struct sim_crypto sim_crypto;

SEQ_MUST_USE seq_err sim_crypto_new(sim_crypto **out, uint64_t seed, size_t n, bool real);
void sim_crypto_free(sim_crypto *c);
const seq_addr *sim_crypto_addr(const sim_crypto *c, size_t index);
/* The ops table that signs as validator index. */
void sim_crypto_ops(sim_crypto *c, cons_ops *out, size_t index);

/* ----------------------------------------------------------------- store */

/* Hash-keyed map of owned records (block hash -> record). */
typedef struct {
    seq_hash *keys;
    void **values; /* NULL marks an empty slot */
    size_t cap;
    size_t count;
} sim_map;

void sim_map_free(sim_map *m);
void *sim_map_get(const sim_map *m, const seq_hash *key);
/* Takes ownership of value (heap memory); key must be absent. */
void sim_map_put(sim_map *m, const seq_hash *key, void *value);

/* u64-keyed map of digests (statement records). Iteration order is slot
 * order, which depends only on the keys inserted: deterministic. */
typedef struct {
    uint64_t *keys;
    seq_hash *values;
    bool *used;
    size_t cap;
    size_t count;
} sim_kmap;

void sim_kmap_free(sim_kmap *m);
void sim_kmap_clear(sim_kmap *m);
const seq_hash *sim_kmap_get(const sim_kmap *m, uint64_t key);
/* Inserts or overwrites. */
void sim_kmap_put(sim_kmap *m, uint64_t key, const seq_hash *value);

/* Statement kinds, as in wire_evidence_kind. */
typedef enum {
    SIM_STMT_PROPOSAL = WIRE_EVIDENCE_PROPOSAL,
    SIM_STMT_VOTE = WIRE_EVIDENCE_VOTE,
    SIM_STMT_TIMEOUT = WIRE_EVIDENCE_TIMEOUT,
} sim_stmt_kind;

/* Packs (view, validator index, kind) into one map key. */
uint64_t sim_stmt_key(uint64_t view, size_t index, sim_stmt_kind kind);
void sim_stmt_key_split(uint64_t key, uint64_t *view, size_t *index, sim_stmt_kind *kind);

/* ------------------------------------------------------------------ disk */

/* What survives a crash: everything the core asked to persist. */
typedef struct {
    seq_hash hash;
    seq_block_header header;
    size_t tx_count;
    seq_bytes *txs; /* into the same allocation */
} sim_block_rec;

typedef struct {
    wire_qc qc; /* sigs into the same allocation */
} sim_qc_rec;

typedef struct {
    bool has_safety;
    cons_safety safety;
    sim_map blocks;     /* block hash -> sim_block_rec */
    sim_map qcs;        /* certified block hash -> sim_qc_rec */
    seq_hash *chain;    /* chain[h - 1]: the hash committed at height h */
    uint64_t *chain_ms; /* chain_ms[h - 1]: when height h was committed */
    size_t chain_cap;
    uint64_t height; /* committed tip; 0 = genesis */
    seq_block_header tip;
} sim_disk;

void sim_disk_free(sim_disk *d);
/* Deep copies; a block or QC already stored is kept. */
void sim_disk_store_block(sim_disk *d, const cons_block *block);
void sim_disk_store_qc(sim_disk *d, const wire_qc *qc);
void sim_disk_commit(sim_disk *d, const seq_hash *hash, const seq_block_header *header,
                     uint64_t now_ms);
/* Certified blocks answering req, in out[0..return); they borrow from d. */
size_t sim_disk_answer(const sim_disk *d, wire_certified_block *out, size_t out_cap,
                       const wire_sync_request *req);

/* --------------------------------------------------------------- network */

/* Encoded message bytes, shared by every copy in flight. */
typedef struct {
    uint32_t refs;
    size_t len;
    uint8_t bytes[];
} sim_blob;

sim_blob *sim_blob_new(const uint8_t *bytes, size_t len);
void sim_blob_release(sim_blob *b);

typedef struct {
    uint64_t deliver_ms;
    uint64_t seq; /* send order: ties on deliver_ms keep it */
    uint8_t from_host;
    uint8_t to_host;
    sim_blob *blob;
} sim_packet;

typedef struct {
    sim_packet *heap; /* min-heap by (deliver_ms, seq) */
    size_t count;
    size_t cap;
    uint64_t seq_next;
    bool blocked[SIM_HOSTS_MAX][SIM_HOSTS_MAX]; /* [from][to] */
    uint32_t drop_permille;
    uint32_t dup_permille;
    uint32_t latency_ms_max;
    size_t bytes; /* in flight, counting every copy */
    uint64_t dropped;
    uint64_t overflowed; /* refused by SIM_PACKETS_MAX or SIM_NET_BYTES_MAX */
} sim_net;

void sim_net_free(sim_net *net);
/* Queues blob (one more reference) from -> to with a random delay; may drop
 * it or queue a duplicate. */
void sim_net_send(sim_net *net, sim_rng *rng, uint64_t now_ms, size_t from, size_t to,
                  sim_blob *blob);
bool sim_net_next_ms(const sim_net *net, uint64_t *deliver_ms);
/* Removes the earliest packet; the caller owns its blob reference. */
void sim_net_pop(sim_net *net, sim_packet *out);
void sim_net_heal(sim_net *net);

/* ---------------------------------------------------------------- canary */

#define SIM_CANARY_NONE 0u
/* Implemented by the simulator: restart replicas with no safety state, as
 * if their disk had forgotten it. */
#define SIM_CANARY_FORGET_STATE 1000u

/* True in seqsim_canary, which links the core's canary variants. */
bool sim_canary_supported(void);
bool sim_canary_parse(uint32_t *out, const char *name);
const char *sim_canary_name(uint32_t canary);
/* Switches a fresh core to the canary's broken variant (core canaries). */
void sim_canary_apply(cons *c, uint32_t canary);

/* ----------------------------------------------------------------- mixes */

typedef enum {
    SIM_MIX_NONE = 0,
    SIM_MIX_LOSS,
    SIM_MIX_CRASH,
    SIM_MIX_CRASH_LEADER,
    SIM_MIX_PARTITION,
    SIM_MIX_TWINS,
    SIM_MIX_EQUIVOCATE,
    SIM_MIX_MIXED,
    SIM_MIX_DOUBLE_VOTE,
    SIM_MIX_COUNT,
} sim_mix;

const char *sim_mix_name(sim_mix mix);
bool sim_mix_parse(sim_mix *out, const char *name);

/* ------------------------------------------------------------ histograms */

#define SIM_HIST_BUCKETS 256u

typedef struct {
    uint64_t counts[SIM_HIST_BUCKETS]; /* the last bucket holds that value or more */
    uint64_t total;
    uint64_t max;
} sim_hist;

void sim_hist_add(sim_hist *h, uint64_t value);
void sim_hist_merge(sim_hist *into, const sim_hist *from);
/* The smallest value v with at least permille/1000 of samples <= v. */
uint64_t sim_hist_percentile(const sim_hist *h, uint32_t permille);

/* ------------------------------------------------------------------- run */

typedef struct {
    uint64_t seed;
    sim_mix mix;
    size_t n;
    bool real_crypto;
    uint64_t run_ms;    /* run length in virtual ms, when run_views is 0 */
    uint64_t run_views; /* else: run until an honest replica reaches this view */
    bool verbose;       /* one line per event on stderr */
    bool liveness;      /* check invariant 7 (extends the run until it holds) */
    uint32_t canary;    /* SIM_CANARY_* or a cons_canary value */
    /* Optional schedule tape (borrowed): network decisions draw from its
     * first half, fault decisions from its second, before the seed. */
    const uint8_t *tape;
    size_t tape_len;
} sim_params;

typedef struct {
    bool failed;
    char invariant[32];
    char detail[SIM_DETAIL_BYTES];
    uint8_t trace[SIM_TRACE_BYTES]; /* BLAKE2b over deliveries and commits */
    uint64_t steps;
    uint64_t deliveries;
    uint64_t commits;
    uint64_t end_ms;
    uint64_t view_max;
    uint64_t packets_max;   /* most messages ever in flight at once */
    uint64_t evidence;      /* evidence emitted by honest replicas */
    uint64_t evidence_owed; /* (replica, kind, signer, view) the window made due */
    sim_hist commit_views;  /* replica view at commit minus the block's view */
    sim_hist heal_views;    /* views from the heal to a replica's next commit */
} sim_result;

/* Buffers every run of a process shares; allocated once. */
typedef struct {
    uint8_t *encode_out; /* [WIRE_MSG_BYTES_MAX] */
    uint8_t *encode_buf; /* [WIRE_ENCODE_ARENA_BYTES] */
    seq_arena encode_arena;
    uint8_t *decode_buf; /* [WIRE_DECODE_ARENA_BYTES(WIRE_MSG_BYTES_MAX)] */
    seq_arena decode_arena;
    wire_certified_block response[WIRE_SYNC_BLOCKS_MAX];
} sim_scratch;

SEQ_MUST_USE seq_err sim_scratch_new(sim_scratch **out);
void sim_scratch_free(sim_scratch *s);

/* Runs one seed. *out is overwritten. */
void sim_run(sim_result *out, const sim_params *params, sim_scratch *scratch);

/* ---------------------------------------------------------------- world */

typedef enum {
    SIM_BYZ_NONE = 0,
    SIM_BYZ_TWIN,        /* one of two hosts sharing a key */
    SIM_BYZ_EQUIVOCATE,  /* sends two different proposals when leading */
    SIM_BYZ_DOUBLE_VOTE, /* its vote to the next leader, another to the rest */
} sim_byz;

typedef enum {
    SIM_LOCAL_FETCH = 1, /* answer a fetch from the host's own disk */
    SIM_LOCAL_PAYLOAD,   /* gather a payload for the core */
} sim_local_kind;

typedef struct {
    sim_local_kind kind;
    wire_sync_request request;
    cons_payload_request payload;
} sim_local;

typedef struct {
    size_t id;    /* position in sim_world.hosts */
    size_t index; /* committee index; twins share it */
    sim_byz byz;
    cons *core; /* NULL while crashed */
    cons_config config;
    sim_disk disk;
    uint32_t incarnation;
    uint64_t deadline_ms; /* 0: no timer armed */
    uint64_t tick_last_ms;
    uint64_t restart_ms; /* while crashed */
    sim_local local[SIM_LOCAL_EVENTS_MAX];
    size_t local_head;
    size_t local_count;
    uint64_t local_dropped;
    sim_kmap seen;     /* byzantine statements delivered in the window */
    sim_kmap expected; /* evidence this replica owes */
    sim_kmap evidence; /* evidence this replica emitted */
    seq_bytes payload_txs[SIM_PAYLOAD_TXS_MAX];
    uint8_t payload_bytes[SIM_PAYLOAD_TXS_MAX][SIM_PAYLOAD_TX_BYTES_MAX];
} sim_host;

typedef struct {
    bool loss, crash, crash_leader, partition, twins, equivocate, double_vote;
} sim_traits;

typedef struct {
    sim_traits traits;
    size_t byzantine_count;
    uint64_t next_ms; /* next fault decision */
    bool healed;
    uint64_t heal_ms;
    bool partitioned;
    uint64_t partition_end_ms;
    size_t crashed;
    uint64_t restart_ms_max;
} sim_faults;

typedef struct {
    bool active;
    uint64_t deadline_ms;
    size_t pending;
    bool done[SIM_HOSTS_MAX];
    uint64_t height_at[SIM_HOSTS_MAX];
    uint64_t view_at[SIM_HOSTS_MAX];
} sim_liveness;

typedef struct {
    sim_params params;
    sim_result *result;
    sim_scratch *scratch;
    sim_rng rng_net, rng_fault, rng_data;
    uint64_t now_ms;
    size_t n, f, host_count;
    sim_host hosts[SIM_HOSTS_MAX];
    sim_byz byz_of_index[SIM_REPLICAS_MAX];
    seq_block_header genesis;
    seq_hash genesis_hash;
    sim_crypto *crypto;
    cons_ops ops_check; /* hashes and verification for the checker */
    sim_net net;
    sim_faults faults;
    sim_liveness liveness;
    sim_kmap statements; /* every statement honest replicas sent */
    seq_hash *agreed;    /* agreed[h - 1]: the hash honest replicas committed at h */
    size_t agreed_cap;
    /* Per committee index: conflicting votes a double voter sent, and the
     * Vote evidence honest replicas emitted against it. */
    uint64_t double_votes[SIM_REPLICAS_MAX];
    uint64_t vote_evidence[SIM_REPLICAS_MAX];
    crypto_generichash_state trace;
    bool failed;
} sim_world;

/* Records the first violation of the run; later ones are ignored. */
void sim_fail(sim_world *w, const char *invariant, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* One line on stderr when verbose. */
void sim_log(const sim_world *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
bool sim_host_honest(const sim_host *h);
/* The highest view of a live honest replica. */
uint64_t sim_world_view(const sim_world *w);
/* Encodes msg; NULL (and a violation) if the codec refuses it. */
sim_blob *sim_world_encode(sim_world *w, const wire_msg *msg);
/* Sends msg from host to a committee index (every host holding it) or to
 * CONS_TO_ALL (every host of another index). */
void sim_world_send(sim_world *w, const sim_host *from, size_t to_index, const wire_msg *msg);
void sim_world_send_blob(sim_world *w, const sim_host *from, size_t to_host, sim_blob *blob);
void sim_world_trace_commit(sim_world *w, const sim_host *h, const cons_block *commit);

void sim_host_init(sim_world *w, sim_host *h, size_t id, size_t index, sim_byz byz);
void sim_host_free(sim_host *h);
/* Creates the core from the disk and feeds it its first tick. */
void sim_host_start(sim_world *w, sim_host *h);
void sim_host_crash(sim_world *w, sim_host *h);
void sim_host_tick(sim_world *w, sim_host *h);
void sim_host_deliver(sim_world *w, sim_host *h, const sim_host *from, const wire_msg *msg);

/* The equivocating leader: sends proposal to half of the others and a
 * conflicting version to the other half. */
void sim_byz_equivocate(sim_world *w, const sim_host *h, const wire_msg *proposal);
/* The double voter: sends vote (its core's) to to_index and a vote for
 * another block of the same view and height to every other index. */
void sim_byz_double_vote(sim_world *w, const sim_host *h, const wire_msg *vote, size_t to_index);

/* The invariants; see README.md for the list. */
void sim_check_sent(sim_world *w, const sim_host *h, const wire_msg *msg);
void sim_check_commit(sim_world *w, const sim_host *h, const cons_block *commit);
void sim_check_evidence(sim_world *w, sim_host *h, const wire_evidence *e);
void sim_check_delivered(sim_world *w, sim_host *h, size_t from_index, const wire_msg *msg);
void sim_check_step(sim_world *w, const sim_host *h, seq_err err);
void sim_check_final(sim_world *w);
void sim_live_start(sim_world *w);
void sim_live_commit(sim_world *w, const sim_host *h, const cons_block *commit);
void sim_live_check(sim_world *w);

/* Faults: which hosts are byzantine, when to crash, partition and heal. */
void sim_fault_plan(sim_world *w);
void sim_fault_step(sim_world *w);
void sim_fault_heal(sim_world *w);
/* How far the run is, 0..1000 (and beyond). */
uint64_t sim_progress_permille(const sim_world *w);

#endif /* SEQ_SIM_H */
