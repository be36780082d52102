/* evidence.c — equivocation evidence in the form Committee.submitEvidence
 * takes: ABI statements, their EIP-712 digests, the checks the contract
 * makes before it looks at the signer's status, and the calldata.
 *
 * l1_evidence_check mirrors the contract's order of checks so a node or
 * seqctl can tell, before spending gas, which custom error L1 would
 * revert with. */
#include <string.h>

#include "l1.h"

#define WORD 32u

size_t l1_evidence_stmt_bytes(l1_evidence_kind kind)
{
    switch (kind) {
    case L1_EVIDENCE_PROPOSAL:
    case L1_EVIDENCE_VOTE:
        return 4u * WORD;
    case L1_EVIDENCE_TIMEOUT:
        return 3u * WORD;
    case L1_EVIDENCE_ATTESTATION:
        return 7u * WORD;
    }
    return 0;
}

size_t l1_evidence_stmt_encode(uint8_t out[L1_EVIDENCE_STMT_BYTES_MAX], l1_evidence_kind kind,
                               const l1_statement *s)
{
    SEQ_ASSERT(out != NULL && s != NULL);
    switch (kind) {
    case L1_EVIDENCE_PROPOSAL:
    case L1_EVIDENCE_VOTE:
        l1_abi_u64(out, s->block.l2_chain_id);
        l1_abi_u64(out + WORD, s->block.view);
        l1_abi_u64(out + 2 * WORD, s->block.height);
        memcpy(out + 3 * WORD, s->block.block_hash.b, SEQ_HASH_BYTES);
        break;
    case L1_EVIDENCE_TIMEOUT:
        l1_abi_u64(out, s->timeout.l2_chain_id);
        l1_abi_u64(out + WORD, s->timeout.view);
        l1_abi_u64(out + 2 * WORD, s->timeout.high_qc_view);
        break;
    case L1_EVIDENCE_ATTESTATION:
        l1_abi_u64(out, s->attestation.l2_chain_id);
        l1_abi_u64(out + WORD, s->attestation.index);
        memcpy(out + 2 * WORD, s->attestation.prev_batch_hash.b, SEQ_HASH_BYTES);
        memcpy(out + 3 * WORD, s->attestation.data_hash.b, SEQ_HASH_BYTES);
        l1_abi_u64(out + 4 * WORD, s->attestation.first_height);
        l1_abi_u64(out + 5 * WORD, s->attestation.last_height);
        l1_abi_u64(out + 6 * WORD, s->attestation.forced_cursor);
        break;
    default:
        return 0;
    }
    return l1_evidence_stmt_bytes(kind);
}

/* A canonical uint64 word: the high 24 bytes zero. */
static bool word_u64(uint64_t *out, const uint8_t *w)
{
    for (size_t i = 0; i < WORD - 8; i++)
        if (w[i] != 0)
            return false;
    uint64_t v = 0;
    for (size_t i = WORD - 8; i < WORD; i++)
        v = v << 8 | w[i];
    *out = v;
    return true;
}

seq_err l1_evidence_stmt_decode(l1_statement *out, l1_evidence_kind kind, const uint8_t *in,
                                size_t in_len)
{
    SEQ_ASSERT(out != NULL && (in != NULL || in_len == 0));
    memset(out, 0, sizeof *out);
    size_t want = l1_evidence_stmt_bytes(kind);
    if (want == 0)
        return SEQ_ERR_INVALID_ARG;
    if (in_len != want)
        return SEQ_ERR_MALFORMED;
    bool ok = true;
    if (kind == L1_EVIDENCE_PROPOSAL || kind == L1_EVIDENCE_VOTE) {
        l1_block_stmt *b = &out->block;
        ok = word_u64(&b->l2_chain_id, in) && word_u64(&b->view, in + WORD) &&
             word_u64(&b->height, in + 2 * WORD);
        memcpy(b->block_hash.b, in + 3 * WORD, SEQ_HASH_BYTES);
    } else if (kind == L1_EVIDENCE_TIMEOUT) {
        l1_timeout_stmt *t = &out->timeout;
        ok = word_u64(&t->l2_chain_id, in) && word_u64(&t->view, in + WORD) &&
             word_u64(&t->high_qc_view, in + 2 * WORD);
    } else {
        l1_attestation_stmt *a = &out->attestation;
        ok = word_u64(&a->l2_chain_id, in) && word_u64(&a->index, in + WORD) &&
             word_u64(&a->first_height, in + 4 * WORD) &&
             word_u64(&a->last_height, in + 5 * WORD) && word_u64(&a->forced_cursor, in + 6 * WORD);
        memcpy(a->prev_batch_hash.b, in + 2 * WORD, SEQ_HASH_BYTES);
        memcpy(a->data_hash.b, in + 3 * WORD, SEQ_HASH_BYTES);
    }
    if (!ok) {
        memset(out, 0, sizeof *out);
        return SEQ_ERR_MALFORMED;
    }
    return SEQ_OK;
}

void l1_evidence_digest(seq_hash *out, const seq_hash *domain_separator, l1_evidence_kind kind,
                        const l1_statement *s)
{
    SEQ_ASSERT(out != NULL && domain_separator != NULL && s != NULL);
    seq_hash h;
    switch (kind) {
    case L1_EVIDENCE_PROPOSAL:
        l1_eip712_proposal_hash(&h, &s->block);
        break;
    case L1_EVIDENCE_VOTE:
        l1_eip712_vote_hash(&h, &s->block);
        break;
    case L1_EVIDENCE_TIMEOUT:
        l1_eip712_timeout_hash(&h, &s->timeout);
        break;
    case L1_EVIDENCE_ATTESTATION:
        l1_eip712_attestation_hash(&h, &s->attestation);
        break;
    default:
        SEQ_ASSERT(!"unknown evidence kind");
    }
    l1_eip712_digest(out, domain_separator, &h);
}

uint64_t l1_evidence_view(l1_evidence_kind kind, const l1_statement *s)
{
    SEQ_ASSERT(s != NULL);
    switch (kind) {
    case L1_EVIDENCE_TIMEOUT:
        return s->timeout.view;
    case L1_EVIDENCE_ATTESTATION:
        return s->attestation.index;
    default:
        return s->block.view;
    }
}

static uint64_t stmt_chain_id(l1_evidence_kind kind, const l1_statement *s)
{
    switch (kind) {
    case L1_EVIDENCE_TIMEOUT:
        return s->timeout.l2_chain_id;
    case L1_EVIDENCE_ATTESTATION:
        return s->attestation.l2_chain_id;
    default:
        return s->block.l2_chain_id;
    }
}

/* n / 2 for the secp256k1 group order n (SeqdCrypto.HALF_ORDER). */
static const uint8_t half_order[32] = {
    0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0x5d, 0x57, 0x6e, 0x73, 0x57, 0xa4, 0x50, 0x1d, 0xdf, 0xe9, 0x2f, 0x46, 0x68, 0x1b, 0x20, 0xa0,
};

static bool all_zero(const uint8_t *b, size_t len)
{
    uint8_t acc = 0;
    for (size_t i = 0; i < len; i++)
        acc |= b[i];
    return acc == 0;
}

/* SeqdCrypto.recover's order: v in {27, 28}, r and s nonzero, then
 * s <= n/2 (HighS for any larger s, also s >= n, which libsecp256k1
 * alone would call malformed), then the recovery itself. */
static seq_err recover_strict(seq_addr *out, const seq_sig *sig, const seq_hash *digest)
{
    uint8_t v = sig->b[64];
    bool shaped = (v == 27 || v == 28) && !all_zero(sig->b, 32) && !all_zero(sig->b + 32, 32);
    if (shaped && memcmp(sig->b + 32, half_order, sizeof half_order) > 0) {
        memset(out, 0, sizeof *out);
        return SEQ_ERR_HIGH_S;
    }
    return l1_secp_recover(out, sig, digest);
}

/* The recovery error's contract name. */
static const char *recover_error(seq_err err)
{
    return err == SEQ_ERR_HIGH_S ? "HighS" : "BadSignature";
}

seq_err l1_evidence_check(const l1_evidence *e, const seq_hash *domain_separator,
                          uint64_t l2_chain_id, seq_addr *signer, const char **why)
{
    SEQ_ASSERT(e != NULL && domain_separator != NULL && signer != NULL && why != NULL);
    memset(signer, 0, sizeof *signer);
    *why = NULL;
    size_t size = l1_evidence_stmt_bytes(e->kind);
    if (size == 0) {
        *why = "UnknownKind";
        return SEQ_ERR_INVALID_ARG;
    }
    if (stmt_chain_id(e->kind, &e->a) != l2_chain_id ||
        stmt_chain_id(e->kind, &e->b) != l2_chain_id) {
        *why = "WrongChainId";
        return SEQ_ERR_INVALID_ARG;
    }
    if (l1_evidence_view(e->kind, &e->a) != l1_evidence_view(e->kind, &e->b)) {
        *why = e->kind == L1_EVIDENCE_ATTESTATION ? "IndexMismatch" : "ViewMismatch";
        return SEQ_ERR_INVALID_ARG;
    }
    /* Contents compare as the contract does: the ABI bytes. */
    uint8_t a[L1_EVIDENCE_STMT_BYTES_MAX], b[L1_EVIDENCE_STMT_BYTES_MAX];
    l1_evidence_stmt_encode(a, e->kind, &e->a);
    l1_evidence_stmt_encode(b, e->kind, &e->b);
    if (memcmp(a, b, size) == 0) {
        *why = "SameContent";
        return SEQ_ERR_INVALID_ARG;
    }
    seq_hash da, db;
    seq_addr sa, sb;
    l1_evidence_digest(&da, domain_separator, e->kind, &e->a);
    l1_evidence_digest(&db, domain_separator, e->kind, &e->b);
    seq_err err = recover_strict(&sa, &e->sig_a, &da);
    if (err == SEQ_OK)
        err = recover_strict(&sb, &e->sig_b, &db);
    if (err != SEQ_OK) {
        *why = recover_error(err);
        return err;
    }
    if (!seq_addr_equal(&sa, &sb)) {
        *why = "SignerMismatch";
        return SEQ_ERR_BAD_SIGNATURE;
    }
    *signer = sa;
    return SEQ_OK;
}

static size_t pad32(size_t n)
{
    return (n + WORD - 1) / WORD * WORD;
}

seq_err l1_evidence_calldata(uint8_t *out, size_t out_cap, size_t *out_len, const l1_evidence *e)
{
    SEQ_ASSERT(out_len != NULL && e != NULL);
    *out_len = 0;
    size_t size = l1_evidence_stmt_bytes(e->kind);
    if (size == 0)
        return SEQ_ERR_INVALID_ARG;
    /* Head: kind and four offsets; tail: a, sigA, b, sigB. */
    size_t sig_words = pad32(SEQ_SIG_BYTES);
    size_t at_a = 5 * WORD, at_sig_a = at_a + WORD + size;
    size_t at_b = at_sig_a + WORD + sig_words, at_sig_b = at_b + WORD + size;
    size_t need = 4 + at_sig_b + WORD + sig_words;
    if (out == NULL || out_cap < need)
        return SEQ_ERR_NO_SPACE;
    memset(out, 0, need);
    l1_abi_selector(out, L1_EVIDENCE_SUBMIT_SIGNATURE);
    uint8_t *w = out + 4;
    l1_abi_u64(w, (uint64_t)e->kind);
    l1_abi_u64(w + WORD, at_a);
    l1_abi_u64(w + 2 * WORD, at_sig_a);
    l1_abi_u64(w + 3 * WORD, at_b);
    l1_abi_u64(w + 4 * WORD, at_sig_b);
    l1_abi_u64(w + at_a, size);
    l1_evidence_stmt_encode(w + at_a + WORD, e->kind, &e->a);
    l1_abi_u64(w + at_sig_a, SEQ_SIG_BYTES);
    memcpy(w + at_sig_a + WORD, e->sig_a.b, SEQ_SIG_BYTES);
    l1_abi_u64(w + at_b, size);
    l1_evidence_stmt_encode(w + at_b + WORD, e->kind, &e->b);
    l1_abi_u64(w + at_sig_b, SEQ_SIG_BYTES);
    memcpy(w + at_sig_b + WORD, e->sig_b.b, SEQ_SIG_BYTES);
    *out_len = need;
    return SEQ_OK;
}
