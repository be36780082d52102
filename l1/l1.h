/* l1.h — Ethereum primitives and (later) the L1 client of seqd.
 *
 * Everything L1 may re-check is hashed with keccak256 and signed as an
 * EIP-712 digest with a recoverable secp256k1 signature (low-s, v in {27,28}),
 * so Solidity can rebuild it with abi.encode and check it with ecrecover.
 *
 * Conventions: context -> outputs -> inputs; every length follows its buffer.
 * Functions returning seq_err zero their outputs on failure. Nothing here
 * allocates from the heap except the one-time secp256k1 context. */
#ifndef SEQ_L1_H
#define SEQ_L1_H

#include "seq.h"

/* ------------------------------------------------------------------- hex */

/* Writes "0x" followed by 2*in_len lowercase hex digits and a NUL into out.
 * Returns SEQ_ERR_NO_SPACE (and writes "" if out_len > 0) when
 * out_len < 2*in_len + 3. */
SEQ_MUST_USE seq_err l1_hex_encode(char *out, size_t out_len, const uint8_t *in, size_t in_len);

/* Decodes hex[0..hex_len) (optional "0x"/"0X" prefix, either case, even
 * number of digits) into out; *written receives the byte count.
 * SEQ_ERR_MALFORMED on a bad digit or odd length, SEQ_ERR_NO_SPACE if out is
 * too small. */
SEQ_MUST_USE seq_err l1_hex_decode(uint8_t *out, size_t out_len, size_t *written, const char *hex,
                                   size_t hex_len);

/* Like l1_hex_decode over a NUL-terminated string, but requires exactly
 * out_len bytes (SEQ_ERR_MALFORMED otherwise). For hashes, addresses, keys. */
SEQ_MUST_USE seq_err l1_hex_decode_exact(uint8_t *out, size_t out_len, const char *hex);

/* EIP-55 mixed-case checksum form of an address: "0x" + 40 chars + NUL. */
void l1_addr_checksum(char out[43], const seq_addr *addr);

/* ---------------------------------------------------------------- keccak */

/* Keccak-256 as used by Ethereum (original Keccak padding 0x01, not SHA3's
 * 0x06). Streaming and one-shot forms. */
typedef struct {
    uint64_t state[25];
    size_t absorbed; /* bytes absorbed into the current block, < rate */
} l1_keccak_ctx;

void l1_keccak_init(l1_keccak_ctx *ctx);
void l1_keccak_update(l1_keccak_ctx *ctx, const uint8_t *data, size_t len);
/* Writes the digest and wipes ctx; ctx must be re-initialised to reuse it. */
void l1_keccak_final(l1_keccak_ctx *ctx, seq_hash *out);
void l1_keccak256(seq_hash *out, const uint8_t *data, size_t len);

/* ------------------------------------------------------------------- RLP */

/* Limits: a writer keeps at most L1_RLP_DEPTH_MAX open lists; the strict
 * validator refuses deeper nesting (hostile input cannot recurse deeply). */
#define L1_RLP_DEPTH_MAX 16

/* A bounded RLP writer over a caller buffer. Errors are sticky: after the
 * first failure every call is a no-op and l1_rlp_writer_finish reports it. */
typedef struct {
    uint8_t *buf;
    size_t cap;
    size_t len;
    size_t open[L1_RLP_DEPTH_MAX]; /* payload start offset of each open list */
    size_t depth;
    seq_err err;
} l1_rlp_writer;

void l1_rlp_writer_init(l1_rlp_writer *w, uint8_t *buf, size_t cap);
/* A byte string (single bytes < 0x80 encode as themselves). */
void l1_rlp_put_bytes(l1_rlp_writer *w, const uint8_t *data, size_t len);
/* An unsigned integer: big-endian, no leading zeros; 0 encodes as 0x80. */
void l1_rlp_put_u64(l1_rlp_writer *w, uint64_t value);
/* An unsigned big-endian integer of any width (e.g. a uint256); leading zero
 * bytes are stripped. */
void l1_rlp_put_uint_be(l1_rlp_writer *w, const uint8_t *be, size_t len);
/* Already-encoded RLP (copied verbatim; caller vouches it is one item). */
void l1_rlp_put_raw(l1_rlp_writer *w, const uint8_t *rlp, size_t len);
void l1_rlp_list_begin(l1_rlp_writer *w);
void l1_rlp_list_end(l1_rlp_writer *w);
/* Returns the first error (SEQ_ERR_NO_SPACE, SEQ_ERR_INVALID_ARG for
 * unbalanced lists or too deep nesting) or SEQ_OK with *out_len set. */
SEQ_MUST_USE seq_err l1_rlp_writer_finish(l1_rlp_writer *w, size_t *out_len);

/* A decoded item: payload borrowed from the input buffer. */
typedef struct {
    const uint8_t *payload;
    size_t payload_len;
    bool is_list;
} l1_rlp_item;

/* Decodes the item header at the start of in and checks it is canonical
 * (shortest form; a single byte < 0x80 never wrapped; no leading zeros in a
 * long length) and fits in in_len. *consumed = header + payload bytes.
 * Errors: SEQ_ERR_TRUNCATED, SEQ_ERR_NONCANONICAL, SEQ_ERR_TOO_LARGE. */
SEQ_MUST_USE seq_err l1_rlp_decode_item(l1_rlp_item *out, size_t *consumed, const uint8_t *in,
                                        size_t in_len);
/* Exactly one item spanning all of in (SEQ_ERR_TRAILING otherwise). */
SEQ_MUST_USE seq_err l1_rlp_decode_single(l1_rlp_item *out, const uint8_t *in, size_t in_len);
/* Checks the whole tree of in (one item, no trailing bytes) is canonical and
 * nests at most L1_RLP_DEPTH_MAX lists deep, without recursion. */
SEQ_MUST_USE seq_err l1_rlp_validate(const uint8_t *in, size_t in_len);

/* Iterates the items of a list item. */
typedef struct {
    const uint8_t *pos;
    size_t left;
} l1_rlp_iter;

void l1_rlp_iter_init(l1_rlp_iter *it, const l1_rlp_item *list);
bool l1_rlp_iter_done(const l1_rlp_iter *it);
/* Decodes the next item; SEQ_ERR_NOT_FOUND when the list is exhausted. */
SEQ_MUST_USE seq_err l1_rlp_iter_next(l1_rlp_iter *it, l1_rlp_item *out);

/* Canonical integer accessors: the item must be a string without leading
 * zero bytes (SEQ_ERR_NONCANONICAL), at most 8 (resp. out_len) bytes
 * (SEQ_ERR_TOO_LARGE). l1_rlp_item_uint_be writes out_len bytes,
 * right-aligned and zero-padded. */
SEQ_MUST_USE seq_err l1_rlp_item_u64(uint64_t *out, const l1_rlp_item *item);
SEQ_MUST_USE seq_err l1_rlp_item_uint_be(uint8_t *out, size_t out_len, const l1_rlp_item *item);

/* ------------------------------------------------------------- secp256k1 */

/* Secret keys are passed as 32 raw bytes that the caller keeps in
 * sodium_malloc'd memory; this module copies them only onto the stack and
 * wipes the copies. A process-wide randomised (blinded) secp256k1 context is
 * created on first use; every function is thread-safe. */

/* SEQ_OK iff seckey is in [1, n-1]; SEQ_ERR_BAD_KEY otherwise. */
SEQ_MUST_USE seq_err l1_secp_seckey_check(const uint8_t seckey[32]);
/* Uncompressed public key X || Y (64 bytes, no 0x04 prefix). */
SEQ_MUST_USE seq_err l1_secp_pubkey(uint8_t pubkey[64], const uint8_t seckey[32]);
/* Ethereum address: last 20 bytes of keccak256(X || Y). */
void l1_pubkey_address(seq_addr *out, const uint8_t pubkey[64]);
SEQ_MUST_USE seq_err l1_secp_address(seq_addr *out, const uint8_t seckey[32]);

/* Deterministic (RFC 6979) recoverable signature over a 32-byte digest:
 * r || s || v with s in the lower half order and v = 27 + recovery id. */
SEQ_MUST_USE seq_err l1_secp_sign(seq_sig *out, const uint8_t seckey[32], const seq_hash *digest);

/* Recovers the signer's address. Strict, like OpenZeppelin's ECDSA.recover:
 * v must be 27 or 28, r and s in [1, n-1] (SEQ_ERR_BAD_SIGNATURE), s in the
 * lower half order (SEQ_ERR_HIGH_S). */
SEQ_MUST_USE seq_err l1_secp_recover(seq_addr *out, const seq_sig *sig, const seq_hash *digest);

/* SEQ_OK iff sig is a valid strict signature of digest by signer. */
SEQ_MUST_USE seq_err l1_secp_verify(const seq_sig *sig, const seq_hash *digest,
                                    const seq_addr *signer);

/* ------------------------------------------------------------------- ABI */

/* Solidity abi.encode words (32 bytes, big-endian, left-padded). */
void l1_abi_u64(uint8_t word[32], uint64_t value);
void l1_abi_addr(uint8_t word[32], const seq_addr *addr);

/* --------------------------------------------------------------- EIP-712 */

/* The statements validators sign are the shared domain structs of seq.h;
 * their field order is the ABI order of the typed structs in DESIGN.md. */
typedef seq_block_stmt l1_block_stmt; /* Proposal(...) and Vote(...) */
typedef seq_timeout_stmt l1_timeout_stmt;
typedef seq_attestation_stmt l1_attestation_stmt;

#define L1_EIP712_NAME    "seqd"
#define L1_EIP712_VERSION "1"

/* keccak256(abi.encode(keccak("EIP712Domain(string name,string version,
 * uint256 chainId,address verifyingContract)"), keccak(name),
 * keccak(version), chainId, verifyingContract)). seqd uses L1_EIP712_NAME /
 * L1_EIP712_VERSION; the arguments exist so published vectors can be
 * checked. */
void l1_eip712_domain_separator(seq_hash *out, const char *name, const char *version,
                                uint64_t chain_id, const seq_addr *verifying_contract);

/* keccak256(0x19 0x01 || domain_separator || struct_hash). */
void l1_eip712_digest(seq_hash *out, const seq_hash *domain_separator, const seq_hash *struct_hash);

/* hashStruct of each typed struct. */
void l1_eip712_proposal_hash(seq_hash *out, const l1_block_stmt *s);
void l1_eip712_vote_hash(seq_hash *out, const l1_block_stmt *s);
void l1_eip712_timeout_hash(seq_hash *out, const l1_timeout_stmt *s);
void l1_eip712_attestation_hash(seq_hash *out, const l1_attestation_stmt *s);

/* ------------------------------------------------------- blocks, tx root */

/* The fields of a block that its hash commits to, in hash order. */
typedef seq_block_header l1_block_header;

/* keccak256(abi.encode(l2ChainId, height, view, parentHash, txRoot,
 * l1OriginNumber, l1OriginHash, forcedCursor, timestampMs, proposer)). */
void l1_block_hash(seq_hash *out, const l1_block_header *h);

/* Binary Merkle tree over transaction hashes (tx hash = keccak256(raw tx)):
 *   leaf     = keccak256(0x00 || txHash)
 *   inner    = keccak256(0x01 || left || right)
 *   treeRoot = the single node left of the top level (32 zero bytes for
 *              zero transactions)
 *   txRoot   = keccak256(0x02 || uint64_be(count) || treeRoot)
 * An odd node at the end of a level is promoted unchanged (never duplicated,
 * so no two different lists share a root). The three prefixes and preimage
 * lengths (33, 65, 41 bytes) keep leaves, inner nodes and the root apart,
 * and wrapping the count makes a proof bind the tx's position, not only its
 * membership. In Solidity: keccak256(abi.encodePacked(bytes1(0x02),
 * uint64(count), treeRoot)). */
#define L1_MERKLE_DEPTH_MAX 32

/* Computes the root in place: tx_hashes[0..count) is overwritten. */
void l1_merkle_root(seq_hash *root, seq_hash *tx_hashes, size_t count);

/* Writes the sibling path of leaf index (bottom-up, promoted levels
 * skipped) into proof[0..*proof_len) and overwrites tx_hashes.
 * SEQ_ERR_INVALID_ARG if index >= count. */
SEQ_MUST_USE seq_err l1_merkle_proof(seq_hash *proof, size_t proof_cap, size_t *proof_len,
                                     seq_hash *tx_hashes, size_t count, size_t index);

/* True iff proof shows tx_hash at index in a tree of count leaves with root. */
bool l1_merkle_verify(const seq_hash *root, const seq_hash *tx_hash, size_t index, size_t count,
                      const seq_hash *proof, size_t proof_len);

#endif /* SEQ_L1_H */
