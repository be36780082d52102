/* libFuzzer target: the store's record decoders (node/store_codec.c), the
 * bytes a damaged or tampered data directory can hand back. Input: byte 0
 * picks the decoder, the rest is a record. Each input is decoded twice: as
 * is (the checksum must refuse nearly everything), and resealed, as
 * version || kind || rest || a correct checksum, so that the body parsers
 * meet hostile counts and lengths. Oracles: no crash or sanitizer report;
 * the documented arenas always suffice; an accepted record re-encodes to
 * exactly the same bytes (the format has one encoding per value). */
#include <sodium.h>
#include <string.h>

#include "fuzz.h"
#include "node.h"

#define DECODERS 12u

static const uint8_t kinds[DECODERS] = {
    STORE_KIND_META,     STORE_KIND_SAFETY,      STORE_KIND_BLOCK,     STORE_KIND_QC,
    STORE_KIND_HEIGHT,   STORE_KIND_TX,          STORE_KIND_EVIDENCE,  STORE_KIND_L1_CURSOR,
    STORE_KIND_L1_BATCH, STORE_KIND_ATTESTATION, STORE_KIND_L1_FORCED, STORE_KIND_L1_ORIGIN};

static uint8_t sealed[STORE_RECORD_BYTES_MAX];
static uint8_t again[STORE_RECORD_BYTES_MAX];
static uint8_t arena_mem[STORE_BLOCK_ARENA_BYTES];
static cons_safety safety; /* large: keep it off the stack */

/* Decodes in with decoder which; on success re-encodes into again and
 * returns the length, else 0. */
static size_t round_trip(unsigned which, const uint8_t *in, size_t len)
{
    seq_arena a;
    seq_arena_init(&a, arena_mem, sizeof arena_mem);
    size_t out = 0;
    seq_err err = SEQ_ERR_CORRUPT; /* every which below sets it */
    if (which == 0) {
        store_meta m;
        if ((err = store_meta_decode(&m, in, len)) == SEQ_OK)
            SEQ_ASSERT(store_meta_encode(again, sizeof again, &out, &m) == SEQ_OK);
    } else if (which == 1) {
        if ((err = store_safety_decode(&safety, in, len)) == SEQ_OK)
            SEQ_ASSERT(store_safety_encode(again, sizeof again, &out, &safety) == SEQ_OK);
    } else if (which == 2) {
        cons_block b;
        if ((err = store_block_decode(&b, &a, in, len)) == SEQ_OK)
            SEQ_ASSERT(store_block_encode(again, sizeof again, &out, &b) == SEQ_OK);
    } else if (which == 3) {
        wire_qc qc;
        if ((err = store_qc_decode(&qc, &a, in, len)) == SEQ_OK)
            SEQ_ASSERT(store_qc_encode(again, sizeof again, &out, &qc) == SEQ_OK);
    } else if (which == 4) {
        uint64_t height;
        seq_hash hash;
        if ((err = store_height_decode(&height, &hash, in, len)) == SEQ_OK)
            SEQ_ASSERT(store_height_encode(again, sizeof again, &out, height, &hash) == SEQ_OK);
    } else if (which == 5) {
        store_tx_location loc;
        if ((err = store_tx_decode(&loc, in, len)) == SEQ_OK)
            SEQ_ASSERT(store_tx_encode(again, sizeof again, &out, &loc) == SEQ_OK);
    } else if (which == 7) {
        uint64_t number;
        seq_hash hash;
        if ((err = store_l1_cursor_decode(&number, &hash, in, len)) == SEQ_OK)
            SEQ_ASSERT(store_l1_cursor_encode(again, sizeof again, &out, number, &hash) == SEQ_OK);
    } else if (which == 8) {
        store_l1_batch b;
        if ((err = store_l1_batch_decode(&b, in, len)) == SEQ_OK)
            SEQ_ASSERT(store_l1_batch_encode(again, sizeof again, &out, &b) == SEQ_OK);
    } else if (which == 9) {
        wire_attestation att;
        if ((err = store_attestation_decode(&att, in, len)) == SEQ_OK)
            SEQ_ASSERT(store_attestation_encode(again, sizeof again, &out, &att) == SEQ_OK);
    } else if (which == 10) {
        store_l1_forced f;
        if ((err = store_l1_forced_decode(&f, in, len)) == SEQ_OK)
            SEQ_ASSERT(store_l1_forced_encode(again, sizeof again, &out, &f) == SEQ_OK);
    } else if (which == 11) {
        store_l1_origin o;
        if ((err = store_l1_origin_decode(&o, in, len)) == SEQ_OK)
            SEQ_ASSERT(store_l1_origin_encode(again, sizeof again, &out, &o) == SEQ_OK);
    } else if (which == 6) {
        wire_evidence e;
        if ((err = store_evidence_decode(&e, in, len)) == SEQ_OK) {
            SEQ_ASSERT(store_evidence_encode(again, sizeof again, &out, &e) == SEQ_OK);
            uint8_t key[STORE_EVIDENCE_KEY_BYTES];
            store_evidence_key(key, &e);
            SEQ_ASSERT(key[0] == (uint8_t)e.kind);
        }
    }
    /* Hostile bytes are corrupt, never anything else: the arenas suffice. */
    SEQ_ASSERT(err == SEQ_OK || err == SEQ_ERR_CORRUPT);
    return err == SEQ_OK ? out : 0;
}

static void check(unsigned which, const uint8_t *in, size_t len)
{
    size_t out = round_trip(which, in, len);
    if (out > 0)
        SEQ_ASSERT(out == len && memcmp(again, in, len) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0 || sodium_init() < 0)
        return 0;
    unsigned which = data[0] % DECODERS;
    const uint8_t *rest = data + 1;
    size_t rest_len = size - 1;
    check(which, rest, rest_len);
    if (rest_len + STORE_RECORD_OVERHEAD_BYTES > sizeof sealed)
        return 0;
    sealed[0] = STORE_RECORD_VERSION;
    sealed[1] = kinds[which];
    memcpy(sealed + 2, rest, rest_len);
    size_t body_end = 2 + rest_len;
    SEQ_ASSERT(crypto_generichash(sealed + body_end, STORE_CHECKSUM_BYTES, sealed, body_end, NULL,
                                  0) == 0);
    check(which, sealed, body_end + STORE_CHECKSUM_BYTES);
    return 0;
}
