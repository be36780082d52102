/* sim_net.c — messages in flight: a min-heap by (delivery time, send
 * order), random delays (which reorder), drops and duplicates. Partitions
 * are a matrix of blocked directed links, applied at delivery by the world. */
#include <stdlib.h>
#include <string.h>

#include "sim.h"

#define SIM_NET_CAP_MIN      1024u
#define SIM_LATENCY_MS_MIN   1u
#define SIM_DUPLICATE_COPIES 1u /* extra copies a duplication adds */

sim_blob *sim_blob_new(const uint8_t *bytes, size_t len)
{
    SEQ_ASSERT(bytes != NULL && len > 0);
    SEQ_ASSERT(len <= WIRE_MSG_BYTES_MAX);
    sim_blob *b = malloc(sizeof *b + len);
    SEQ_ASSERT(b != NULL);
    b->refs = 1;
    b->len = len;
    memcpy(b->bytes, bytes, len);
    return b;
}

void sim_blob_release(sim_blob *b)
{
    if (b == NULL)
        return;
    SEQ_ASSERT(b->refs > 0);
    if (--b->refs == 0)
        free(b);
}

static bool packet_before(const sim_packet *a, const sim_packet *b)
{
    return a->deliver_ms != b->deliver_ms ? a->deliver_ms < b->deliver_ms : a->seq < b->seq;
}

static void heap_swap(sim_packet *heap, size_t i, size_t j)
{
    sim_packet t = heap[i];
    heap[i] = heap[j];
    heap[j] = t;
}

static void heap_push(sim_net *net, const sim_packet *p)
{
    if (net->count == net->cap) {
        size_t cap = net->cap == 0 ? SIM_NET_CAP_MIN : 2 * net->cap;
        sim_packet *heap = realloc(net->heap, cap * sizeof *heap);
        SEQ_ASSERT(heap != NULL);
        net->heap = heap;
        net->cap = cap;
    }
    size_t i = net->count++;
    net->heap[i] = *p;
    while (i > 0 && packet_before(&net->heap[i], &net->heap[(i - 1) / 2])) {
        heap_swap(net->heap, i, (i - 1) / 2);
        i = (i - 1) / 2;
    }
}

static void enqueue(sim_net *net, sim_rng *rng, uint64_t now_ms, size_t from, size_t to,
                    sim_blob *blob)
{
    if (net->count >= SIM_PACKETS_MAX || net->bytes + blob->len > SIM_NET_BYTES_MAX) {
        net->overflowed++;
        return;
    }
    net->bytes += blob->len;
    uint64_t delay = sim_rng_range(rng, SIM_LATENCY_MS_MIN, net->latency_ms_max);
    sim_packet p = {.deliver_ms = now_ms + delay,
                    .seq = net->seq_next++,
                    .from_host = (uint8_t)from,
                    .to_host = (uint8_t)to,
                    .blob = blob};
    blob->refs++;
    heap_push(net, &p);
}

void sim_net_send(sim_net *net, sim_rng *rng, uint64_t now_ms, size_t from, size_t to,
                  sim_blob *blob)
{
    SEQ_ASSERT(net != NULL && rng != NULL && blob != NULL);
    SEQ_ASSERT(from < SIM_HOSTS_MAX && to < SIM_HOSTS_MAX && from != to);
    SEQ_ASSERT(net->latency_ms_max >= SIM_LATENCY_MS_MIN);
    if (net->drop_permille > 0 && sim_rng_permille(rng, net->drop_permille)) {
        net->dropped++;
        return;
    }
    enqueue(net, rng, now_ms, from, to, blob);
    if (net->dup_permille > 0 && sim_rng_permille(rng, net->dup_permille)) {
        for (uint32_t i = 0; i < SIM_DUPLICATE_COPIES; i++)
            enqueue(net, rng, now_ms, from, to, blob);
    }
}

bool sim_net_next_ms(const sim_net *net, uint64_t *deliver_ms)
{
    SEQ_ASSERT(net != NULL && deliver_ms != NULL);
    if (net->count == 0)
        return false;
    *deliver_ms = net->heap[0].deliver_ms;
    return true;
}

void sim_net_pop(sim_net *net, sim_packet *out)
{
    SEQ_ASSERT(net != NULL && out != NULL);
    SEQ_ASSERT(net->count > 0);
    *out = net->heap[0];
    SEQ_ASSERT(net->bytes >= out->blob->len);
    net->bytes -= out->blob->len;
    net->heap[0] = net->heap[--net->count];
    size_t i = 0;
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < net->count && packet_before(&net->heap[l], &net->heap[m]))
            m = l;
        if (r < net->count && packet_before(&net->heap[r], &net->heap[m]))
            m = r;
        if (m == i)
            break;
        heap_swap(net->heap, i, m);
        i = m;
    }
}

void sim_net_heal(sim_net *net)
{
    SEQ_ASSERT(net != NULL);
    memset(net->blocked, 0, sizeof net->blocked);
}

void sim_net_free(sim_net *net)
{
    SEQ_ASSERT(net != NULL);
    for (size_t i = 0; i < net->count; i++)
        sim_blob_release(net->heap[i].blob);
    free(net->heap);
    memset(net, 0, sizeof *net);
}
