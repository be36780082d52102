/* sim_disk.c — a replica's durable state: safety, blocks and QCs by block
 * hash, the committed chain. It survives crashes; records never move once
 * stored, so sync responses may borrow from them. */
#include <stdlib.h>
#include <string.h>

#include "sim.h"

#define SIM_CHAIN_CAP_MIN 256u

void sim_disk_free(sim_disk *d)
{
    SEQ_ASSERT(d != NULL);
    sim_map_free(&d->blocks);
    sim_map_free(&d->qcs);
    free(d->chain);
    free(d->chain_ms);
    memset(d, 0, sizeof *d);
}

void sim_disk_store_block(sim_disk *d, const cons_block *block)
{
    SEQ_ASSERT(d != NULL && block != NULL);
    if (sim_map_get(&d->blocks, &block->hash) != NULL)
        return;
    size_t bytes = 0;
    for (size_t i = 0; i < block->block.tx_count; i++)
        bytes += block->block.txs[i].len;
    size_t head = sizeof(sim_block_rec) + block->block.tx_count * sizeof(seq_bytes);
    sim_block_rec *rec = malloc(head + bytes);
    SEQ_ASSERT(rec != NULL);
    rec->hash = block->hash;
    rec->header = block->block.header;
    rec->tx_count = block->block.tx_count;
    rec->txs = (seq_bytes *)(rec + 1);
    uint8_t *p = (uint8_t *)rec + head;
    for (size_t i = 0; i < rec->tx_count; i++) {
        memcpy(p, block->block.txs[i].ptr, block->block.txs[i].len);
        rec->txs[i] = (seq_bytes){.ptr = p, .len = block->block.txs[i].len};
        p += block->block.txs[i].len;
    }
    sim_map_put(&d->blocks, &block->hash, rec);
}

void sim_disk_store_qc(sim_disk *d, const wire_qc *qc)
{
    SEQ_ASSERT(d != NULL && qc != NULL);
    SEQ_ASSERT(qc->sig_count <= WIRE_VALIDATORS_MAX);
    if (sim_map_get(&d->qcs, &qc->block_hash) != NULL)
        return;
    sim_qc_rec *rec = malloc(sizeof *rec + qc->sig_count * sizeof(wire_sig));
    SEQ_ASSERT(rec != NULL);
    wire_sig *sigs = (wire_sig *)(rec + 1);
    if (qc->sig_count > 0)
        memcpy(sigs, qc->sigs, qc->sig_count * sizeof(wire_sig));
    rec->qc = *qc;
    rec->qc.sigs = sigs;
    sim_map_put(&d->qcs, &qc->block_hash, rec);
}

void sim_disk_commit(sim_disk *d, const seq_hash *hash, const seq_block_header *header,
                     uint64_t now_ms)
{
    SEQ_ASSERT(d != NULL && hash != NULL && header != NULL);
    SEQ_ASSERT(d->height < SIM_HEIGHTS_MAX);
    if (d->height == d->chain_cap) {
        size_t cap = d->chain_cap == 0 ? SIM_CHAIN_CAP_MIN : 2 * d->chain_cap;
        seq_hash *chain = realloc(d->chain, cap * sizeof *chain);
        SEQ_ASSERT(chain != NULL);
        d->chain = chain;
        uint64_t *chain_ms = realloc(d->chain_ms, cap * sizeof *chain_ms);
        SEQ_ASSERT(chain_ms != NULL);
        d->chain_ms = chain_ms;
        d->chain_cap = cap;
    }
    d->chain_ms[d->height] = now_ms;
    d->chain[d->height++] = *hash;
    d->tip = *header;
}

/* The block with hash and the QC certifying it, if both are stored. */
static bool certified(const sim_disk *d, wire_certified_block *out, const seq_hash *hash)
{
    const sim_block_rec *b = sim_map_get(&d->blocks, hash);
    const sim_qc_rec *q = sim_map_get(&d->qcs, hash);
    if (b == NULL || q == NULL)
        return false;
    out->block = (wire_block){.header = b->header, .tx_count = b->tx_count, .txs = b->txs};
    out->qc = q->qc;
    return true;
}

size_t sim_disk_answer(const sim_disk *d, wire_certified_block *out, size_t out_cap,
                       const wire_sync_request *req)
{
    SEQ_ASSERT(d != NULL && out != NULL && req != NULL);
    SEQ_ASSERT(out_cap >= 1);
    if (req->by_hash)
        return certified(d, &out[0], &req->block_hash) ? 1 : 0;
    size_t count = 0;
    size_t max = SEQ_MIN((size_t)req->max_blocks, out_cap);
    for (uint64_t h = req->from_height; count < max; h++) {
        if (h == 0 || h > d->height || !certified(d, &out[count], &d->chain[h - 1]))
            break;
        count++;
    }
    return count;
}
