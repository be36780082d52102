/* l1.h — Ethereum primitives, EIP-1559 transactions and the L1 JSON-RPC
 * client of seqd.
 *
 * Everything L1 may re-check is hashed with keccak256 and signed as an
 * EIP-712 digest with a recoverable secp256k1 signature (low-s, v in {27,28}),
 * so Solidity can rebuild it with abi.encode and check it with ecrecover.
 *
 * Conventions: context -> outputs -> inputs; every length follows its buffer.
 * Functions returning seq_err zero their outputs on failure. Nothing here
 * allocates from the heap except the one-time secp256k1 context and the
 * JSON-RPC client (its handle, its response buffer and the JSON parser). */
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

/* ------------------------------------------------------------ quantities */

/* JSON-RPC quantities, parsed strictly: "0x" (lower-case x) and then 1 to 16
 * (u64) or 1 to 64 (u256) hex digits of either case, without a leading zero
 * unless the value is zero ("0x0"). So "0x", "0x00", "0x01", "12" and "0X1"
 * are SEQ_ERR_MALFORMED, a canonical value wider than the output is
 * SEQ_ERR_TOO_LARGE. text need not be NUL-terminated. */
SEQ_MUST_USE seq_err l1_quantity_u64(uint64_t *out, const char *text, size_t text_len);
/* out is a 256-bit big-endian number (balances, values). */
SEQ_MUST_USE seq_err l1_quantity_u256(uint8_t out[32], const char *text, size_t text_len);

#define L1_QUANTITY_U64_CHARS  19 /* "0x" + 16 digits + NUL */
#define L1_QUANTITY_U256_CHARS 67 /* "0x" + 64 digits + NUL */

/* The canonical quantity of value: "0x0", "0x1f", ... (lower case). */
void l1_quantity_format_u64(char out[L1_QUANTITY_U64_CHARS], uint64_t value);
void l1_quantity_format_u256(char out[L1_QUANTITY_U256_CHARS], const uint8_t value[32]);

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

/* The 4-byte selector of a function or custom error: the first four bytes
 * of keccak256 of its canonical signature, e.g. "BadIndex(uint64,uint64)". */
void l1_abi_selector(uint8_t out[4], const char *signature);

/* The address a contract creation (CREATE) from sender with nonce gets:
 * the last 20 bytes of keccak256(rlp([sender, nonce])). */
void l1_create_address(seq_addr *out, const seq_addr *sender, uint64_t nonce);

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

/* ---------------------------------------------------- EIP-1559 transactions */

/* Type-2 transactions (EIP-1559) with an empty access list:
 *   unsigned  = 0x02 || rlp([chainId, nonce, maxPriorityFeePerGas,
 *                            maxFeePerGas, gasLimit, to, value, data, []])
 *   signing hash = keccak256(unsigned)
 *   raw       = 0x02 || rlp([..the nine fields.., yParity, r, s])
 *   tx hash   = keccak256(raw)
 * Integers are RLP integers (no leading zeros); `to` is 20 bytes, or the
 * empty string for a contract creation. Fees and the gas limit are 64-bit:
 * seqd never signs a fee above 2^64-1 wei per gas, and the decoder refuses
 * one (SEQ_ERR_TOO_LARGE). */
#define L1_TX_TYPE_EIP1559 0x02
/* A raw transaction is at most L1_TX_BYTES_MAX bytes (the transaction pool
 * limit of geth for non-blob transactions); its fixed fields and headers
 * take at most L1_TX_OVERHEAD_BYTES_MAX, the rest may be data. */
#define L1_TX_BYTES_MAX          (128u * 1024u)
#define L1_TX_OVERHEAD_BYTES_MAX 256u
#define L1_TX_DATA_BYTES_MAX     (L1_TX_BYTES_MAX - L1_TX_OVERHEAD_BYTES_MAX)

typedef struct {
    uint64_t chain_id;
    uint64_t nonce;
    uint64_t max_priority_fee_per_gas; /* wei per gas, <= max_fee_per_gas */
    uint64_t max_fee_per_gas;
    uint64_t gas_limit;
    bool has_to; /* false: contract creation, `to` is ignored */
    seq_addr to;
    uint8_t value[32];   /* wei, 256-bit big-endian */
    const uint8_t *data; /* borrowed; may be NULL when data_len is 0 */
    size_t data_len;     /* <= L1_TX_DATA_BYTES_MAX */
} l1_tx;

/* A decoded signed transaction. tx.data points into the decoded input. */
typedef struct {
    l1_tx tx;
    uint8_t y_parity; /* 0 or 1 */
    uint8_t r[32];
    uint8_t s[32]; /* low-s */
    seq_addr from; /* recovered signer */
    seq_hash hash; /* keccak256 of the raw bytes */
} l1_tx_signed;

/* Writes the unsigned encoding (0x02 || rlp of nine fields) into
 * out[0..*written). SEQ_ERR_INVALID_ARG if the tip exceeds the fee cap or
 * data is longer than L1_TX_DATA_BYTES_MAX; SEQ_ERR_NO_SPACE if out is too
 * small (data_len + L1_TX_OVERHEAD_BYTES_MAX always suffices). */
SEQ_MUST_USE seq_err l1_tx_encode_unsigned(uint8_t *out, size_t out_len, size_t *written,
                                           const l1_tx *tx);

/* keccak256 of the unsigned encoding, computed without a buffer. Errors as
 * l1_tx_encode_unsigned. */
SEQ_MUST_USE seq_err l1_tx_signing_hash(seq_hash *out, const l1_tx *tx);

/* Writes the signed encoding of stx->tx with stx->y_parity, r and s (from
 * and hash are not read). SEQ_ERR_INVALID_ARG also for a y-parity above 1. */
SEQ_MUST_USE seq_err l1_tx_encode_signed(uint8_t *out, size_t out_len, size_t *written,
                                         const l1_tx_signed *stx);

/* Signs tx with seckey (deterministic, low-s; yParity = v - 27) and writes
 * the raw signed transaction into raw[0..*raw_len) and its hash. Errors as
 * l1_tx_encode_unsigned, plus SEQ_ERR_BAD_KEY. */
SEQ_MUST_USE seq_err l1_tx_sign(uint8_t *raw, size_t raw_cap, size_t *raw_len, seq_hash *tx_hash,
                                const uint8_t seckey[32], const l1_tx *tx);

/* Decodes a signed type-2 transaction, canonical form only, and recovers its
 * signer. out->tx.data borrows from raw. Errors: SEQ_ERR_TRUNCATED (empty or
 * cut), SEQ_ERR_TOO_LARGE (raw, data or an integer over its limit),
 * SEQ_ERR_BAD_VERSION (first byte not 0x02), SEQ_ERR_NONCANONICAL,
 * SEQ_ERR_TRAILING (RLP), SEQ_ERR_MALFORMED (wrong field count or shape, a
 * 'to' neither empty nor 20 bytes, tip above fee cap), SEQ_ERR_UNSUPPORTED
 * (a non-empty access list), SEQ_ERR_BAD_SIGNATURE (yParity not 0/1, r or s
 * out of range, no signer), SEQ_ERR_HIGH_S. Every accepted input re-encodes
 * with l1_tx_encode_signed to the same bytes. */
SEQ_MUST_USE seq_err l1_tx_decode(l1_tx_signed *out, const uint8_t *raw, size_t raw_len);

/* ------------------------------------------------------ JSON-RPC client */

/* A blocking JSON-RPC 2.0 client over HTTP(S) (libcurl, jansson) for one L1
 * endpoint. A call blocks its thread for up to
 *   (retries + 1) * timeout_ms + retries * backoff_ms_max
 * so it belongs on an L1 thread, never in the consensus loop. One client is
 * used by one thread at a time; clients are independent of each other.
 *
 * Errors of every call:
 *   SEQ_ERR_UNAVAILABLE  no answer: connection refused, DNS, TLS, connection
 *                        lost, HTTP 429 or 5xx (after the retries), any other
 *                        non-2xx status without a JSON-RPC error in its body
 *   SEQ_ERR_TIMEOUT      an attempt took longer than timeout_ms (after the
 *                        retries)
 *   SEQ_ERR_MALFORMED    not JSON, not a JSON-RPC 2.0 response, the wrong id,
 *                        a bad quantity, hash or field, a body over
 *                        response_bytes_max, or an answer contradicting the
 *                        request (another block, another tx hash)
 *   L1_RPC_ERR_REMOTE    the node answered with a JSON-RPC error object; its
 *                        code, message and kind are in l1_rpc_last_remote()
 *   SEQ_ERR_NOT_FOUND    block or receipt does not exist (yet)
 *   SEQ_ERR_NO_SPACE     more logs or log data than the caller made room for
 *   SEQ_ERR_NO_MEMORY
 * l1_rpc_last_error() then holds one line saying what happened, naming the
 * method and the endpoint as scheme://host:port (never the path or query,
 * which often carry an API key).
 *
 * Retries: reads are idempotent and are retried on UNAVAILABLE and TIMEOUT,
 * with exponential backoff (backoff_ms_base doubling up to backoff_ms_max,
 * each pause drawn from its upper half). l1_rpc_send_raw_tx and l1_rpc_call
 * are retried only when the request cannot have reached the server
 * (connection refused, DNS failure, connect timeout): after a timeout or a
 * lost connection the node may have the transaction, and blindly re-sending
 * turns one failure into two ambiguous ones. The tx manager re-sends by
 * itself, knowing the hash, and treats "already known" as success.
 * A JSON-RPC error object and a malformed answer are never retried. */

/* A JSON-RPC error object from the node: the request reached it and was
 * refused. seq.h has no code of its own for this; it is reported as
 * SEQ_ERR_INVALID_ARG (the node found the request invalid) and the details
 * are in l1_rpc_last_remote(). */
#define L1_RPC_ERR_REMOTE SEQ_ERR_INVALID_ARG

/* Limits. */
#define L1_RPC_URL_BYTES_MAX      1024u       /* including the NUL */
#define L1_RPC_TIMEOUT_MS_MAX     120000u     /* per attempt */
#define L1_RPC_RETRIES_MAX        8u          /* extra attempts per call */
#define L1_RPC_BACKOFF_MS_MAX     30000u      /* longest pause between attempts */
#define L1_RPC_RESPONSE_BYTES_MIN 4096u       /* smallest allowed response cap */
#define L1_RPC_RESPONSE_BYTES_MAX (64u << 20) /* largest allowed response cap */
#define L1_RPC_JSON_VALUES_MAX    (1u << 20)  /* JSON values in one response */
#define L1_RPC_JSON_DEPTH_MAX     64u         /* nesting in one response */
#define L1_RPC_MESSAGE_BYTES      256u        /* a node's error message, kept */
#define L1_RPC_ERROR_DATA_BYTES   512u        /* a node's error data, kept */
#define L1_RPC_DETAIL_BYTES       192u        /* why a response was refused */
#define L1_RPC_ERROR_TEXT_BYTES   (L1_RPC_MESSAGE_BYTES + L1_RPC_DETAIL_BYTES + 256u)

/* Defaults (l1_rpc_options_default). */
#define L1_RPC_CONNECT_TIMEOUT_MS_DEFAULT 2000u
#define L1_RPC_TIMEOUT_MS_DEFAULT         5000u
#define L1_RPC_RETRIES_DEFAULT            2u
#define L1_RPC_BACKOFF_MS_BASE_DEFAULT    100u
#define L1_RPC_BACKOFF_MS_MAX_DEFAULT     1000u
#define L1_RPC_RESPONSE_BYTES_DEFAULT     (16u << 20)

typedef struct {
    uint32_t connect_timeout_ms; /* [1, timeout_ms] */
    uint32_t timeout_ms;         /* one attempt, connect included; [1, L1_RPC_TIMEOUT_MS_MAX] */
    uint32_t retries;            /* [0, L1_RPC_RETRIES_MAX] */
    uint32_t backoff_ms_base;    /* first pause; [0, backoff_ms_max] */
    uint32_t backoff_ms_max;     /* [0, L1_RPC_BACKOFF_MS_MAX] */
    size_t response_bytes_max;   /* [L1_RPC_RESPONSE_BYTES_MIN, L1_RPC_RESPONSE_BYTES_MAX] */
} l1_rpc_options;

void l1_rpc_options_default(l1_rpc_options *out);

/* What a JSON-RPC error object means, recognised from its code and the
 * node's text (case-insensitive; geth, Nethermind, Erigon, Besu, reth and
 * anvil wordings). */
typedef enum {
    L1_RPC_KIND_NONE = 0,           /* the call did not fail with an error object */
    L1_RPC_KIND_OTHER,              /* an error object not recognised below */
    L1_RPC_KIND_ALREADY_KNOWN,      /* the pool already has this very transaction */
    L1_RPC_KIND_NONCE_TOO_LOW,      /* the nonce is used: another tx won */
    L1_RPC_KIND_UNDERPRICED,        /* fees too low: replacement or tip or below base fee */
    L1_RPC_KIND_INSUFFICIENT_FUNDS, /* the sender cannot pay gas * fee + value */
    L1_RPC_KIND_REVERTED,           /* execution reverted (code 3); data holds the reason */
    L1_RPC_KIND_METHOD_NOT_FOUND,   /* -32601 */
    L1_RPC_KIND_LIMIT,              /* rate or result-size limit: back off or narrow */
} l1_rpc_kind;

/* Classifies an error object. message may be NULL. */
l1_rpc_kind l1_rpc_error_kind(int64_t code, const char *message);
/* "already_known", "nonce_too_low", ...; never NULL. */
const char *l1_rpc_kind_name(l1_rpc_kind kind);

/* An error object as the node sent it. Strings are NUL-terminated,
 * truncated to fit, and every byte outside printable ASCII is replaced by
 * '?', so they are safe to log. */
typedef struct {
    int64_t code;
    l1_rpc_kind kind;
    char message[L1_RPC_MESSAGE_BYTES];
    char data[L1_RPC_ERROR_DATA_BYTES]; /* a string member as is, else compact JSON; "" if absent */
} l1_rpc_error;

typedef enum {
    L1_TAG_LATEST,
    L1_TAG_SAFE,
    L1_TAG_FINALIZED,
    L1_TAG_PENDING,
    L1_TAG_EARLIEST,
} l1_block_tag;

/* The header fields seqd reads from a block. */
typedef struct {
    uint64_t number;
    seq_hash hash;
    seq_hash parent_hash;
    uint64_t timestamp; /* seconds */
    bool has_base_fee;  /* false before London */
    uint64_t base_fee_per_gas;
} l1_rpc_block;

#define L1_LOG_TOPICS_MAX 4

typedef struct {
    seq_addr address;
    seq_hash topics[L1_LOG_TOPICS_MAX];
    size_t topic_count;
    const uint8_t *data; /* in the caller's arena */
    size_t data_len;
    uint64_t block_number;
    seq_hash block_hash;
    seq_hash tx_hash;
    uint64_t tx_index;
    uint64_t log_index;
    bool removed; /* dropped by a reorg (false when the node omits it) */
} l1_rpc_log;

#define L1_LOG_FILTER_ADDRESSES_MAX 4
#define L1_LOG_FILTER_CHOICES_MAX   4

/* eth_getLogs over blocks [from_block, to_block]: logs of any of
 * addresses[0..address_count) (any address when 0) whose topic i is one of
 * topics[i].choices[0..count) (anything when count is 0). */
typedef struct {
    uint64_t from_block;
    uint64_t to_block;
    seq_addr addresses[L1_LOG_FILTER_ADDRESSES_MAX];
    size_t address_count;
    struct {
        seq_hash choices[L1_LOG_FILTER_CHOICES_MAX];
        size_t count;
    } topics[L1_LOG_TOPICS_MAX];
} l1_rpc_log_filter;

#define L1_FEE_HISTORY_BLOCKS_MAX 64
#define L1_FEE_PERCENTILES_MAX    8

typedef struct {
    uint64_t oldest_block;
    size_t block_count;
    /* block_count + 1 entries: the last one is the base fee of the block
     * after the newest, also in base_fee_next. */
    uint64_t base_fee_per_gas[L1_FEE_HISTORY_BLOCKS_MAX + 1];
    uint64_t base_fee_next;
    size_t percentile_count; /* 0 when no reward was asked for */
    uint64_t reward[L1_FEE_HISTORY_BLOCKS_MAX][L1_FEE_PERCENTILES_MAX];
} l1_rpc_fees;

typedef struct {
    seq_hash tx_hash;
    bool success; /* status 1 */
    uint64_t block_number;
    seq_hash block_hash;
    uint64_t tx_index;
    uint64_t gas_used;
    uint64_t effective_gas_price;
    bool has_contract_address;
    seq_addr contract_address;
} l1_rpc_tx_receipt;

/* ---- the response parser: pure, no I/O (fuzzed by fuzz/fuzz_rpc.c) ---- */

/* The result each method expects. */
typedef enum {
    L1_RPC_SHAPE_U64,         /* a quantity of at most 64 bits */
    L1_RPC_SHAPE_U256,        /* a quantity of at most 256 bits */
    L1_RPC_SHAPE_HASH,        /* 32 bytes of data */
    L1_RPC_SHAPE_BLOCK,       /* a block object or null */
    L1_RPC_SHAPE_RECEIPT,     /* a receipt object or null */
    L1_RPC_SHAPE_LOGS,        /* an array of logs */
    L1_RPC_SHAPE_FEE_HISTORY, /* an eth_feeHistory object */
    L1_RPC_SHAPE_COUNT_
} l1_rpc_shape;

/* Caller memory for L1_RPC_SHAPE_LOGS (ignored otherwise). */
typedef struct {
    l1_rpc_log *logs; /* room for logs_cap entries */
    size_t logs_cap;
    seq_arena *arena; /* log data */
} l1_rpc_space;

typedef struct {
    bool is_null; /* BLOCK, RECEIPT: the result was null */
    union {
        uint64_t u64;
        uint8_t u256[32];
        seq_hash hash;
        l1_rpc_block block;
        l1_rpc_tx_receipt receipt;
        size_t log_count; /* logs in space->logs */
        l1_rpc_fees fee_history;
    } v;
    l1_rpc_error error;               /* set on L1_RPC_ERR_REMOTE */
    char detail[L1_RPC_DETAIL_BYTES]; /* why, on any error; "" on success */
} l1_rpc_result;

/* Parses the HTTP body of the response to request `id`, expecting `shape`.
 * Returns SEQ_OK (out->v, or out->is_null for BLOCK and RECEIPT),
 * L1_RPC_ERR_REMOTE (out->error; an error object may carry id null, as JSON-
 * RPC allows when the node could not read the id), SEQ_ERR_MALFORMED, or
 * SEQ_ERR_NO_SPACE (logs over space->logs_cap or data over the arena). On
 * failure out->v is zeroed and out->detail says why. Duplicate keys, more
 * than L1_RPC_JSON_VALUES_MAX values and nesting deeper than
 * L1_RPC_JSON_DEPTH_MAX are malformed; unknown members are ignored. */
SEQ_MUST_USE seq_err l1_rpc_parse(l1_rpc_result *out, const l1_rpc_space *space, l1_rpc_shape shape,
                                  uint64_t id, const uint8_t *body, size_t body_len);

/* ---- the client ---- */

typedef struct l1_rpc l1_rpc;

/* Creates a client for url (http:// or https://, at most
 * L1_RPC_URL_BYTES_MAX - 1 bytes) with options (NULL: the defaults). No
 * connection is made yet. SEQ_ERR_INVALID_ARG for a bad URL or an option out
 * of range, SEQ_ERR_NO_MEMORY, SEQ_ERR_INTERNAL if libcurl cannot start.
 * *out is NULL on failure; release the client with l1_rpc_free. */
SEQ_MUST_USE seq_err l1_rpc_new(l1_rpc **out, const char *url, const l1_rpc_options *options);
/* Closes the connection and frees c; NULL is a no-op. */
void l1_rpc_free(l1_rpc *c);

/* One line describing the last call's failure, "" after a success. Owned by
 * c, valid until its next call. */
const char *l1_rpc_last_error(const l1_rpc *c);
/* The error object of the last call if it returned L1_RPC_ERR_REMOTE, else
 * NULL. Owned by c, valid until its next call. */
const l1_rpc_error *l1_rpc_last_remote(const l1_rpc *c);
/* Its kind, L1_RPC_KIND_NONE if there was none. */
l1_rpc_kind l1_rpc_last_kind(const l1_rpc *c);

/* eth_chainId, eth_blockNumber. */
SEQ_MUST_USE seq_err l1_rpc_chain_id(l1_rpc *c, uint64_t *out);
SEQ_MUST_USE seq_err l1_rpc_block_number(l1_rpc *c, uint64_t *out);

/* eth_getBlockByNumber without transactions. SEQ_ERR_NOT_FOUND if there is
 * no such block; SEQ_ERR_MALFORMED if the node returns another number. tag
 * is latest, safe, finalized or earliest. */
SEQ_MUST_USE seq_err l1_rpc_block_by_number(l1_rpc *c, l1_rpc_block *out, uint64_t number);
SEQ_MUST_USE seq_err l1_rpc_block_by_tag(l1_rpc *c, l1_rpc_block *out, l1_block_tag tag);

/* eth_getLogs: writes up to logs_cap logs into logs[0..*log_count) and
 * their data into arena (which the caller resets). SEQ_ERR_NO_SPACE when
 * the node returns more than logs_cap logs or more data than the arena
 * holds: query a narrower block range. SEQ_ERR_MALFORMED for a log outside
 * the block range or from an address not asked for. */
SEQ_MUST_USE seq_err l1_rpc_logs(l1_rpc *c, l1_rpc_log *logs, size_t logs_cap, size_t *log_count,
                                 seq_arena *arena, const l1_rpc_log_filter *filter);

/* eth_getTransactionCount of account at tag (pending or latest for the tx
 * manager), eth_getBalance (256-bit big-endian wei). */
SEQ_MUST_USE seq_err l1_rpc_nonce(l1_rpc *c, uint64_t *out, const seq_addr *account,
                                  l1_block_tag tag);
SEQ_MUST_USE seq_err l1_rpc_balance(l1_rpc *c, uint8_t out[32], const seq_addr *account,
                                    l1_block_tag tag);

/* eth_feeHistory over the block_count (1..L1_FEE_HISTORY_BLOCKS_MAX) latest
 * blocks with reward percentiles[0..percentile_count) (at most
 * L1_FEE_PERCENTILES_MAX, ascending, in [0, 100]). The node may return fewer
 * blocks near genesis, never more. */
SEQ_MUST_USE seq_err l1_rpc_fee_history(l1_rpc *c, l1_rpc_fees *out, uint64_t block_count,
                                        const double *percentiles, size_t percentile_count);

/* eth_maxPriorityFeePerGas: the node's suggested tip in wei per gas. */
SEQ_MUST_USE seq_err l1_rpc_max_priority_fee(l1_rpc *c, uint64_t *out);

/* A call or transaction to estimate: no `to` means contract creation. */
typedef struct {
    seq_addr from;
    bool has_to;
    seq_addr to;
    uint8_t value[32]; /* wei, big-endian */
    const uint8_t *data;
    size_t data_len; /* <= L1_TX_DATA_BYTES_MAX */
} l1_rpc_tx_request;

/* eth_estimateGas. A revert is L1_RPC_ERR_REMOTE of kind REVERTED. */
SEQ_MUST_USE seq_err l1_rpc_estimate_gas(l1_rpc *c, uint64_t *out,
                                         const l1_rpc_tx_request *request);

/* eth_sendRawTransaction of raw[0..raw_len) (at most L1_TX_BYTES_MAX);
 * *out is the hash the node returns, checked to be keccak256(raw). Not
 * retried once the request may have reached the node (see above); kinds
 * ALREADY_KNOWN, NONCE_TOO_LOW and UNDERPRICED tell the tx manager what
 * happened. */
SEQ_MUST_USE seq_err l1_rpc_send_raw_tx(l1_rpc *c, seq_hash *out, const uint8_t *raw,
                                        size_t raw_len);

/* eth_getTransactionReceipt. SEQ_ERR_NOT_FOUND while the transaction is not
 * in a block (pending, dropped or unknown); SEQ_ERR_MALFORMED if the receipt
 * is for another hash. */
SEQ_MUST_USE seq_err l1_rpc_receipt(l1_rpc *c, l1_rpc_tx_receipt *out, const seq_hash *tx_hash);

/* Any method, for tests and tools: params_json is a JSON array (NULL means
 * []); *result_json receives the result as compact JSON text, which the
 * caller frees with free(). SEQ_ERR_INVALID_ARG (with l1_rpc_last_remote()
 * NULL) for an empty or overlong method or params that are not a JSON
 * array. Retried like l1_rpc_send_raw_tx: the method may not be idempotent. */
SEQ_MUST_USE seq_err l1_rpc_call(l1_rpc *c, char **result_json, const char *method,
                                 const char *params_json);

/* eth_call of request (from, to, value, data; no `to` runs init code) at
 * tag (L1_TAG_LATEST or L1_TAG_PENDING): the returned bytes go to
 * out[0..*out_len). SEQ_ERR_NO_SPACE if they do not fit out_cap;
 * SEQ_ERR_MALFORMED if the result is not a hex string. A revert is
 * L1_RPC_ERR_REMOTE of kind REVERTED: l1_rpc_revert_data gives its data. */
SEQ_MUST_USE seq_err l1_rpc_eth_call(l1_rpc *c, uint8_t *out, size_t out_cap, size_t *out_len,
                                     const l1_rpc_tx_request *request, l1_block_tag tag);

/* eth_getCode of account at tag into out[0..*out_len) (0 bytes: no
 * contract). SEQ_ERR_NO_SPACE if the code does not fit out_cap (at most
 * 24576 bytes on chains with EIP-170). */
SEQ_MUST_USE seq_err l1_rpc_code(l1_rpc *c, uint8_t *out, size_t out_cap, size_t *out_len,
                                 const seq_addr *account, l1_block_tag tag);

/* The revert data of c's last call, when it failed with L1_RPC_ERR_REMOTE
 * of kind REVERTED and the error object carries the data as a hex string
 * (geth, anvil, reth, Nethermind): for a custom error, its 4-byte selector
 * (l1_abi_selector) and ABI-encoded arguments. Written to out[0..*out_len).
 * SEQ_ERR_NOT_FOUND if the last call did not revert or carried no data,
 * SEQ_ERR_MALFORMED if the data is not hex, SEQ_ERR_TOO_LARGE if it was cut
 * to L1_RPC_ERROR_DATA_BYTES, SEQ_ERR_NO_SPACE if it does not fit out_cap. */
SEQ_MUST_USE seq_err l1_rpc_revert_data(const l1_rpc *c, uint8_t *out, size_t out_cap,
                                        size_t *out_len);

/* ------------------------------------------------------- transaction manager */

/* A careful sender for one L1 account (l1/README.md, "Transaction manager").
 * Every signed transaction is committed durably to the manager's own LMDB
 * environment before it is broadcast; nonces are tracked locally; a pending
 * transaction is re-signed with higher fees after a resubmission timeout; a
 * transaction counts as confirmed once confirm_depth blocks hold it. After a
 * restart the manager resumes from its store: it never signs two different
 * transactions for one nonce except the fee-bump chain of one logical
 * transaction, and never forgets one it has signed.
 *
 * A logical transaction is named by its nonce (the id). Time is passed in
 * (now_ms, any monotonic milliseconds) so tests can drive it. One manager
 * is used by one thread; its calls block on the JSON-RPC client. */

#define L1_TXMGR_PENDING_MAX  64u /* logical txs not yet confirmed or lost */
#define L1_TXMGR_ATTEMPTS_MAX 16u /* signed versions of one nonce (the bump chain) */

/* Defaults (l1_txmgr_options_default). */
#define L1_TXMGR_RESUBMIT_MS_DEFAULT     30000u
#define L1_TXMGR_CONFIRM_DEPTH_DEFAULT   3u
#define L1_TXMGR_TIP_WEI_MIN_DEFAULT     1000000u             /* 0.001 gwei */
#define L1_TXMGR_FEE_CAP_WEI_MAX_DEFAULT 1000000000000u       /* 1000 gwei */
#define L1_TXMGR_MAP_BYTES_DEFAULT       ((uint64_t)64 << 20) /* LMDB map */
#define L1_TXMGR_MAP_BYTES_MIN           ((uint64_t)4 << 20)
#define L1_TXMGR_MAP_BYTES_MAX           ((uint64_t)1 << 36)
#define L1_TXMGR_CONFIRM_DEPTH_MAX       1024u
#define L1_TXMGR_FINAL_KEEP_DEFAULT      1024u /* final records kept for l1_txmgr_status */
#define L1_TXMGR_FINAL_KEEP_MAX          (1u << 20)
#define L1_TXMGR_PRUNE_PER_POLL          64u /* final records one poll deletes, at most */

typedef struct {
    uint64_t resubmit_ms;     /* re-sign with +10% fees after this; >= 1 */
    uint64_t confirm_depth;   /* blocks holding a tx, itself included; [1, MAX] */
    uint64_t tip_wei_min;     /* floor under the node's suggested tip */
    uint64_t fee_cap_wei_max; /* never sign a fee cap above this; >= tip_wei_min */
    uint64_t map_bytes;       /* [L1_TXMGR_MAP_BYTES_MIN, L1_TXMGR_MAP_BYTES_MAX] */
    unsigned int env_flags;   /* extra LMDB flags: MDB_NORDAHEAD, MDB_NOMEMINIT only;
                               * MDB_NOSYNC, MDB_NOMETASYNC, MDB_MAPASYNC are refused */
    uint64_t final_keep;      /* [0, L1_TXMGR_FINAL_KEEP_MAX]: records of final txs below the
                               * lowest open nonce kept; older ones are deleted */
} l1_txmgr_options;

void l1_txmgr_options_default(l1_txmgr_options *out);

typedef enum {
    L1_TXMGR_PENDING = 1, /* signed and stored; broadcast (perhaps not accepted yet) */
    L1_TXMGR_INCLUDED,    /* one of its attempts is in a block, depth not reached */
    L1_TXMGR_CONFIRMED,   /* confirm_depth blocks hold it: final */
    L1_TXMGR_LOST,        /* its nonce was used by a tx that is none of ours: final */
} l1_txmgr_state;

/* "pending", "included", "confirmed", "lost"; never NULL. */
const char *l1_txmgr_state_name(l1_txmgr_state state);

typedef struct {
    uint64_t nonce; /* the id */
    l1_txmgr_state state;
    bool success;         /* INCLUDED, CONFIRMED: the receipt's status was 1 */
    seq_hash tx_hash;     /* INCLUDED, CONFIRMED: the mined attempt; else the latest */
    size_t attempt_count; /* 1..L1_TXMGR_ATTEMPTS_MAX */
    seq_hash attempt_hashes[L1_TXMGR_ATTEMPTS_MAX];
    uint64_t tip_wei;       /* of the latest attempt */
    uint64_t fee_cap_wei;   /* of the latest attempt */
    uint64_t first_sent_ms; /* when attempt 0 was stored */
    uint64_t last_sent_ms;  /* when the latest attempt was stored or re-sent */
    uint64_t block_number;  /* INCLUDED, CONFIRMED */
    seq_hash block_hash;
    seq_err last_err; /* the last broadcast's failure, SEQ_OK if none */
} l1_txmgr_tx_status;

/* Counters since open, for logs and tests. */
typedef struct {
    uint64_t broadcasts;    /* accepted by the node */
    uint64_t already_known; /* "already known": counted as accepted */
    uint64_t nonce_too_low; /* answers "nonce too low" */
    uint64_t bumps;         /* re-signed with higher fees */
    uint64_t resends;       /* the same bytes again (fee cap or bump limit reached) */
    uint64_t send_failures; /* any other broadcast failure */
    uint64_t reorged;       /* an included tx lost its block */
    uint64_t lost;
    uint64_t confirmed;
} l1_txmgr_stats;

typedef struct l1_txmgr l1_txmgr;

/* Opens (creating if needed) the manager's store in dir (created 0700 if
 * missing, locked against a second manager) for the account of key on
 * chain_id; rpc is borrowed and must outlive the manager. key (32 bytes) is
 * copied into sodium_malloc'd memory, wiped at close. No RPC call is made:
 * the first nonce is read (eth_getTransactionCount pending) at the first
 * send of a new store. The first poll after open re-broadcasts every
 * pending tx. Errors: SEQ_ERR_INVALID_ARG (options, a bad key, or a store
 * of another account or chain), SEQ_ERR_UNSUPPORTED (non-durable LMDB
 * flags), SEQ_ERR_UNAVAILABLE (another manager holds dir), SEQ_ERR_CORRUPT,
 * SEQ_ERR_BAD_VERSION, SEQ_ERR_IO, SEQ_ERR_NO_MEMORY. *out is NULL on
 * failure. */
SEQ_MUST_USE seq_err l1_txmgr_open(l1_txmgr **out, const char *dir, l1_rpc *rpc,
                                   const uint8_t key[32], uint64_t chain_id,
                                   const l1_txmgr_options *options);
/* Closes the store, wipes the key and frees m; NULL is a no-op. */
void l1_txmgr_close(l1_txmgr *m);

/* Signs a transaction with the next nonce (fee cap = tip + 2 x base fee of
 * the next block, tip = max(eth_maxPriorityFeePerGas, tip_wei_min), both at
 * most fee_cap_wei_max), commits it, then broadcasts it. to NULL means a
 * contract creation; value NULL means zero. *id receives the nonce. Returns
 * SEQ_OK once the tx is stored: a failed broadcast is then recorded in its
 * status and retried by l1_txmgr_poll. Errors before storing (nothing is
 * queued): SEQ_ERR_INVALID_ARG (gas_limit 0, data over
 * L1_TX_DATA_BYTES_MAX), SEQ_ERR_NO_SPACE (L1_TXMGR_PENDING_MAX open),
 * the RPC errors of reading the nonce or the fees, LMDB errors. */
SEQ_MUST_USE seq_err l1_txmgr_send(l1_txmgr *m, uint64_t *id, uint64_t now_ms, const seq_addr *to,
                                   const uint8_t value[32], const uint8_t *data, size_t data_len,
                                   uint64_t gas_limit);

/* One round over the open transactions: receipts, confirmations, reorged
 * inclusions, re-broadcasts after open and after a poll that found L1
 * unreachable (a restarted node may have lost its pool), fee bumps after
 * resubmit_ms, and pruning of old final records. Makes
 * two RPC calls plus a few per transaction that needs work, so it blocks
 * at most a bounded number of RPC timeouts. Stops at the first RPC or
 * LMDB failure and returns it; everything done so far is stored. */
SEQ_MUST_USE seq_err l1_txmgr_poll(l1_txmgr *m, uint64_t now_ms);

/* The stored status of transaction id. SEQ_ERR_NOT_FOUND for an id never
 * sent, or final and pruned (more than final_keep final records below the
 * lowest open nonce); LMDB errors. */
SEQ_MUST_USE seq_err l1_txmgr_status(const l1_txmgr *m, l1_txmgr_tx_status *out, uint64_t id);

/* Counters; the account; the next nonce to sign and whether it is known. */
void l1_txmgr_stats_get(const l1_txmgr *m, l1_txmgr_stats *out);
void l1_txmgr_address(const l1_txmgr *m, seq_addr *out);
bool l1_txmgr_next_nonce(const l1_txmgr *m, uint64_t *out);

/* ------------------------------------------------------------ log follower */

/* Follows the logs of a filter up to head - depth (or the `safe` block),
 * in bounded block ranges, remembering a ring of recent (number, hash)
 * pairs to detect reorgs (l1/README.md, "Log follower"). */

#define L1_FOLLOW_RING_MAX         128u       /* remembered (number, hash) pairs */
#define L1_FOLLOW_RANGE_BLOCKS_MAX 1000u      /* blocks per eth_getLogs, at most */
#define L1_FOLLOW_LOGS_MAX         512u       /* logs per eth_getLogs, at most */
#define L1_FOLLOW_DATA_BYTES_MAX   (4u << 20) /* log data per eth_getLogs */
#define L1_FOLLOW_RANGES_PER_POLL  16u        /* ranges one poll processes, at most */
#define L1_FOLLOW_DEPTH_SAFE       UINT64_MAX /* follow the `safe` block */
#define L1_FOLLOW_DEPTH_MAX        4096u

typedef enum {
    L1_FOLLOW_LOG = 1, /* ev->log: the next log, in chain order */
    L1_FOLLOW_REWIND,  /* a reorg: everything after block ev->number is void */
    L1_FOLLOW_CURSOR,  /* blocks up to ev->number / ev->hash are done: persist */
} l1_follow_event_kind;

typedef struct {
    l1_follow_event_kind kind;
    const l1_rpc_log *log; /* LOG; data valid during the callback only */
    uint64_t number;       /* REWIND, CURSOR */
    seq_hash hash;         /* REWIND (the common ancestor), CURSOR */
} l1_follow_event;

/* Returns SEQ_OK to go on; any other value stops the poll, which returns it
 * and leaves the cursor at the last CURSOR event delivered. */
typedef seq_err (*l1_follow_cb)(void *ctx, const l1_follow_event *ev);

typedef struct l1_follow l1_follow;

/* Creates a follower of filter (its addresses and topics; from_block and
 * to_block are ignored) starting at block start_block, delivering blocks up
 * to head - depth (depth <= L1_FOLLOW_DEPTH_MAX, or L1_FOLLOW_DEPTH_SAFE).
 * rpc is borrowed. SEQ_ERR_INVALID_ARG, SEQ_ERR_NO_MEMORY; *out NULL on
 * failure. */
SEQ_MUST_USE seq_err l1_follow_new(l1_follow **out, l1_rpc *rpc, const l1_rpc_log_filter *filter,
                                   uint64_t start_block, uint64_t depth);
void l1_follow_free(l1_follow *f);

/* Resumes after a persisted cursor: block number (hash) is done. The next
 * poll checks hash is still canonical (a reorg while stopped rewinds). */
void l1_follow_resume(l1_follow *f, uint64_t number, const seq_hash *hash);

/* The last block done; false before any. */
bool l1_follow_cursor(const l1_follow *f, uint64_t *number, seq_hash *hash);

/* Checks for a reorg (REWIND to the common ancestor, then re-delivery) and
 * delivers the logs of up to L1_FOLLOW_RANGES_PER_POLL ranges, each
 * followed by a CURSOR event. Errors: the RPC errors (the state is kept,
 * poll again later), SEQ_ERR_UNSUPPORTED for a reorg deeper than the ring,
 * SEQ_ERR_NO_SPACE when one block has more logs than the limits, or the
 * callback's error. */
SEQ_MUST_USE seq_err l1_follow_poll(l1_follow *f, l1_follow_cb cb, void *ctx);

/* ---------------------------------------------------------------- events */

/* The Inbox and Committee events seqd reads (l1/contracts), decoded from a
 * log strictly: the exact topic count and data length Solidity emits, each
 * word in range for its type, canonical padding (l1/README.md "Events"). */

typedef enum {
    L1_EVENT_UNKNOWN = 0, /* not an event seqd reads (e.g. Bonded) */
    L1_EVENT_BATCH_POSTED,
    L1_EVENT_FORCED_TX_QUEUED,
    L1_EVENT_FORCE_ADVANCED,
    L1_EVENT_COMMITTEE_CHANGED,
    L1_EVENT_EVIDENCE_ACCEPTED,
    L1_EVENT_VALIDATOR_SLASHED,
    L1_EVENT_KIND_COUNT_,
} l1_event_kind;

typedef struct {
    uint64_t index;
    seq_hash batch_hash, data_hash;
    uint64_t first_height, last_height, forced_cursor;
    seq_addr poster;
} l1_event_batch_posted;

typedef struct {
    uint64_t index;
    seq_addr sender;
    uint64_t l1_block, l1_timestamp; /* uint256 on L1; larger values are refused */
    seq_hash tx_hash, acc;
    const uint8_t *tx; /* inside the log's data */
    size_t tx_len;
} l1_event_forced_tx_queued;

typedef struct {
    uint64_t index;
    seq_hash batch_hash;
    uint64_t from_cursor, to_cursor;
    seq_addr caller;
} l1_event_force_advanced;

typedef struct {
    seq_addr validator;
    uint64_t weight, effective_epoch, total_weight;
} l1_event_committee_changed;

typedef struct {
    uint8_t kind;
    seq_addr validator, reporter;
    seq_hash digest_a, digest_b;
} l1_event_evidence_accepted;

typedef struct {
    seq_addr validator, reporter;
    uint8_t bond_wei[32], burned_wei[32], reward_wei[32]; /* big-endian */
    uint64_t exit_epoch;
} l1_event_validator_slashed;

typedef struct {
    l1_event_kind kind;
    union {
        l1_event_batch_posted batch_posted;
        l1_event_forced_tx_queued forced_tx_queued;
        l1_event_force_advanced force_advanced;
        l1_event_committee_changed committee_changed;
        l1_event_evidence_accepted evidence_accepted;
        l1_event_validator_slashed validator_slashed;
    };
} l1_event;

/* Decodes log by its first topic: SEQ_OK with kind L1_EVENT_UNKNOWN for an
 * event seqd does not read (or an anonymous log), SEQ_ERR_MALFORMED (*out
 * zeroed) for one of ours that is not exactly as its contract emits it. The
 * caller checks log->address (l1_event_from_inbox tells which contract a
 * kind comes from). Pointers in *out borrow log's data. */
SEQ_MUST_USE seq_err l1_event_decode(l1_event *out, const l1_rpc_log *log);

/* topic 0 of kind (keccak256 of its signature); kind is not UNKNOWN. */
void l1_event_topic(seq_hash *out, l1_event_kind kind);
/* "BatchPosted", ...; "unknown" for L1_EVENT_UNKNOWN. */
const char *l1_event_name(l1_event_kind kind);
/* true for the Inbox's events, false for the Committee's. */
bool l1_event_from_inbox(l1_event_kind kind);

/* --------------------------------------------------------------- batches */

/* The data of a batch as the Inbox stores it (l1/README.md "Batch data"):
 * a version byte, then one zstd frame of the payload, which lists the
 * blocks with their headers and txs. The encoder is deterministic for one
 * zstd version (fixed level and frame parameters), so the committee's
 * nodes produce the same bytes and sign one dataHash. */

#define L1_BATCH_VERSION 1u
/* What the Inbox accepts (MAX_BATCH_BYTES). */
#define L1_BATCH_DATA_BYTES_MAX (128u << 10)
/* Decompressed, at most: a decoder refuses more before allocating it. */
#define L1_BATCH_PAYLOAD_BYTES_MAX (16u << 20)
#define L1_BATCH_BLOCKS_MAX        65536u
/* The caps of one block (the wire format's, proto/wire.h). */
#define L1_BATCH_TX_BYTES_MAX       (128u << 10)
#define L1_BATCH_BLOCK_TXS_MAX      16384u
#define L1_BATCH_BLOCK_TX_BYTES_MAX (2u << 20)

/* Payload sizes: the block count, a block's header and tx count, a tx's
 * length prefix. */
#define L1_BATCH_COUNT_BYTES      4u
#define L1_BATCH_BLOCK_HEAD_BYTES (164u + 4u)
#define L1_BATCH_TX_PREFIX_BYTES  4u

typedef struct {
    seq_block_header header;
    size_t tx_count;
    const seq_bytes *txs;
} l1_batch_block;

typedef struct {
    size_t block_count;
    const l1_batch_block *blocks;
    const seq_hash *hashes; /* l1_block_hash of each block */
} l1_batch;

/* Bytes one block takes in the payload, and a whole payload of count
 * blocks: what batch boundaries are measured in (uncompressed, so that
 * every node draws them alike). */
size_t l1_batch_block_bytes(const l1_batch_block *b);
size_t l1_batch_payload_bytes(const l1_batch_block *blocks, size_t count);

/* Where a batch ends (genesis `batch`): at most max_blocks (>= 1) blocks,
 * at most max_bytes payload bytes, and closed by time at the first block
 * timestamped at least max_span_ms after the batch's first block and at or
 * after until_ms. The node sets until_ms to the L1 time of the previous
 * batch, so a backlog (blocks made while L1 was away) goes out in the
 * largest batches the other bounds allow instead of max_span_ms at a
 * time; 0 means no such bound. */
typedef struct {
    uint32_t max_blocks;
    uint32_t max_bytes;
    uint64_t max_span_ms;
    uint64_t until_ms;
} l1_batch_bounds;

/* Whether a block timestamped ts_ms closes a batch whose first block is
 * timestamped first_ms, by time (see l1_batch_bounds). */
bool l1_batch_time_closes(const l1_batch_bounds *bounds, uint64_t first_ms, uint64_t ts_ms);

/* Batch boundaries (deterministic: every node cuts the committed chain
 * alike, from what the blocks say). Given the payload sizes
 * (l1_batch_block_bytes) and header timestamps of the committed blocks
 * from the batch's first block on, block_bytes[0..count) and
 * timestamps_ms[0..count), returns how many go into the batch: the
 * longest run of at most max_blocks blocks whose payload stays within
 * max_bytes, ending at the first block that closes it by time
 * (l1_batch_time_closes), and always the first block (a block
 * larger than max_bytes is a batch of its own). *closed tells whether
 * that is final: a bound reached, or the next block is known and does not
 * fit; otherwise later blocks may still join and the batch waits. */
size_t l1_batch_cut(bool *closed, const size_t *block_bytes, const uint64_t *timestamps_ms,
                    size_t count, const l1_batch_bounds *bounds);

/* The payload of blocks[0..count) into out[0..out_cap). SEQ_ERR_INVALID_ARG
 * (no blocks, too many, a tx empty or over a cap), SEQ_ERR_TOO_LARGE
 * (over L1_BATCH_PAYLOAD_BYTES_MAX), SEQ_ERR_NO_SPACE. The encoder does not
 * check that the blocks chain; the decoder does. */
SEQ_MUST_USE seq_err l1_batch_payload_encode(uint8_t *out, size_t out_cap, size_t *out_len,
                                             const l1_batch_block *blocks, size_t count);
/* A payload built block by block, for a caller that reads blocks one at
 * a time: the count (l1_batch_count_put) followed by each block's part
 * (l1_batch_block_encode, l1_batch_block_bytes(block) bytes) is byte for
 * byte what l1_batch_payload_encode writes. SEQ_ERR_INVALID_ARG (a tx
 * empty or over a cap), SEQ_ERR_NO_SPACE. */
SEQ_MUST_USE seq_err l1_batch_block_encode(uint8_t *out, size_t out_cap, size_t *out_len,
                                           const l1_batch_block *block);
void l1_batch_count_put(uint8_t out[L1_BATCH_COUNT_BYTES], uint32_t count);

/* version || zstd(payload), deterministically. SEQ_ERR_NO_SPACE if it does
 * not fit out_cap (ZSTD_compressBound(len) + 1 always does),
 * SEQ_ERR_TOO_LARGE, SEQ_ERR_NO_MEMORY. */
SEQ_MUST_USE seq_err l1_batch_compress(uint8_t *out, size_t out_cap, size_t *out_len,
                                       const uint8_t *payload, size_t payload_len);

/* The payload of batch data: SEQ_ERR_BAD_VERSION (another first byte),
 * SEQ_ERR_MALFORMED (not exactly one zstd frame with a declared size, or
 * it does not decompress to that size), SEQ_ERR_TOO_LARGE (declares more
 * than L1_BATCH_PAYLOAD_BYTES_MAX), SEQ_ERR_NO_SPACE (out_cap smaller than
 * declared). */
SEQ_MUST_USE seq_err l1_batch_decompress(uint8_t *out, size_t out_cap, size_t *out_len,
                                         const uint8_t *data, size_t data_len);
/* Parses a payload strictly and checks it is one chain segment: 1 to
 * L1_BATCH_BLOCKS_MAX blocks of one L2 chain at consecutive heights >= 1,
 * each block's parent hash the previous block's hash, each tx root the
 * Merkle root of its txs, every cap kept, nothing left over. The tx
 * pointers borrow in; the block and hash arrays come from arena
 * (SEQ_ERR_NO_SPACE if it is too small). SEQ_ERR_MALFORMED otherwise;
 * *out zeroed on failure. */
SEQ_MUST_USE seq_err l1_batch_payload_decode(l1_batch *out, seq_arena *arena, const uint8_t *in,
                                             size_t len);
/* l1_batch_decompress into arena, then l1_batch_payload_decode. */
SEQ_MUST_USE seq_err l1_batch_decode(l1_batch *out, seq_arena *arena, const uint8_t *data,
                                     size_t data_len);

/* Inbox.postBatch(BatchHeader h, bytes data, bytes signatures) calldata:
 * the selector, the header as a static tuple (8 words: the attested
 * statement, then forcedAcc), the offsets of data and signatures, then
 * each as its length and zero-padded words. signatures are 65-byte
 * r || s || v, signers in ascending address order (Committee.verifyQuorum). */
#define L1_BATCH_POST_SIGNATURE \
    "postBatch((uint64,uint64,bytes32,bytes32,uint64,uint64,uint64,bytes32),bytes,bytes)"

typedef struct {
    seq_attestation_stmt stmt;
    seq_hash forced_acc; /* the Inbox's acc at stmt.forced_cursor (not signed) */
} l1_batch_header;

/* The calldata length for data_len bytes of data and sig_count
 * signatures. */
size_t l1_batch_post_calldata_bytes(size_t data_len, size_t sig_count);

/* Writes the calldata into out[0..out_cap). SEQ_ERR_NO_SPACE if it does
 * not fit (l1_batch_post_calldata_bytes tells the size). */
SEQ_MUST_USE seq_err l1_batch_post_calldata(uint8_t *out, size_t out_cap, size_t *out_len,
                                            const l1_batch_header *h, const uint8_t *data,
                                            size_t data_len, const seq_sig *sigs, size_t sig_count);

/* -------------------------------------------------------------- evidence */

/* Equivocation evidence as Committee.submitEvidence(uint8 kind, bytes a,
 * bytes sigA, bytes b, bytes sigB) takes it (l1/contracts/README.md
 * "Evidence statements"): two statements of one kind, each abi.encode'd
 * as its static struct (128 bytes for Proposal and Vote, 96 for Timeout,
 * 224 for BatchAttestation), and their 65-byte signatures. Kinds use the
 * wire numbering. */
typedef enum {
    L1_EVIDENCE_PROPOSAL = 1,
    L1_EVIDENCE_VOTE = 2,
    L1_EVIDENCE_TIMEOUT = 3,
    L1_EVIDENCE_ATTESTATION = 4,
} l1_evidence_kind;

#define L1_EVIDENCE_STMT_BYTES_MAX   224u
#define L1_EVIDENCE_SUBMIT_SIGNATURE "submitEvidence(uint8,bytes,bytes,bytes,bytes)"
/* selector, kind, 4 offsets, then per bytes its length word and padded
 * contents: at most 4 + 5*32 + 2*(32+224) + 2*(32+96). */
#define L1_EVIDENCE_CALLDATA_BYTES_MAX 932u

typedef union {
    l1_block_stmt block; /* PROPOSAL, VOTE */
    l1_timeout_stmt timeout;
    l1_attestation_stmt attestation;
} l1_statement;

typedef struct {
    l1_evidence_kind kind;
    l1_statement a, b;
    seq_sig sig_a, sig_b;
} l1_evidence;

/* The ABI size of one statement of kind; 0 for an unknown kind. */
size_t l1_evidence_stmt_bytes(l1_evidence_kind kind);

/* abi.encode of the statement into out[0..l1_evidence_stmt_bytes(kind)).
 * Returns that size; 0 (nothing written) for an unknown kind. */
size_t l1_evidence_stmt_encode(uint8_t out[L1_EVIDENCE_STMT_BYTES_MAX], l1_evidence_kind kind,
                               const l1_statement *s);

/* The inverse, as strict as the contract: exactly the kind's size, every
 * uint64 word canonical (high 24 bytes zero). SEQ_ERR_INVALID_ARG for an
 * unknown kind, SEQ_ERR_MALFORMED otherwise. */
SEQ_MUST_USE seq_err l1_evidence_stmt_decode(l1_statement *out, l1_evidence_kind kind,
                                             const uint8_t *in, size_t in_len);

/* The EIP-712 digest the signer signed (what Committee.statementDigest
 * computes). kind must be known. */
void l1_evidence_digest(seq_hash *out, const seq_hash *domain_separator, l1_evidence_kind kind,
                        const l1_statement *s);

/* The view a statement is about (its batch index for attestations). */
uint64_t l1_evidence_view(l1_evidence_kind kind, const l1_statement *s);

/* What submitEvidence checks before the signer's status, in the
 * contract's order: a known kind, both statements for l2_chain_id, the
 * same view (index), different contents, both signatures strict (sig_a
 * first; per signature as SeqdCrypto.recover: v in {27, 28}, r and s
 * nonzero, then s <= n/2, so any larger s, even s >= n, is HighS), one
 * signer. SEQ_OK with *signer set and *why NULL, or an error with
 * *signer zeroed and *why the name of the custom error the contract
 * would revert with ("UnknownKind", "WrongChainId", "ViewMismatch",
 * "IndexMismatch", "SameContent", "BadSignature", "HighS",
 * "SignerMismatch"). Statements held in l1_statement are always
 * canonical, so BadStatement cannot arise here. */
SEQ_MUST_USE seq_err l1_evidence_check(const l1_evidence *e, const seq_hash *domain_separator,
                                       uint64_t l2_chain_id, seq_addr *signer, const char **why);

/* submitEvidence calldata into out[0..*out_len). SEQ_ERR_INVALID_ARG for
 * an unknown kind, SEQ_ERR_NO_SPACE if out_cap is too small. */
SEQ_MUST_USE seq_err l1_evidence_calldata(uint8_t *out, size_t out_cap, size_t *out_len,
                                          const l1_evidence *e);

/* ------------------------------------------------------------ deployment */

/* Deploys Committee, then Inbox(committee), from one funded L1 account,
 * with the bytecode embedded at build time (l1/contracts/embed.cmake), and
 * checks an existing deployment against the parameters
 * (l1/README.md, "Deployment"). The deployer becomes the Committee's owner. */

#define L1_DEPLOY_MEMBERS_MAX         128u /* Committee.MAX_VALIDATORS */
#define L1_DEPLOY_WEIGHT_MAX          UINT32_MAX
#define L1_DEPLOY_FORCED_TX_BYTES_MAX (128u * 1024u) /* Inbox.MAX_FORCED_TX_CAP */
#define L1_DEPLOY_WHY_BYTES           256u

/* Devnet defaults (l1/contracts/README.md, "Suggested devnet parameters"). */
#define L1_DEPLOY_EPOCH_BLOCKS_DEFAULT       20u
#define L1_DEPLOY_EVIDENCE_WINDOW_DEFAULT    30u
#define L1_DEPLOY_UNBONDING_DELAY_DEFAULT    40u
#define L1_DEPLOY_MIN_BOND_WEI_DEFAULT       1000000000000000000u /* 1 ether */
#define L1_DEPLOY_INCLUSION_WINDOW_DEFAULT   32u
#define L1_DEPLOY_FORCE_GRACE_DEFAULT        8u
#define L1_DEPLOY_FORCE_FEE_WEI_DEFAULT      10000000000000000u /* 0.01 ether */
#define L1_DEPLOY_FORCED_TX_BYTES_DEFAULT    4096u
#define L1_DEPLOY_RECEIPT_TIMEOUT_MS_DEFAULT 120000u
#define L1_DEPLOY_POLL_MS_DEFAULT            200u

/* The constructor arguments. Wei amounts are 64-bit (at most ~18.4 ether). */
typedef struct {
    uint64_t l1_chain_id; /* the node must report this chain id */
    uint64_t l2_chain_id;
    size_t member_count;                     /* 1..L1_DEPLOY_MEMBERS_MAX */
    seq_addr members[L1_DEPLOY_MEMBERS_MAX]; /* epoch 0, genesis order, distinct, non-zero */
    uint64_t weights[L1_DEPLOY_MEMBERS_MAX]; /* 1..L1_DEPLOY_WEIGHT_MAX */
    uint64_t epoch_blocks;                   /* >= 1 */
    uint64_t evidence_window_blocks;         /* < unbonding_delay_blocks */
    uint64_t unbonding_delay_blocks;
    uint64_t min_bond_wei;
    uint64_t inclusion_window_blocks; /* >= 1 */
    uint64_t force_grace_blocks;
    uint64_t force_fee_wei;
    uint64_t forced_tx_bytes_max; /* 1..L1_DEPLOY_FORCED_TX_BYTES_MAX */
} l1_deploy_params;

/* Every field at its devnet default; no members, chain ids 0. */
void l1_deploy_params_default(l1_deploy_params *out);

/* SEQ_OK iff p satisfies the rules above (what the constructors require);
 * else SEQ_ERR_INVALID_ARG with the reason in why. */
SEQ_MUST_USE seq_err l1_deploy_params_check(char why[L1_DEPLOY_WHY_BYTES],
                                            const l1_deploy_params *p);

typedef struct {
    uint64_t receipt_timeout_ms; /* per transaction; >= 1 */
    uint32_t poll_ms;            /* between receipt lookups; >= 1 */
    bool has_expected;           /* refuse unless the deployment lands exactly here */
    seq_addr expect_committee;
    seq_addr expect_inbox;
} l1_deploy_options;

void l1_deploy_options_default(l1_deploy_options *out);

typedef struct {
    uint64_t chain_id;
    seq_addr deployer;
    seq_addr committee;
    seq_addr inbox;
    uint64_t block_number; /* the Committee's block: its genesisBlock, epoch 0 starts here */
    seq_hash block_hash;
    uint64_t inbox_block_number;
    seq_hash committee_tx;
    seq_hash inbox_tx;
    uint64_t gas_used; /* both transactions */
} l1_deployment;

/* The addresses the next two creations from deployer get, from its pending
 * nonce: Committee at nonce n, Inbox at n + 1. RPC errors. */
SEQ_MUST_USE seq_err l1_deploy_predict(seq_addr *committee, seq_addr *inbox, uint64_t *nonce,
                                       l1_rpc *c, const seq_addr *deployer);

/* Deploys both contracts from the account of key: checks the chain id,
 * estimates gas (a reverting constructor is refused before anything is
 * sent), signs EIP-1559 creations (fee cap = tip + 2 x base fee), sends
 * them one after the other and waits for each receipt. Blocks up to two
 * receipt timeouts. Errors, with one line in why:
 *   SEQ_ERR_INVALID_ARG  bad params or key; the chain id differs; with
 *                        has_expected, the deployer's nonce would put the
 *                        contracts elsewhere (nothing sent)
 *   SEQ_ERR_TIMEOUT      no receipt in time (the tx may still be mined)
 *   SEQ_ERR_INTERNAL     a creation was mined but failed, or at another
 *                        address
 *   the RPC errors (L1_RPC_ERR_REMOTE: e.g. insufficient funds, a revert).
 * A failure after the Committee was mined leaves it deployed (why says
 * where); a re-run deploys a new pair. *out zeroed on failure. Allocates
 * the transaction buffer. */
SEQ_MUST_USE seq_err l1_deploy(l1_deployment *out, char why[L1_DEPLOY_WHY_BYTES], l1_rpc *c,
                               const uint8_t key[32], const l1_deploy_params *p,
                               const l1_deploy_options *options);

/* Checks that committee and inbox hold a deployment of p on c's chain: both
 * have code, the chain id is p->l1_chain_id, every immutable of both
 * contracts equals p, the Inbox points at the Committee, and the
 * CommitteeChanged logs of epoch 0 in the Committee's genesis block list
 * exactly p's members and weights in order. *block_number receives that
 * block. Errors, with one line in why:
 *   SEQ_ERR_NOT_FOUND  no code at one of the addresses (not deployed here)
 *   SEQ_ERR_EXISTS     code, but not this deployment (another genesis,
 *                      other parameters, other contracts)
 *   SEQ_ERR_INVALID_ARG  another chain id, or bad params
 *   the RPC errors other than a revert (which means SEQ_ERR_EXISTS). */
SEQ_MUST_USE seq_err l1_deploy_check(uint64_t *block_number, char why[L1_DEPLOY_WHY_BYTES],
                                     l1_rpc *c, const l1_deploy_params *p,
                                     const seq_addr *committee, const seq_addr *inbox);

#endif /* SEQ_L1_H */
