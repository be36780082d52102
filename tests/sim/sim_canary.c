/* sim_canary.c — the one place that knows whether the core's canaries are
 * linked: seqsim_canary is built with SIM_CANARIES and the test library
 * seq_consensus_canary; seqsim gets the stubs and only the simulator's own
 * canary (forget-state) parses, though it is refused without SIM_CANARIES
 * too, to keep seqsim's CLI honest. */
#include <string.h>

#include "sim.h"

#define SIM_CANARY_FORGET_STATE_NAME "forget-state"

#ifdef SIM_CANARIES
#include "canary.h"

/* The core's canaries are numbered 1.. until cons_canary_name() says NULL. */
#define SIM_CORE_CANARIES_MAX 64u

bool sim_canary_supported(void)
{
    return true;
}

bool sim_canary_parse(uint32_t *out, const char *name)
{
    SEQ_ASSERT(out != NULL && name != NULL);
    if (strcmp(name, SIM_CANARY_FORGET_STATE_NAME) == 0) {
        *out = SIM_CANARY_FORGET_STATE;
        return true;
    }
    for (uint32_t i = 1; i < SIM_CORE_CANARIES_MAX; i++) {
        const char *known = cons_canary_name((cons_canary)i);
        if (known == NULL)
            break;
        if (strcmp(known, name) == 0) {
            *out = i;
            return true;
        }
    }
    return false;
}

const char *sim_canary_name(uint32_t canary)
{
    if (canary == SIM_CANARY_NONE)
        return "none";
    if (canary == SIM_CANARY_FORGET_STATE)
        return SIM_CANARY_FORGET_STATE_NAME;
    const char *name = cons_canary_name((cons_canary)canary);
    return name != NULL ? name : "unknown";
}

void sim_canary_apply(cons *c, uint32_t canary)
{
    SEQ_ASSERT(c != NULL);
    if (canary != SIM_CANARY_NONE && canary != SIM_CANARY_FORGET_STATE)
        cons_canary_set(c, (cons_canary)canary);
}

#else /* seqsim: the production core, no canaries */

bool sim_canary_supported(void)
{
    return false;
}

bool sim_canary_parse(uint32_t *out, const char *name)
{
    SEQ_ASSERT(out != NULL && name != NULL);
    *out = SIM_CANARY_NONE;
    return false;
}

const char *sim_canary_name(uint32_t canary)
{
    return canary == SIM_CANARY_NONE ? "none" : "unknown";
}

void sim_canary_apply(cons *c, uint32_t canary)
{
    SEQ_ASSERT(c != NULL);
    SEQ_ASSERT(canary == SIM_CANARY_NONE);
}

#endif
