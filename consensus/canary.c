/* canary.c — the switch for canary.h's broken variants (test library only). */
#include "internal.h"

void cons_canary_set(cons *c, cons_canary which)
{
    SEQ_ASSERT(c != NULL);
    SEQ_ASSERT(which <= CONS_CANARY_SKIP_CERT_EVIDENCE);
    c->canary = which;
}

const char *cons_canary_name(cons_canary which)
{
    switch (which) {
    case CONS_CANARY_NONE:
        return "none";
    case CONS_CANARY_SKIP_VOTING_RULE:
        return "skip-voting-rule";
    case CONS_CANARY_QUORUM_SHORT:
        return "quorum-short";
    case CONS_CANARY_SKIP_PERSIST:
        return "skip-persist";
    case CONS_CANARY_COMMIT_ONE_CHAIN:
        return "commit-one-chain";
    case CONS_CANARY_SKIP_CERT_EVIDENCE:
        return "skip-cert-evidence";
    }
    return NULL;
}
