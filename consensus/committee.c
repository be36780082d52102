/* committee.c — membership, quorum rule and leader schedule. */
#include "consensus.h"

#include <string.h>

static seq_err committee_check(const cons_validator *validators, size_t count,
                               uint32_t *weight_total)
{
    static const seq_addr zero;
    if (count == 0 || count > CONS_VALIDATORS_MAX)
        return SEQ_ERR_INVALID_ARG;
    uint64_t total = 0;
    for (size_t i = 0; i < count; i++) {
        if (validators[i].weight == 0 || seq_addr_equal(&validators[i].addr, &zero))
            return SEQ_ERR_INVALID_ARG;
        total += validators[i].weight;
        if (total > CONS_WEIGHT_TOTAL_MAX)
            return SEQ_ERR_INVALID_ARG;
        for (size_t j = 0; j < i; j++) {
            if (seq_addr_equal(&validators[i].addr, &validators[j].addr))
                return SEQ_ERR_INVALID_ARG;
        }
    }
    *weight_total = (uint32_t)total;
    return SEQ_OK;
}

/* Smooth weighted round robin: each slot, every validator gains its weight
 * in credit; the richest (lowest index on ties) leads and pays the total.
 * Deterministic, and over weight_total slots each validator leads exactly
 * weight times. */
static void schedule_build(cons_committee *c)
{
    int64_t credit[CONS_VALIDATORS_MAX] = {0};
    for (uint32_t slot = 0; slot < c->weight_total; slot++) {
        size_t best = 0;
        for (size_t i = 0; i < c->count; i++) {
            credit[i] += c->validators[i].weight;
            if (credit[i] > credit[best])
                best = i;
        }
        credit[best] -= c->weight_total;
        c->schedule[slot] = (uint8_t)best;
    }
    for (size_t i = 0; i < c->count; i++)
        SEQ_ASSERT(credit[i] == 0); /* a full cycle returns every credit to 0 */
}

seq_err cons_committee_init(cons_committee *c, const cons_validator *validators, size_t count)
{
    SEQ_ASSERT(c != NULL);
    SEQ_ASSERT(validators != NULL || count == 0);
    memset(c, 0, sizeof *c);
    uint32_t total = 0;
    seq_err err = committee_check(validators, count, &total);
    if (err != SEQ_OK)
        return err;
    c->count = count;
    memcpy(c->validators, validators, count * sizeof *validators);
    c->weight_total = total;
    c->weight_quorum = (uint32_t)((2u * (uint64_t)total) / 3u + 1u);
    schedule_build(c);
    return SEQ_OK;
}

bool cons_committee_is_quorum(const cons_committee *c, uint64_t weight)
{
    SEQ_ASSERT(c->weight_total > 0);
    SEQ_ASSERT(c->weight_quorum > (2u * (uint64_t)c->weight_total) / 3u);
    return weight >= c->weight_quorum;
}

bool cons_committee_find(const cons_committee *c, size_t *index, const seq_addr *addr)
{
    SEQ_ASSERT(c->count <= CONS_VALIDATORS_MAX);
    for (size_t i = 0; i < c->count; i++) {
        if (seq_addr_equal(&c->validators[i].addr, addr)) {
            *index = i;
            return true;
        }
    }
    return false;
}

size_t cons_committee_leader(const cons_committee *c, uint64_t view)
{
    SEQ_ASSERT(c->weight_total > 0);
    size_t leader = c->schedule[view % c->weight_total];
    SEQ_ASSERT(leader < c->count);
    return leader;
}
