/* sim_fault.c — the fault mixes: who is byzantine, when replicas crash and
 * restart, when the network partitions and heals. Faults run during the
 * first SIM_FAULT_END_PERMILLE of the run; then everything heals at once
 * (partitions lifted, loss off, crashed replicas restarted) and the
 * liveness clock starts. */
#include <string.h>

#include "sim.h"

#define SIM_FAULT_END_PERMILLE       600u
#define SIM_FAULT_GAP_MS_MIN         50u
#define SIM_FAULT_GAP_MS_MAX         400u
#define SIM_PARTITION_START_PERMILLE 300u /* per fault decision */
#define SIM_PARTITION_MS_MIN         200u
#define SIM_PARTITION_MS_MAX         1500u
#define SIM_TWINS_SPLIT_MS_MIN       500u
#define SIM_TWINS_SPLIT_MS_MAX       2000u
#define SIM_CRASH_PERMILLE           250u /* per fault decision */
#define SIM_RESTART_MS_MIN           5u
#define SIM_RESTART_MS_MAX           1500u
#define SIM_RESTART_LEADER_MS_MAX    600u
#define SIM_LOSS_DROP_PERMILLE       100u
#define SIM_LOSS_DUP_PERMILLE        50u
#define SIM_MIXED_DROP_PERMILLE      50u
#define SIM_MIXED_DUP_PERMILLE       30u
/* Views mode: faults also end after this much virtual time per view asked. */
#define SIM_VIEW_MS_CAP SIM_TIMEOUT_MS_BASE

static const sim_traits traits_of_mix[SIM_MIX_COUNT] = {
    [SIM_MIX_NONE] = {0},
    [SIM_MIX_LOSS] = {.loss = true},
    [SIM_MIX_CRASH] = {.crash = true},
    [SIM_MIX_CRASH_LEADER] = {.crash = true, .crash_leader = true},
    [SIM_MIX_PARTITION] = {.partition = true},
    [SIM_MIX_TWINS] = {.twins = true},
    [SIM_MIX_EQUIVOCATE] = {.equivocate = true},
    [SIM_MIX_MIXED] = {.loss = true, .crash = true, .partition = true, .equivocate = true},
    [SIM_MIX_DOUBLE_VOTE] = {.double_vote = true},
};

uint64_t sim_progress_permille(const sim_world *w)
{
    SEQ_ASSERT(w != NULL);
    const sim_params *p = &w->params;
    if (p->run_views == 0)
        return w->now_ms * 1000 / SEQ_MAX(p->run_ms, (uint64_t)1);
    uint64_t by_view = sim_world_view(w) * 1000 / p->run_views;
    uint64_t by_ms = w->now_ms * 1000 / (p->run_views * SIM_VIEW_MS_CAP);
    return SEQ_MAX(by_view, by_ms);
}

void sim_fault_plan(sim_world *w)
{
    SEQ_ASSERT(w != NULL && w->params.mix < SIM_MIX_COUNT);
    sim_faults *f = &w->faults;
    memset(f, 0, sizeof *f);
    f->traits = traits_of_mix[w->params.mix];
    f->restart_ms_max = f->traits.crash_leader ? SIM_RESTART_LEADER_MS_MAX : SIM_RESTART_MS_MAX;
    f->next_ms = sim_rng_range(&w->rng_fault, SIM_FAULT_GAP_MS_MIN, SIM_FAULT_GAP_MS_MAX);
    bool mixed = w->params.mix == SIM_MIX_MIXED;
    if (f->traits.loss) {
        w->net.drop_permille = mixed ? SIM_MIXED_DROP_PERMILLE : SIM_LOSS_DROP_PERMILLE;
        w->net.dup_permille = mixed ? SIM_MIXED_DUP_PERMILLE : SIM_LOSS_DUP_PERMILLE;
    }
    sim_byz kind = f->traits.twins         ? SIM_BYZ_TWIN
                   : f->traits.equivocate  ? SIM_BYZ_EQUIVOCATE
                   : f->traits.double_vote ? SIM_BYZ_DOUBLE_VOTE
                                           : SIM_BYZ_NONE;
    if (kind == SIM_BYZ_NONE || w->f == 0)
        return;
    f->byzantine_count = mixed ? 1 : (size_t)sim_rng_range(&w->rng_fault, 1, w->f);
    size_t order[SIM_REPLICAS_MAX];
    for (size_t i = 0; i < w->n; i++)
        order[i] = i;
    sim_rng_shuffle(&w->rng_fault, order, w->n);
    for (size_t i = 0; i < f->byzantine_count; i++)
        w->byz_of_index[order[i]] = kind;
}

/* Blocks every link between hosts on different sides. */
static void block_between(sim_world *w, const uint8_t *side)
{
    for (size_t a = 0; a < w->host_count; a++) {
        for (size_t b = 0; b < w->host_count; b++)
            w->net.blocked[a][b] = side[a] != side[b];
    }
}

static void partition_symmetric(sim_world *w, const size_t *order)
{
    uint8_t side[SIM_HOSTS_MAX] = {0};
    size_t k = (size_t)sim_rng_range(&w->rng_fault, 1, w->host_count - 1);
    for (size_t i = 0; i < k; i++)
        side[order[i]] = 1;
    block_between(w, side);
    sim_log(w, "fault partition symmetric size=%zu/%zu", k, w->host_count);
}

static void partition_asymmetric(sim_world *w, const size_t *order)
{
    size_t k = (size_t)sim_rng_range(&w->rng_fault, 1, w->host_count / 2);
    bool outgoing = sim_rng_permille(&w->rng_fault, 500);
    for (size_t i = 0; i < k; i++) {
        for (size_t b = 0; b < w->host_count; b++) {
            if (b == order[i])
                continue;
            if (outgoing)
                w->net.blocked[order[i]][b] = true;
            else
                w->net.blocked[b][order[i]] = true;
        }
    }
    sim_log(w, "fault partition asymmetric size=%zu %s", k, outgoing ? "mute" : "deaf");
}

static void partition_leader(sim_world *w)
{
    size_t leader = cons_committee_leader(&w->hosts[0].config.committee, sim_world_view(w));
    uint8_t side[SIM_HOSTS_MAX] = {0};
    for (size_t i = 0; i < w->host_count; i++)
        side[i] = w->hosts[i].index == leader;
    block_between(w, side);
    sim_log(w, "fault partition isolate-leader index=%zu", leader);
}

/* Honest replicas split in two halves; each twin of a pair on its own side. */
static void partition_twins(sim_world *w)
{
    size_t honest[SIM_HOSTS_MAX];
    size_t count = 0;
    uint8_t side[SIM_HOSTS_MAX] = {0};
    for (size_t i = 0; i < w->host_count; i++) {
        if (sim_host_honest(&w->hosts[i]))
            honest[count++] = i;
        else
            side[i] = i >= w->n; /* the second twin of each pair */
    }
    sim_rng_shuffle(&w->rng_fault, honest, count);
    size_t half = count / 2 + (count % 2 == 1 ? (size_t)sim_rng_below(&w->rng_fault, 2) : 0);
    for (size_t i = half; i < count; i++)
        side[honest[i]] = 1;
    block_between(w, side);
    sim_log(w, "fault partition twins honest=%zu/%zu", half, count);
}

static void start_partition(sim_world *w)
{
    sim_faults *f = &w->faults;
    size_t order[SIM_HOSTS_MAX];
    for (size_t i = 0; i < w->host_count; i++)
        order[i] = i;
    sim_rng_shuffle(&w->rng_fault, order, w->host_count);
    if (f->traits.twins) {
        partition_twins(w);
        f->partition_end_ms = w->now_ms + sim_rng_range(&w->rng_fault, SIM_TWINS_SPLIT_MS_MIN,
                                                        SIM_TWINS_SPLIT_MS_MAX);
    } else {
        uint64_t kind = sim_rng_below(&w->rng_fault, 3);
        if (kind == 0)
            partition_symmetric(w, order);
        else if (kind == 1)
            partition_asymmetric(w, order);
        else
            partition_leader(w);
        f->partition_end_ms =
            w->now_ms + sim_rng_range(&w->rng_fault, SIM_PARTITION_MS_MIN, SIM_PARTITION_MS_MAX);
    }
    f->partitioned = true;
}

static sim_host *crash_victim(sim_world *w)
{
    if (w->faults.traits.crash_leader) {
        size_t leader = cons_committee_leader(&w->hosts[0].config.committee, sim_world_view(w));
        sim_host *h = &w->hosts[leader]; /* hosts[i] holds index i */
        if (sim_host_honest(h) && h->core != NULL)
            return h;
    }
    size_t alive[SIM_HOSTS_MAX];
    size_t count = 0;
    for (size_t i = 0; i < w->host_count; i++) {
        if (sim_host_honest(&w->hosts[i]) && w->hosts[i].core != NULL)
            alive[count++] = i;
    }
    return count == 0 ? NULL : &w->hosts[alive[sim_rng_below(&w->rng_fault, count)]];
}

static void crash_one(sim_world *w)
{
    sim_faults *f = &w->faults;
    sim_host *h = crash_victim(w);
    if (h == NULL)
        return;
    sim_host_crash(w, h);
    h->restart_ms = w->now_ms + sim_rng_range(&w->rng_fault, SIM_RESTART_MS_MIN, f->restart_ms_max);
    f->crashed++;
}

void sim_fault_step(sim_world *w)
{
    SEQ_ASSERT(w != NULL && !w->faults.healed);
    sim_faults *f = &w->faults;
    if (sim_progress_permille(w) >= SIM_FAULT_END_PERMILLE) {
        sim_fault_heal(w);
        return;
    }
    bool partitions = f->traits.partition || f->traits.twins;
    if (f->partitioned && w->now_ms >= f->partition_end_ms) {
        sim_net_heal(&w->net);
        f->partitioned = false;
        sim_log(w, "fault partition healed");
    } else if (!f->partitioned && partitions &&
               sim_rng_permille(&w->rng_fault, SIM_PARTITION_START_PERMILLE)) {
        start_partition(w);
    }
    if (f->traits.crash && f->crashed < w->f && sim_rng_permille(&w->rng_fault, SIM_CRASH_PERMILLE))
        crash_one(w);
    f->next_ms =
        w->now_ms + sim_rng_range(&w->rng_fault, SIM_FAULT_GAP_MS_MIN, SIM_FAULT_GAP_MS_MAX);
    if (f->partitioned)
        f->next_ms = SEQ_MIN(f->next_ms, f->partition_end_ms);
}

void sim_fault_heal(sim_world *w)
{
    SEQ_ASSERT(w != NULL && !w->faults.healed);
    sim_faults *f = &w->faults;
    sim_net_heal(&w->net);
    w->net.drop_permille = 0;
    w->net.dup_permille = 0;
    f->partitioned = false;
    for (size_t i = 0; i < w->host_count && !w->failed; i++) {
        if (w->hosts[i].core == NULL)
            sim_host_start(w, &w->hosts[i]);
    }
    f->crashed = 0;
    f->healed = true;
    f->heal_ms = w->now_ms;
    sim_log(w, "fault healed all");
    if (!w->failed && w->params.liveness)
        sim_live_start(w);
}
