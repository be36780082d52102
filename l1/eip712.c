/* eip712.c — Solidity ABI words, EIP-712 typed-data hashes of the statements
 * validators sign, and the block hash.
 *
 * Every struct below has only static fields (uint64, bytes32, address), so
 * its hashStruct is keccak256(typeHash || one 32-byte word per field) and
 * the block hash is keccak256 of ten words: exactly what Solidity's
 * abi.encode produces for the same values. */
#include <string.h>

#include "l1.h"

#define EIP712_WORD 32

static const char eip712_domain_type[] =
    "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)";
static const char eip712_proposal_type[] =
    "Proposal(uint64 l2ChainId,uint64 view,uint64 height,bytes32 blockHash)";
static const char eip712_vote_type[] =
    "Vote(uint64 l2ChainId,uint64 view,uint64 height,bytes32 blockHash)";
static const char eip712_timeout_type[] = "Timeout(uint64 l2ChainId,uint64 view,uint64 highQcView)";
static const char eip712_attestation_type[] =
    "BatchAttestation(uint64 l2ChainId,uint64 index,bytes32 prevBatchHash,bytes32 dataHash,"
    "uint64 firstHeight,uint64 lastHeight,uint64 forcedCursor)";

void l1_abi_u64(uint8_t word[32], uint64_t value)
{
    SEQ_ASSERT(word != NULL);
    memset(word, 0, EIP712_WORD - 8);
    for (size_t i = 0; i < 8; i++)
        word[EIP712_WORD - 1 - i] = (uint8_t)(value >> (8 * i));
}

void l1_abi_addr(uint8_t word[32], const seq_addr *addr)
{
    SEQ_ASSERT(word != NULL);
    SEQ_ASSERT(addr != NULL);
    memset(word, 0, EIP712_WORD - SEQ_ADDR_BYTES);
    memcpy(word + EIP712_WORD - SEQ_ADDR_BYTES, addr->b, SEQ_ADDR_BYTES);
}

/* A word sequence being hashed: the keccak state plus one scratch word. */
typedef struct {
    l1_keccak_ctx keccak;
    uint8_t word[EIP712_WORD];
} eip712_words;

static void eip712_begin(eip712_words *w)
{
    l1_keccak_init(&w->keccak);
}

static void eip712_put_hash(eip712_words *w, const seq_hash *h)
{
    l1_keccak_update(&w->keccak, h->b, SEQ_HASH_BYTES);
}

static void eip712_put_u64(eip712_words *w, uint64_t v)
{
    l1_abi_u64(w->word, v);
    l1_keccak_update(&w->keccak, w->word, EIP712_WORD);
}

static void eip712_put_addr(eip712_words *w, const seq_addr *a)
{
    l1_abi_addr(w->word, a);
    l1_keccak_update(&w->keccak, w->word, EIP712_WORD);
}

/* keccak256 of a string's bytes (no NUL): typeHash and string fields. */
static void eip712_put_string_hash(eip712_words *w, const char *s)
{
    seq_hash h;
    l1_keccak256(&h, (const uint8_t *)s, strlen(s));
    eip712_put_hash(w, &h);
}

static void eip712_end(eip712_words *w, seq_hash *out)
{
    l1_keccak_final(&w->keccak, out);
}

void l1_eip712_domain_separator(seq_hash *out, const char *name, const char *version,
                                uint64_t chain_id, const seq_addr *verifying_contract)
{
    SEQ_ASSERT(out != NULL);
    SEQ_ASSERT(name != NULL && version != NULL && verifying_contract != NULL);
    eip712_words w;
    eip712_begin(&w);
    eip712_put_string_hash(&w, eip712_domain_type);
    eip712_put_string_hash(&w, name);
    eip712_put_string_hash(&w, version);
    eip712_put_u64(&w, chain_id); /* uint256 chainId: a u64 left-padded */
    eip712_put_addr(&w, verifying_contract);
    eip712_end(&w, out);
}

void l1_eip712_digest(seq_hash *out, const seq_hash *domain_separator, const seq_hash *struct_hash)
{
    SEQ_ASSERT(out != NULL);
    SEQ_ASSERT(domain_separator != NULL && struct_hash != NULL);
    static const uint8_t prefix[2] = {0x19, 0x01};
    l1_keccak_ctx ctx;
    l1_keccak_init(&ctx);
    l1_keccak_update(&ctx, prefix, sizeof(prefix));
    l1_keccak_update(&ctx, domain_separator->b, SEQ_HASH_BYTES);
    l1_keccak_update(&ctx, struct_hash->b, SEQ_HASH_BYTES);
    l1_keccak_final(&ctx, out);
}

static void eip712_block_stmt_hash(seq_hash *out, const char *type, const l1_block_stmt *s)
{
    SEQ_ASSERT(out != NULL);
    SEQ_ASSERT(s != NULL);
    eip712_words w;
    eip712_begin(&w);
    eip712_put_string_hash(&w, type);
    eip712_put_u64(&w, s->l2_chain_id);
    eip712_put_u64(&w, s->view);
    eip712_put_u64(&w, s->height);
    eip712_put_hash(&w, &s->block_hash);
    eip712_end(&w, out);
}

void l1_eip712_proposal_hash(seq_hash *out, const l1_block_stmt *s)
{
    eip712_block_stmt_hash(out, eip712_proposal_type, s);
}

void l1_eip712_vote_hash(seq_hash *out, const l1_block_stmt *s)
{
    eip712_block_stmt_hash(out, eip712_vote_type, s);
}

void l1_eip712_timeout_hash(seq_hash *out, const l1_timeout_stmt *s)
{
    SEQ_ASSERT(out != NULL);
    SEQ_ASSERT(s != NULL);
    eip712_words w;
    eip712_begin(&w);
    eip712_put_string_hash(&w, eip712_timeout_type);
    eip712_put_u64(&w, s->l2_chain_id);
    eip712_put_u64(&w, s->view);
    eip712_put_u64(&w, s->high_qc_view);
    eip712_end(&w, out);
}

void l1_eip712_attestation_hash(seq_hash *out, const l1_attestation_stmt *s)
{
    SEQ_ASSERT(out != NULL);
    SEQ_ASSERT(s != NULL);
    eip712_words w;
    eip712_begin(&w);
    eip712_put_string_hash(&w, eip712_attestation_type);
    eip712_put_u64(&w, s->l2_chain_id);
    eip712_put_u64(&w, s->index);
    eip712_put_hash(&w, &s->prev_batch_hash);
    eip712_put_hash(&w, &s->data_hash);
    eip712_put_u64(&w, s->first_height);
    eip712_put_u64(&w, s->last_height);
    eip712_put_u64(&w, s->forced_cursor);
    eip712_end(&w, out);
}

void l1_block_hash(seq_hash *out, const l1_block_header *h)
{
    SEQ_ASSERT(out != NULL);
    SEQ_ASSERT(h != NULL);
    eip712_words w;
    eip712_begin(&w);
    eip712_put_u64(&w, h->l2_chain_id);
    eip712_put_u64(&w, h->height);
    eip712_put_u64(&w, h->view);
    eip712_put_hash(&w, &h->parent_hash);
    eip712_put_hash(&w, &h->tx_root);
    eip712_put_u64(&w, h->l1_origin_number);
    eip712_put_hash(&w, &h->l1_origin_hash);
    eip712_put_u64(&w, h->forced_cursor);
    eip712_put_u64(&w, h->timestamp_ms);
    eip712_put_addr(&w, &h->proposer);
    eip712_end(&w, out);
}

void l1_abi_selector(uint8_t out[4], const char *signature)
{
    SEQ_ASSERT(out != NULL && signature != NULL);
    seq_hash h;
    l1_keccak256(&h, (const uint8_t *)signature, strlen(signature));
    memcpy(out, h.b, 4);
}

void l1_create_address(seq_addr *out, const seq_addr *sender, uint64_t nonce)
{
    SEQ_ASSERT(out != NULL && sender != NULL);
    uint8_t buf[1 + 1 + SEQ_ADDR_BYTES + 1 + 8]; /* list header, address, nonce */
    l1_rlp_writer w;
    l1_rlp_writer_init(&w, buf, sizeof(buf));
    l1_rlp_list_begin(&w);
    l1_rlp_put_bytes(&w, sender->b, SEQ_ADDR_BYTES);
    l1_rlp_put_u64(&w, nonce);
    l1_rlp_list_end(&w);
    size_t len = 0;
    seq_err err = l1_rlp_writer_finish(&w, &len);
    SEQ_ASSERT(err == SEQ_OK);
    seq_hash h;
    l1_keccak256(&h, buf, len);
    memcpy(out->b, h.b + SEQ_HASH_BYTES - SEQ_ADDR_BYTES, SEQ_ADDR_BYTES);
}
