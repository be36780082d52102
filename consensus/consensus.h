/* consensus.h — seqd's ordering core: a rotating-leader, two-chain BFT
 * protocol (Jolteon / HotStuff-2 family) as a pure, deterministic state
 * machine. No sockets, clock, disk or allocation after init; crypto comes in
 * through an ops table. See consensus/README.md.
 *
 * This header currently holds the committee: membership, weights, the
 * quorum rule and the leader schedule, which every other part of the core
 * and the L1 contracts agree on. */
#ifndef SEQ_CONSENSUS_H
#define SEQ_CONSENSUS_H

#include "seq.h"
#include "wire.h"

/* ------------------------------------------------------------ committee */

#define CONS_VALIDATORS_MAX WIRE_VALIDATORS_MAX
/* Weights are voting-power units, not token amounts: the leader schedule
 * has one slot per unit, so the total is kept small. */
#define CONS_WEIGHT_TOTAL_MAX 4096u

_Static_assert(CONS_VALIDATORS_MAX <= 256, "leader schedule stores indices as uint8_t");
_Static_assert(CONS_VALIDATORS_MAX <= CONS_WEIGHT_TOTAL_MAX, "every validator has weight >= 1");

typedef struct {
    seq_addr addr;   /* Ethereum address of the validator's secp256k1 key */
    uint32_t weight; /* >= 1 */
} cons_validator;

/* An ordered committee. The order is genesis order; it fixes the leader
 * schedule. */
typedef struct {
    size_t count;
    cons_validator validators[CONS_VALIDATORS_MAX];
    uint32_t weight_total;
    uint32_t weight_quorum; /* smallest weight strictly above 2/3 of total */
    /* Leader of view v is validators[schedule[v % weight_total]]. */
    uint8_t schedule[CONS_WEIGHT_TOTAL_MAX];
} cons_committee;

/* Initialises *c from validators[0..count). Errors (for a bad genesis, so
 * never an assertion): SEQ_ERR_INVALID_ARG if count is 0 or above
 * CONS_VALIDATORS_MAX, a weight is 0, the total exceeds
 * CONS_WEIGHT_TOTAL_MAX, an address is zero, or an address repeats. On
 * failure *c is zeroed. */
SEQ_MUST_USE seq_err cons_committee_init(cons_committee *c, const cons_validator *validators,
                                         size_t count);

/* True iff weight is a quorum: strictly more than 2/3 of the total. */
bool cons_committee_is_quorum(const cons_committee *c, uint64_t weight);

/* Finds addr; on success *index is its position. */
bool cons_committee_find(const cons_committee *c, size_t *index, const seq_addr *addr);

/* Index of the leader of view. Weight-aware round robin: over any
 * weight_total consecutive views each validator leads exactly weight times,
 * interleaved (smooth weighted round robin), so no heavy validator holds a
 * long run of views. */
size_t cons_committee_leader(const cons_committee *c, uint64_t view);

#endif /* SEQ_CONSENSUS_H */
