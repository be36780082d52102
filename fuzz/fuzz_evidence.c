/* libFuzzer target: evidence in its L1 form, as `seqctl evidence submit`
 * reads it from a file someone else wrote. Input: byte 0 picks the kind
 * (unknown ones included), byte 1 splits the rest between statement a and
 * statement b, the last 130 bytes (if there are that many) are the two
 * signatures. Oracles: a statement decodes (l1_evidence_stmt_decode) only
 * at its kind's exact size and then encodes back to the same bytes; a
 * failure zeroes it; l1_evidence_check on whatever decoded never crashes,
 * names an error on failure and, on success, the signer both signatures
 * recover to. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "l1.h"

static void decode_one(l1_statement *out, bool *ok, l1_evidence_kind kind, const uint8_t *in,
                       size_t len)
{
    seq_err err = l1_evidence_stmt_decode(out, kind, in, len);
    *ok = err == SEQ_OK;
    if (!*ok) {
        static const l1_statement zero;
        if (memcmp(out, &zero, sizeof zero) != 0)
            abort(); /* a failure leaves nothing behind */
        size_t want = l1_evidence_stmt_bytes(kind);
        if (want == 0 ? err != SEQ_ERR_INVALID_ARG : err != SEQ_ERR_MALFORMED)
            abort();
        return;
    }
    uint8_t back[L1_EVIDENCE_STMT_BYTES_MAX];
    if (l1_evidence_stmt_encode(back, kind, out) != len || memcmp(back, in, len) != 0)
        abort(); /* decode is the inverse of encode */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    l1_evidence e;
    memset(&e, 0, sizeof e);
    e.kind = (l1_evidence_kind)(data[0] % 6);
    size_t rest = size - 2;
    const uint8_t *body = data + 2;
    if (rest >= 2 * SEQ_SIG_BYTES) {
        memcpy(e.sig_a.b, body + rest - 2 * SEQ_SIG_BYTES, SEQ_SIG_BYTES);
        memcpy(e.sig_b.b, body + rest - SEQ_SIG_BYTES, SEQ_SIG_BYTES);
        rest -= 2 * SEQ_SIG_BYTES;
    }
    size_t split = rest == 0 ? 0 : (size_t)data[1] * rest / 255u;
    bool ok_a, ok_b;
    decode_one(&e.a, &ok_a, e.kind, body, split);
    decode_one(&e.b, &ok_b, e.kind, body + split, rest - split);
    seq_hash domain;
    memset(domain.b, 0x42, sizeof domain.b);
    seq_addr signer;
    const char *why = NULL;
    seq_err err = l1_evidence_check(&e, &domain, 901, &signer, &why);
    if (err != SEQ_OK) {
        static const seq_addr zero;
        if (why == NULL || memcmp(&signer, &zero, sizeof zero) != 0)
            abort();
        return 0;
    }
    seq_hash digest;
    seq_addr again;
    l1_evidence_digest(&digest, &domain, e.kind, &e.b);
    if (l1_secp_recover(&again, &e.sig_b, &digest) != SEQ_OK || !seq_addr_equal(&again, &signer))
        abort();
    uint8_t call[L1_EVIDENCE_CALLDATA_BYTES_MAX];
    size_t len = 0;
    if (l1_evidence_calldata(call, sizeof call, &len, &e) != SEQ_OK)
        abort();
    return 0;
}
