/* canary.h — deliberately broken variants of the core, for the simulator
 * only. They exist to prove the simulator's checker has teeth: each breaks
 * one rule the protocol's safety rests on, and tests/sim asserts that each is
 * caught within its seed budget.
 *
 * Only the test library seq_consensus_canary (built with
 * CONS_TEST_CANARIES) provides cons_canary_set(); the production library
 * seq_consensus compiles every canary branch away. */
#ifndef SEQ_CONSENSUS_CANARY_H
#define SEQ_CONSENSUS_CANARY_H

#include "consensus.h"

typedef enum {
    CONS_CANARY_NONE = 0,
    /* Vote for any valid proposal of the current view: no "view > last
     * voted view" check and no TC highQcView rule. */
    CONS_CANARY_SKIP_VOTING_RULE,
    /* Accept (and form) certificates one unit of weight short of quorum. */
    CONS_CANARY_QUORUM_SHORT,
    /* Send votes without asking the driver to persist the safety state. */
    CONS_CANARY_SKIP_PERSIST,
    /* Commit a block as soon as it is certified (a one-chain rule). */
    CONS_CANARY_COMMIT_ONE_CHAIN,
    /* Record no signature of a certificate for equivocation detection:
     * only statements received alone are compared. */
    CONS_CANARY_SKIP_CERT_EVIDENCE,
} cons_canary;

/* Switches c to a broken variant. */
void cons_canary_set(cons *c, cons_canary which);

/* Static name ("skip-voting-rule") or NULL for an unknown value. */
const char *cons_canary_name(cons_canary which);

#endif /* SEQ_CONSENSUS_CANARY_H */
