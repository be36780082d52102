/* sim_store.c — the simulator's two maps (by block hash, by u64 key),
 * statement keys and histograms. Open addressing with linear probing; maps
 * grow by doubling up to SIM_MAP_ENTRIES_MAX entries. */
#include <stdlib.h>
#include <string.h>

#include "sim.h"

#define SIM_MAP_CAP_MIN 64u
/* Statement keys: view << 12 | index << 4 | kind. */
#define SIM_KEY_INDEX_BITS 8u
#define SIM_KEY_KIND_BITS  4u
#define SIM_KEY_VIEW_SHIFT (SIM_KEY_INDEX_BITS + SIM_KEY_KIND_BITS)

_Static_assert(SIM_REPLICAS_MAX <= (1u << SIM_KEY_INDEX_BITS), "index fits its bits");
_Static_assert(WIRE_EVIDENCE_ATTESTATION < (1u << SIM_KEY_KIND_BITS), "kind fits its bits");

static void *xcalloc(size_t count, size_t size)
{
    void *p = calloc(count, size);
    SEQ_ASSERT(p != NULL); /* the simulator cannot run out of memory and go on */
    return p;
}

static size_t slot_of_hash(const seq_hash *key, size_t cap)
{
    uint64_t v = 0;
    memcpy(&v, key->b, sizeof v);
    return (size_t)(v & (cap - 1));
}

static void map_grow(sim_map *m)
{
    size_t cap = m->cap == 0 ? SIM_MAP_CAP_MIN : 2 * m->cap;
    SEQ_ASSERT(cap / 2 <= SIM_MAP_ENTRIES_MAX);
    sim_map next = {
        .keys = xcalloc(cap, sizeof(seq_hash)), .values = xcalloc(cap, sizeof(void *)), .cap = cap};
    for (size_t i = 0; i < m->cap; i++) {
        if (m->values[i] != NULL)
            sim_map_put(&next, &m->keys[i], m->values[i]);
    }
    free(m->keys);
    free(m->values);
    *m = next;
}

void sim_map_free(sim_map *m)
{
    SEQ_ASSERT(m != NULL);
    for (size_t i = 0; i < m->cap; i++)
        free(m->values[i]);
    free(m->keys);
    free(m->values);
    memset(m, 0, sizeof *m);
}

void *sim_map_get(const sim_map *m, const seq_hash *key)
{
    SEQ_ASSERT(m != NULL && key != NULL);
    if (m->cap == 0)
        return NULL;
    for (size_t i = slot_of_hash(key, m->cap);; i = (i + 1) & (m->cap - 1)) {
        if (m->values[i] == NULL)
            return NULL;
        if (seq_hash_equal(&m->keys[i], key))
            return m->values[i];
    }
}

void sim_map_put(sim_map *m, const seq_hash *key, void *value)
{
    SEQ_ASSERT(m != NULL && key != NULL && value != NULL);
    if (2 * (m->count + 1) > m->cap)
        map_grow(m);
    size_t i = slot_of_hash(key, m->cap);
    while (m->values[i] != NULL) {
        SEQ_ASSERT(!seq_hash_equal(&m->keys[i], key));
        i = (i + 1) & (m->cap - 1);
    }
    m->keys[i] = *key;
    m->values[i] = value;
    m->count++;
}

/* ------------------------------------------------------------------ kmap */

static size_t slot_of_u64(uint64_t key, size_t cap)
{
    return (size_t)((key * 0x9e3779b97f4a7c15ULL) >> 17) & (cap - 1);
}

static void kmap_grow(sim_kmap *m)
{
    size_t cap = m->cap == 0 ? SIM_MAP_CAP_MIN : 2 * m->cap;
    SEQ_ASSERT(cap / 2 <= SIM_MAP_ENTRIES_MAX);
    sim_kmap next = {.keys = xcalloc(cap, sizeof(uint64_t)),
                     .values = xcalloc(cap, sizeof(seq_hash)),
                     .used = xcalloc(cap, sizeof(bool)),
                     .cap = cap};
    for (size_t i = 0; i < m->cap; i++) {
        if (m->used[i])
            sim_kmap_put(&next, m->keys[i], &m->values[i]);
    }
    sim_kmap_free(m);
    *m = next;
}

void sim_kmap_free(sim_kmap *m)
{
    SEQ_ASSERT(m != NULL);
    free(m->keys);
    free(m->values);
    free(m->used);
    memset(m, 0, sizeof *m);
}

void sim_kmap_clear(sim_kmap *m)
{
    SEQ_ASSERT(m != NULL);
    if (m->cap > 0)
        memset(m->used, 0, m->cap * sizeof(bool));
    m->count = 0;
}

const seq_hash *sim_kmap_get(const sim_kmap *m, uint64_t key)
{
    SEQ_ASSERT(m != NULL);
    if (m->cap == 0)
        return NULL;
    for (size_t i = slot_of_u64(key, m->cap);; i = (i + 1) & (m->cap - 1)) {
        if (!m->used[i])
            return NULL;
        if (m->keys[i] == key)
            return &m->values[i];
    }
}

void sim_kmap_put(sim_kmap *m, uint64_t key, const seq_hash *value)
{
    SEQ_ASSERT(m != NULL && value != NULL);
    if (2 * (m->count + 1) > m->cap)
        kmap_grow(m);
    size_t i = slot_of_u64(key, m->cap);
    while (m->used[i] && m->keys[i] != key)
        i = (i + 1) & (m->cap - 1);
    if (!m->used[i])
        m->count++;
    m->used[i] = true;
    m->keys[i] = key;
    m->values[i] = *value;
}

uint64_t sim_stmt_key(uint64_t view, size_t index, sim_stmt_kind kind)
{
    SEQ_ASSERT(view < (UINT64_C(1) << (64 - SIM_KEY_VIEW_SHIFT)));
    SEQ_ASSERT(index < SIM_REPLICAS_MAX);
    return view << SIM_KEY_VIEW_SHIFT | (uint64_t)index << SIM_KEY_KIND_BITS | (uint64_t)kind;
}

void sim_stmt_key_split(uint64_t key, uint64_t *view, size_t *index, sim_stmt_kind *kind)
{
    *view = key >> SIM_KEY_VIEW_SHIFT;
    *index = (size_t)((key >> SIM_KEY_KIND_BITS) & ((1u << SIM_KEY_INDEX_BITS) - 1));
    *kind = (sim_stmt_kind)(key & ((1u << SIM_KEY_KIND_BITS) - 1));
}

/* ------------------------------------------------------------ histograms */

void sim_hist_add(sim_hist *h, uint64_t value)
{
    SEQ_ASSERT(h != NULL);
    h->counts[value < SIM_HIST_BUCKETS ? value : SIM_HIST_BUCKETS - 1]++;
    h->total++;
    h->max = SEQ_MAX(h->max, value);
}

void sim_hist_merge(sim_hist *into, const sim_hist *from)
{
    SEQ_ASSERT(into != NULL && from != NULL);
    for (size_t i = 0; i < SIM_HIST_BUCKETS; i++)
        into->counts[i] += from->counts[i];
    into->total += from->total;
    into->max = SEQ_MAX(into->max, from->max);
}

uint64_t sim_hist_percentile(const sim_hist *h, uint32_t permille)
{
    SEQ_ASSERT(h != NULL && permille <= 1000);
    if (h->total == 0)
        return 0;
    uint64_t need = (h->total * permille + 999) / 1000;
    uint64_t seen = 0;
    for (size_t i = 0; i < SIM_HIST_BUCKETS; i++) {
        seen += h->counts[i];
        if (seen >= need && seen > 0)
            return i == SIM_HIST_BUCKETS - 1 ? h->max : i;
    }
    return h->max;
}
