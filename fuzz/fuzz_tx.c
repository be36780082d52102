/* libFuzzer target: the strict EIP-1559 transaction decoder. Oracles: a
 * refused input leaves the output zeroed; an accepted one re-encodes to
 * exactly the same bytes (canonical form), its hash is keccak256 of them,
 * its data lies inside the input, and its signature verifies for the
 * recovered signer over the signing hash. A flipped bit outside r and s
 * usually still decodes (to another signer), so the oracles run often. */
#include <string.h>

#include "fuzz.h"
#include "l1.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static l1_tx_signed d;
    static const l1_tx_signed zero;
    static uint8_t out[L1_TX_BYTES_MAX];
    seq_err err = l1_tx_decode(&d, data, size);
    if (err != SEQ_OK) {
        SEQ_ASSERT(memcmp(&d, &zero, sizeof(d)) == 0);
        return 0;
    }
    SEQ_ASSERT(size <= L1_TX_BYTES_MAX && data[0] == L1_TX_TYPE_EIP1559);
    SEQ_ASSERT(d.tx.max_priority_fee_per_gas <= d.tx.max_fee_per_gas);
    SEQ_ASSERT(d.tx.data_len == 0 ||
               (d.tx.data > data && d.tx.data + d.tx.data_len <= data + size));
    size_t len = 0;
    SEQ_ASSERT(l1_tx_encode_signed(out, sizeof(out), &len, &d) == SEQ_OK);
    SEQ_ASSERT(len == size && memcmp(out, data, size) == 0);
    seq_hash h;
    l1_keccak256(&h, data, size);
    SEQ_ASSERT(seq_hash_equal(&h, &d.hash));
    seq_hash digest;
    SEQ_ASSERT(l1_tx_signing_hash(&digest, &d.tx) == SEQ_OK);
    seq_sig sig;
    memcpy(sig.b, d.r, 32);
    memcpy(sig.b + 32, d.s, 32);
    sig.b[64] = (uint8_t)(27 + d.y_parity);
    SEQ_ASSERT(l1_secp_verify(&sig, &digest, &d.from) == SEQ_OK);
    return 0;
}
