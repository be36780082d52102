/* internal.h — shared between the files of node/ only; never included from
 * another folder. */
#ifndef SEQ_NODE_INTERNAL_H
#define SEQ_NODE_INTERNAL_H

#include <jansson.h>
#include <lmdb.h>
#include <nng/nng.h>
#include <nng/supplemental/util/platform.h>
#include <pthread.h>

#include "l1.h"
#include "node.h"

/* True in builds with -DSEQ_TEST_MODES=ON (the dev preset): the API's
 * seq_test* methods exist only there. A constant rather than #ifdefs in
 * the .c files: the code behind it compiles in every build and is dropped
 * from the others. */
#ifdef SEQ_TEST_MODES
#define NODE_TEST_MODES true
#else
#define NODE_TEST_MODES false
#endif

/* ----------------------------------------------------------------- store */

/* The named databases of the main environment, in the order they are
 * opened. l1 and l1_txs are opened (and stay empty) for the L1 tx manager
 * and log watcher. The tx index has an environment of its own. */
typedef enum {
    STORE_DBI_META,
    STORE_DBI_SAFETY,
    STORE_DBI_BLOCKS,
    STORE_DBI_QCS,
    STORE_DBI_HEIGHTS,
    STORE_DBI_EVIDENCE,
    STORE_DBI_L1,
    STORE_DBI_L1_TXS,
    STORE_DBI_COUNT_,
} store_dbi;

/* Room for later databases without a schema change of the environment. */
#define STORE_DBIS_MAX 16u
_Static_assert(STORE_DBI_COUNT_ <= STORE_DBIS_MAX, "every database fits the environment");

/* A committed tx not yet in the durable tx index; height 0: empty slot. */
typedef struct {
    seq_hash hash;
    uint64_t height;
    uint32_t index;
} store_pending_tx;

/* A committed block whose txs wait for the indexer. */
typedef struct {
    uint64_t height;
    seq_hash hash;
    size_t tx_count;
    seq_hash *tx_hashes; /* owned; NULL when tx_count is 0 */
} store_pending_block;

/* The tx index's environment (STORE_TX_INDEX_DIR): "txs" maps a tx hash to
 * its location, "meta" holds the watermark. */
typedef enum {
    STORE_INDEX_DBI_TXS,
    STORE_INDEX_DBI_META,
    STORE_INDEX_DBI_COUNT_,
} store_index_dbi;

_Static_assert(CONS_BLOCKS_MAX <= STORE_TX_PENDING_BLOCKS_MAX,
               "one update's commits fit the indexer's queue");

typedef enum {
    STORE_TIP_UNREAD, /* read it from the store */
    STORE_TIP_NONE,   /* nothing committed yet (SEQ_ERR_NOT_FOUND) */
    STORE_TIP_KNOWN,
} store_tip_state;

struct store {
    MDB_env *env;
    MDB_dbi dbis[STORE_DBI_COUNT_];
    int lock_fd; /* flock'd store.lock in the directory; -1 when not held */
    /* One encoded record (STORE_RECORD_BYTES_MAX), written only inside a
     * write transaction: LMDB's writer lock keeps its users (the loop's
     * store_apply, the L1 link's store_l1_apply and attestations) apart. */
    uint8_t *record;
    cons_safety safety_stored;      /* store_apply's copy of the stored safety state */
    node_tx_hashes_fn tx_hashes_fn; /* NULL: store_apply hashes the txs */
    void *tx_hashes_ctx;
    /* Blocks committed by the running store_apply, queued once it commits. */
    store_pending_block *staged; /* STORE_TX_PENDING_BLOCKS_MAX */
    size_t staged_count, staged_txs;
    /* The tx index: its environment, the indexer thread, and what waits. */
    MDB_env *index_env;
    MDB_dbi index_dbis[STORE_INDEX_DBI_COUNT_];
    bool index_manual;
    bool index_sync_ok;   /* index_mtx and index_cv exist */
    bool indexer_running; /* indexer is to be joined */
    pthread_t indexer;
    pthread_mutex_t index_mtx;
    pthread_cond_t index_cv; /* broadcast on new work, progress, stop */
    /* index_mtx: */
    store_pending_tx *pending; /* open addressing, SipHash'd, cap a power of 2 */
    size_t pending_cap, pending_count;
    uint8_t pending_key[16];
    store_pending_block *queue; /* STORE_TX_PENDING_BLOCKS_MAX, a ring in height order */
    size_t queue_head, queue_count, queue_txs;
    uint64_t indexed_height;
    seq_err index_err; /* the last write failed with this; SEQ_OK */
    bool index_stop;
    uint64_t index_batches, index_failures;
    /* The committed tip as store_get_tip returns it, kept once known (first
     * read, then set by every store_apply that commits) so that a caller
     * does not read and check the whole tip block each time. */
    pthread_mutex_t tip_mtx;
    bool tip_mtx_ok;
    store_tip_state tip_state; /* tip_mtx */
    store_tip tip;             /* tip_mtx; STORE_TIP_KNOWN */
    store_tip tip_next;        /* the block the running store_apply placed last */
    bool tip_placed;           /* tip_next is set */
};

/* A block record checked and parsed in place: header and hash copied out,
 * the txs left in the input, which must outlive the view. */
typedef struct {
    seq_hash hash;
    seq_block_header header;
    size_t tx_count;
    size_t tx_bytes;    /* sum of the tx lengths */
    const uint8_t *txs; /* tx_count times (u32 length || bytes), inside the input */
    size_t txs_len;
} store_block_view;

/* Checks a block record completely (as store_block_decode) and fills *out
 * without copying the txs. SEQ_ERR_CORRUPT as the decoder; *out zeroed on
 * failure. */
SEQ_MUST_USE seq_err store_block_view_parse(store_block_view *out, const uint8_t *in,
                                            size_t in_len);

/* Walks the txs of a parsed view in order. */
typedef struct {
    const uint8_t *next;
    size_t left;
    size_t remaining; /* txs not yet returned */
} store_tx_cursor;

void store_tx_cursor_init(store_tx_cursor *c, const store_block_view *view);
/* Returns the next tx (borrowing the view's input); asserts there is one. */
seq_bytes store_tx_cursor_next(store_tx_cursor *c);

/* Big-endian fixed-width integers, as in keys and records. */
void store_u64_be(uint8_t out[8], uint64_t v);
uint64_t store_u64_from_be(const uint8_t in[8]);

/* ------------------------------------------------- config, keys, genesis */

/* Shared by keys.c, genesis.c and config.c (defined in config.c). */

/* Formats *why (if not NULL) and returns err, so that a caller can write
 * `return node_diag_set(why, SEQ_ERR_X, "...")`. */
SEQ_MUST_USE seq_err node_diag_set(node_diag *why, seq_err err, const char *format, ...)
    __attribute__((format(printf, 3, 4)));
/* Empties *why (if not NULL). */
void node_diag_clear(node_diag *why);

/* Where a strict JSON reader reports its errors: "FILE: WHERE.NAME: ...". */
typedef struct {
    node_diag *why;
    const char *file;
    /* The text may hold a secret: syntax errors give line and column only,
     * never the text jansson quotes near them. */
    bool secret_text;
} node_config_json;

/* Parses text[0..text_len) (JSON, duplicate members refused) into a root
 * object *out (json_decref it). SEQ_ERR_MALFORMED with line and column. */
SEQ_MUST_USE seq_err node_config_json_parse(json_t **out, const node_config_json *j,
                                            const char *text, size_t text_len);
/* SEQ_ERR_MALFORMED naming the first member of obj not in names[0..count). */
SEQ_MUST_USE seq_err node_config_json_members(const node_config_json *j, const json_t *obj,
                                              const char *where, const char *const *names,
                                              size_t count);
/* Member name of obj (where: "" or "consensus", "committee[2]", ...):
 * missing or ill-typed -> SEQ_ERR_MALFORMED, out of [min, max] ->
 * SEQ_ERR_INVALID_ARG. Strings and booleans may be optional: a missing
 * (or, for strings, null) member leaves a boolean as it is and sets a
 * string to NULL. Strings are borrowed from obj. */
SEQ_MUST_USE seq_err node_config_json_u64(const node_config_json *j, uint64_t *out,
                                          const json_t *obj, const char *where, const char *name,
                                          uint64_t min, uint64_t max);
SEQ_MUST_USE seq_err node_config_json_u32(const node_config_json *j, uint32_t *out,
                                          const json_t *obj, const char *where, const char *name,
                                          uint32_t min, uint32_t max);
SEQ_MUST_USE seq_err node_config_json_string(const node_config_json *j, const char **out,
                                             const json_t *obj, const char *where, const char *name,
                                             bool optional);
SEQ_MUST_USE seq_err node_config_json_bool(const node_config_json *j, bool *out, const json_t *obj,
                                           const char *where, const char *name, bool optional);
/* An address: "0x" + 40 hex digits; mixed case must be the EIP-55
 * checksum. With nullable, JSON null sets *present false. */
SEQ_MUST_USE seq_err node_config_json_addr(const node_config_json *j, seq_addr *out, bool *present,
                                           const json_t *obj, const char *where, const char *name,
                                           bool nullable);
/* "0x" + exactly 2 * out_len hex digits into out. */
SEQ_MUST_USE seq_err node_config_json_hex(const node_config_json *j, uint8_t *out, size_t out_len,
                                          const json_t *obj, const char *where, const char *name);

/* Parses an address string as node_config_json_addr does: SEQ_ERR_MALFORMED
 * if it is not one, SEQ_ERR_BAD_SIGNATURE if its mixed case is not the
 * EIP-55 checksum. *out zeroed on failure. */
SEQ_MUST_USE seq_err node_config_addr_parse(seq_addr *out, const char *text);

/* l1_hex_encode into a buffer the caller sized right (asserted). */
void node_config_hex(char *out, size_t out_len, const uint8_t *in, size_t in_len);

/* "HOST:PORT" as in node_genesis_endpoint_valid, without the scheme. */
bool node_genesis_host_port_valid(const char *host_port);

/* Reads the whole regular file at path (at most bytes_max bytes) into a
 * malloc'd, NUL-terminated *out (free it). what names the file's role in
 * messages ("genesis file"). SEQ_ERR_NOT_FOUND, SEQ_ERR_TOO_LARGE,
 * SEQ_ERR_IO; *out NULL on failure. */
SEQ_MUST_USE seq_err node_config_file_read(char **out, size_t *out_len, node_diag *why,
                                           const char *path, const char *what, size_t bytes_max);

/* ------------------------------------------------------------------- net */

/* net.c owns the net, its peers, queues, inbox and timer thread;
 * net_conn.c one connection's I/O and handshake; net_handshake.c the pure
 * cryptography and encodings (no I/O, no locks: fuzzable); net_fault.c the
 * fault layer. Every field marked "mtx" is read and written under
 * net.mtx only. */

#define NET_KX_KEY_BYTES       32u /* X25519 (crypto_kx) public and secret keys */
#define NET_SESSION_KEY_BYTES  32u /* one direction's XChaCha20-Poly1305 key */
#define NET_TRANSCRIPT_BYTES   32u /* BLAKE2b-256 of the handshake */
#define NET_SIGNATURE_BYTES    64u /* Ed25519 */
#define NET_AUTH_MESSAGE_BYTES (22u + 1u + NET_TRANSCRIPT_BYTES + SEQ_ADDR_BYTES)
#define NET_PEER_NONE          UINT32_MAX /* an accepted connection before its Auth */
#define NET_LOG_INTERVAL_MS    1000u      /* at most one close line per reason and interval */
#define NET_ACCEPT_RETRY_MS    100u       /* after an accept error (out of descriptors) */

/* The secrets of one connection, in sodium_malloc'd memory: the ephemeral
 * key pair (the secret is wiped once the session keys exist) and the two
 * session keys. */
typedef struct {
    uint8_t kx_public[NET_KX_KEY_BYTES];
    uint8_t kx_secret[NET_KX_KEY_BYTES];
    uint8_t key_rx[NET_SESSION_KEY_BYTES];
    uint8_t key_tx[NET_SESSION_KEY_BYTES];
} net_session;

/* One message as net_send copied it; shared by every queue holding it. */
typedef struct {
    uint32_t refs; /* mtx */
    uint32_t len;  /* 1..NET_MSG_BYTES_MAX */
    uint8_t bytes[];
} net_msg;

/* A bounded ring of queued messages, each with the time it may leave. */
typedef struct {
    net_msg **msgs;
    uint64_t *due_ms;
    uint32_t cap, head, count;
    uint64_t bytes;
} net_queue;

/* One received message waiting in the inbox (or parked on a paused
 * connection): the plaintext is buf[0..len), buf is malloc'd. */
typedef struct {
    uint32_t from;
    uint32_t len;
    uint8_t *buf;
} net_item;

typedef enum { NET_CONN_HELLO, NET_CONN_AUTH, NET_CONN_OPEN } net_conn_state;

typedef struct net_conn net_conn;

typedef struct {
    net *n;
    uint32_t index;
    /* Fixed after net_new. */
    seq_addr address;
    uint8_t public_key[NET_PUBLIC_KEY_BYTES];
    char url[NET_URL_BYTES_MAX];
    nng_stream_dialer *dialer; /* NULL for self */
    nng_aio *dial_aio;
    /* mtx */
    net_queue queue;
    net_conn *active;       /* the authenticated connection, or NULL */
    bool dialing;           /* a dial or a dialled handshake is under way */
    uint32_t dial_attempts; /* failures since the last authentication */
    uint64_t dial_at_ms;    /* next dial, if not connected */
    net_fault fault;
    net_peer_counters counters;
} net_peer;

struct net_conn {
    net *n;
    net_conn *next;        /* mtx: in n->conns, or n->dead once closing */
    net_conn *paused_next; /* mtx: in n->paused */
    nng_stream *stream;
    nng_aio *send_aio, *recv_aio, *kick_aio;
    net_session *session;
    bool dialed; /* we dialled (crypto_kx client); else accepted */
    /* mtx */
    net_conn_state state;
    uint32_t peer; /* committee index; NET_PEER_NONE until an Auth names one */
    bool closing, sending, kick_pending, auth_queued, paused;
    uint64_t deadline_ms; /* the handshake must finish by then */
    uint64_t in_ms;       /* last complete frame received */
    uint64_t out_ms;      /* last frame sent */
    net_item parked;      /* while paused: the frame waiting for the inbox */
    /* The receive chain: one receive in flight, so no lock needed. */
    uint8_t rx_header[NET_FRAME_HEADER_BYTES];
    uint8_t *rx_buf; /* where the current part goes */
    size_t rx_want, rx_have;
    bool rx_body;
    uint8_t *rx_heap; /* a data body being read (malloc'd), else NULL */
    uint8_t hs_rx[NET_HANDSHAKE_BYTES_MAX];
    uint64_t nonce_rx;
    uint8_t transcript[NET_TRANSCRIPT_BYTES];
    /* The send chain: owned by whoever set `sending`. */
    const uint8_t *tx_buf;
    size_t tx_len, tx_done;
    uint8_t *tx_heap;       /* a sealed data frame (malloc'd), else NULL */
    bool tx_message;        /* the frame carries a message, not a keepalive */
    uint64_t tx_started_ms; /* mtx: when the frame being written started */
    uint64_t nonce_tx;
    uint8_t hello_tx[NET_FRAME_HEADER_BYTES + NET_HANDSHAKE_BYTES_MAX];
    size_t hello_len; /* of the envelope, without the header */
    uint8_t auth_tx[NET_FRAME_HEADER_BYTES + NET_HANDSHAKE_BYTES_MAX];
    size_t auth_tx_len;
};

struct net {
    /* Fixed after net_new. */
    uint32_t self;
    uint32_t peer_count;
    seq_hash genesis_hash;
    net_limits limits; /* defaults filled in */
    char listen_url[NET_URL_BYTES_MAX];
    bool faults_enabled;
    uint8_t *secret_key; /* sodium_malloc'd, PROT_NONE except while signing (mtx) */
    uint8_t public_key[NET_PUBLIC_KEY_BYTES];
    net_peer *peers; /* peer_count entries; peers[self] is unused */
    nng_mtx *mtx;
    nng_cv *inbox_cv, *timer_cv;
    nng_stream_listener *listener;
    nng_aio *accept_aio;
    nng_thread *timer;
    /* mtx */
    bool started, stopping, accept_armed;
    bool woken; /* net_wake: the next net_recv returns at once */
    uint64_t accept_at_ms;
    net_conn *conns;  /* live connections */
    net_conn *dead;   /* closed, for the timer thread to reap */
    uint32_t pending; /* accepted connections in the handshake */
    net_item *inbox;  /* ring of limits.inbox_depth */
    uint32_t inbox_head, inbox_count;
    uint64_t inbox_bytes;
    net_conn *paused_head, *paused_tail; /* waiting for inbox room, FIFO */
    uint64_t rng;                        /* jitter and faults */
    net_counters counters;
    uint64_t log_at_ms[NET_CLOSE_REASON_COUNT_];
    uint64_t log_suppressed[NET_CLOSE_REASON_COUNT_];
};

/* ---- net.c, used by net_conn.c */

/* Signs msg with the transport key (toggling its protection); mtx held. */
void net_sign_locked(net *n, uint8_t sig[NET_SIGNATURE_BYTES], const uint8_t *msg, size_t msg_len);
/* Index of the validator with address, or NET_PEER_NONE. */
uint32_t net_peer_find(const net *n, const seq_addr *address);
/* Appends a received message to the inbox if it has room and nobody is
 * waiting before it; returns false (item untouched) otherwise. mtx held. */
bool net_inbox_offer_locked(net *n, net_item *item);
/* The FIFO of connections paused for inbox room. mtx held. */
void net_paused_add_locked(net *n, net_conn *c);
void net_paused_remove_locked(net *n, net_conn *c);
/* Releases one reference; frees at zero. mtx held. */
void net_msg_unref_locked(net_msg *m);
/* Pops the first message of q if it is due; NULL otherwise. */
net_msg *net_queue_pop_due(net_queue *q, uint64_t now_ms);
/* Counts and logs (rate-limited) a close. mtx held. */
void net_close_note_locked(net *n, const net_conn *c, net_close_reason reason, uint64_t now_ms);
/* Schedules the next dial of p after a failure or a loss. mtx held. */
void net_redial_later_locked(net *n, net_peer *p, uint64_t now_ms);

/* splitmix64; the state advances. */
uint64_t net_rng_next(uint64_t *state);
/* A redial delay after `attempts` failures: min(base * 2^attempts, max),
 * then a uniform draw from its upper half; always in [1, max]. */
uint32_t net_backoff_ms(const net_limits *limits, uint32_t attempts, uint64_t *rng);

/* ---- net_conn.c */

/* Takes stream (freed on failure) and starts the handshake; mtx held.
 * peer is the dialled index, or NET_PEER_NONE for an accepted stream. */
SEQ_MUST_USE seq_err net_conn_start_locked(net *n, nng_stream *stream, bool dialed, uint32_t peer,
                                           uint64_t now_ms);
/* Closes c (idempotent): unlinks it, moves it to n->dead for reaping. */
void net_conn_close_locked(net_conn *c, net_close_reason reason);
/* Schedules a pump of c's send queue on an nng thread; mtx held. */
void net_conn_kick_locked(net_conn *c);
/* Lets a paused connection read again after its parked item was taken;
 * mtx held. */
void net_conn_resume_locked(net_conn *c, uint64_t now_ms);
/* Stops c's I/O and frees it; c must be on no list and mtx not held. */
void net_conn_reap(net_conn *c);

/* ---- the receive path's checks, exposed for fuzz/fuzz_handshake.c (with
 * fuzz/fuzz_jsonrpc.c, the files outside node/ that include this header).
 * None takes a lock or does I/O; each reads only c's receive-chain fields (state, hs_rx,
 * rx_want, rx_header, nonce_rx, session, transcript, hello_tx) and the
 * net's fixed fields, so a harness can drive them on a calloc'd net_conn. */

/* What a check returns when it passes. */
#define NET_CLOSE_NONE NET_CLOSE_REASON_COUNT_

/* True iff a frame body of body_len bytes is allowed in state: a Hello
 * 1..NET_HANDSHAKE_BYTES_MAX, a sealed Auth NET_AEAD_TAG_BYTES..
 * NET_HANDSHAKE_BYTES_MAX, a data frame NET_AEAD_TAG_BYTES..
 * NET_FRAME_BYTES_MAX (net_handshake.c). */
bool net_frame_len_valid(net_conn_state state, uint32_t body_len);
/* A fresh ephemeral key pair and our Hello frame (hello_tx, hello_len);
 * state becomes NET_CONN_HELLO. c->n and c->session must be set. */
void net_conn_hello_prepare(net_conn *c);
/* The peer's Hello is hs_rx[0..rx_want): NET_CLOSE_NONE (session keys and
 * transcript derived), NET_CLOSE_MALFORMED or NET_CLOSE_GENESIS_MISMATCH. */
net_close_reason net_conn_hello_check(net_conn *c);
/* The peer's sealed Auth is hs_rx[0..rx_want) under rx_header: opens it in
 * place and checks it (node/README.md, "Handshake", step 5). *peer is the
 * committee member it names when a failure may be counted against it. */
net_close_reason net_conn_auth_check(net_conn *c, uint32_t *peer);
/* Opens a data frame body[0..body_len) under rx_header in place with the
 * next receive counter (spent either way): NET_CLOSE_NONE or
 * NET_CLOSE_DECRYPT_FAILED. */
net_close_reason net_conn_frame_open(net_conn *c, uint8_t *body, size_t body_len);

/* ---- net_handshake.c: pure; libsodium must be initialised. */

/* A fresh ephemeral X25519 key pair into s. */
void net_session_init(net_session *s);
/* The Hello envelope {genesis_hash, kx_public}. */
SEQ_MUST_USE seq_err net_hello_encode(uint8_t *out, size_t out_cap, size_t *out_len,
                                      const seq_hash *genesis_hash,
                                      const uint8_t kx_public[NET_KX_KEY_BYTES]);
/* Decodes an envelope that must hold a Hello; SEQ_ERR_MALFORMED for any
 * other type, the wire_decode errors otherwise. *out zeroed on failure. */
SEQ_MUST_USE seq_err net_hello_decode(wire_hello *out, const uint8_t *in, size_t in_len);
SEQ_MUST_USE seq_err net_auth_encode(uint8_t *out, size_t out_cap, size_t *out_len,
                                     const wire_auth *auth);
SEQ_MUST_USE seq_err net_auth_decode(wire_auth *out, const uint8_t *in, size_t in_len);
/* Derives s's session keys from its ephemeral secret and the peer's public
 * key (the dialer is the crypto_kx client), wipes the ephemeral secret,
 * and hashes the transcript: both Hello envelopes, dialer's first, and a
 * hash of both session keys. SEQ_ERR_BAD_KEY if the peer's key is unusable
 * (the shared secret would be zero) or equals ours. */
SEQ_MUST_USE seq_err net_session_derive(net_session *s, uint8_t transcript[NET_TRANSCRIPT_BYTES],
                                        bool dialer, const uint8_t *hello_ours,
                                        size_t hello_ours_len, const uint8_t *hello_theirs,
                                        size_t hello_theirs_len,
                                        const uint8_t kx_public_theirs[NET_KX_KEY_BYTES]);
/* The message an Auth signs: a domain tag, the signer's role, the
 * transcript and the signer's validator address. */
void net_auth_message(uint8_t out[NET_AUTH_MESSAGE_BYTES], bool by_dialer,
                      const uint8_t transcript[NET_TRANSCRIPT_BYTES], const seq_addr *validator);
/* True iff sig is pk's Ed25519 signature of msg. */
bool net_signature_valid(const uint8_t pk[NET_PUBLIC_KEY_BYTES],
                         const uint8_t sig[NET_SIGNATURE_BYTES], const uint8_t *msg,
                         size_t msg_len);
/* Writes header || XChaCha20-Poly1305(plain) into frame, which has room for
 * NET_FRAME_HEADER_BYTES + plain_len + NET_AEAD_TAG_BYTES; the header is
 * the associated data, nonce the frame's counter. */
void net_frame_seal(uint8_t *frame, const uint8_t *plain, size_t plain_len,
                    const uint8_t key[NET_SESSION_KEY_BYTES], uint64_t nonce);
/* Opens body[0..body_len) in place (plaintext body[0..body_len - tag)).
 * SEQ_ERR_BAD_SIGNATURE if it does not authenticate under key, nonce and
 * header; SEQ_ERR_TRUNCATED if shorter than a tag. */
SEQ_MUST_USE seq_err net_frame_open(uint8_t *body, size_t body_len,
                                    const uint8_t header[NET_FRAME_HEADER_BYTES],
                                    const uint8_t key[NET_SESSION_KEY_BYTES], uint64_t nonce);
void net_frame_header(uint8_t out[NET_FRAME_HEADER_BYTES], uint32_t body_len);
uint32_t net_frame_body_len(const uint8_t header[NET_FRAME_HEADER_BYTES]);

/* ---- net_fault.c */

/* What the fault layer does with one message: send it copies times (0, 1
 * or 2), not before due_ms. */
typedef struct {
    uint32_t copies;
    uint64_t due_ms;
} net_fault_plan;

bool net_fault_valid(const net_fault *f);
void net_fault_apply(net_fault_plan *out, const net_fault *f, uint64_t *rng, uint64_t now_ms);

/* --------------------------------------------------------- runtime, API */

/* The JSON-RPC/HTTP API of a running node (api.c). It reads the status
 * snapshot through node_runtime_status, blocks and txs through the store's
 * read functions, and submits txs to the txpool; it never touches the
 * core. */
typedef struct node_api node_api;

/* Starts nng's HTTP server on url ("http://HOST:PORT"): GET /health and
 * POST / (JSON-RPC 2.0, single requests and batches). rt, s, pool and n
 * must outlive the api (genesis is copied); n is the transport whose fault
 * layer seq_testSetFault switches (NULL: none). SEQ_ERR_UNAVAILABLE
 * (address in use), SEQ_ERR_INVALID_ARG (a URL nng refuses),
 * SEQ_ERR_NO_MEMORY, SEQ_ERR_INTERNAL, with *why. On failure *out is
 * NULL. */
SEQ_MUST_USE seq_err node_api_start(node_api **out, node_diag *why, const char *url,
                                    node_runtime *rt, const store *s, node_txpool *pool, net *n,
                                    const seq_block_header *genesis);

/* Stops the server (waiting for running callbacks) and frees it; NULL is
 * fine. */
void node_api_free(node_api *api);

/* The JSON-RPC handling of api.c without HTTP: what POST / runs on each
 * body, callable on its own (fuzz/fuzz_jsonrpc.c drives it). */
typedef void (*node_rpc_status_fn)(void *ctx, node_status *out);

/* A batch's replies stop growing past this many bytes of JSON text: the
 * requests after that point are answered with error -32005 without being
 * run (1024 block reads with tx hashes would otherwise build a reply of
 * about a gigabyte from a 90 KiB body). One reply is at most a block's tx
 * hashes, about 1.1 MB for WIRE_BLOCK_TXS_MAX. */
#define NODE_API_REPLY_BYTES_MAX (16u << 20)

/* seq_getEvidence returns at most this many records (the first in store
 * order, "truncated": true when more match); one record is under 1 KiB of
 * JSON. The store keeps one record per (kind, validator, view), so a
 * validator equivocating in many views can fill it. */
#define NODE_API_EVIDENCE_MAX 256u
_Static_assert(NODE_API_EVIDENCE_MAX * 1024u < NODE_API_REPLY_BYTES_MAX,
               "one evidence reply fits a batch's reply budget");

typedef struct {
    node_rpc_status_fn status; /* seq_status's snapshot: node_runtime_status in seqd */
    void *status_ctx;
    const store *store;       /* blocks, QCs and the tx index, read only */
    node_txpool *pool;        /* where eth_sendRawTransaction and seq_sendPayload submit */
    seq_block_header genesis; /* what seq_getBlockByHeight answers for height 0 */
    size_t reply_bytes_max;   /* 0: NODE_API_REPLY_BYTES_MAX (tests lower it) */
    /* The transport whose fault layer seq_testSetFault and seq_testGetFault
     * switch and list (test builds only: NODE_TEST_MODES); NULL, or a net
     * without faults_enabled, makes them answer NODE_API_UNAVAILABLE. */
    net *net;
} node_rpc;

/* JSON-RPC error of a method this node has but does not offer in its
 * configuration (EIP-1474's "method not supported"); the seq_test* methods
 * of a node whose config does not enable the test mode they need. */
#define NODE_API_UNAVAILABLE (-32004)

/* Answers the JSON-RPC 2.0 body[0..body_len) (one request or a batch;
 * bodies over NODE_API_BODY_BYTES_MAX are a parse error). On SEQ_OK *reply
 * is the compact JSON text to send (malloc'd and NUL-terminated, free it;
 * *reply_len its length), or NULL when nothing is to be answered (only
 * notifications: HTTP 204). SEQ_ERR_NO_MEMORY with *reply NULL. Thread-
 * safe as far as the status source is; store and txpool are. */
SEQ_MUST_USE seq_err node_rpc_handle(const node_rpc *rpc, char **reply, size_t *reply_len,
                                     const char *body, size_t body_len);

/* seqctl status (ctl_status.c): arguments, output and exit codes as
 * node_seqctl_main. */
int node_seqctl_status(int argc, char **argv, FILE *out, FILE *err);
void node_seqctl_status_usage(FILE *f);

/* How long seqctl waits for a node's answer (connect included). */
#define NODE_CTL_TIMEOUT_MS 2000u

/* seqctl's client of a node's API at url (ctl_status.c): one attempt of
 * at most NODE_CTL_TIMEOUT_MS per call, never retried. Errors: those of
 * l1_rpc_new (a bad URL: SEQ_ERR_INVALID_ARG); *out is then NULL. */
SEQ_MUST_USE seq_err node_ctl_client(l1_rpc **out, const char *url);

/* seqctl's JSON-RPC call to a node's API (ctl_status.c; used by status and
 * by ctl_query.c): method with params_json (a JSON array; NULL is []) on
 * url, one attempt of at most NODE_CTL_TIMEOUT_MS, never retried. On
 * SEQ_OK *out is the result, any JSON value (json_decref it). On failure
 * *out is NULL and why[0..why_len) holds one line: a bad URL, no answer
 * from the endpoint (and why), or the node's error with its code, message
 * and data. Errors: SEQ_ERR_INVALID_ARG (a bad URL, or the node's error:
 * L1_RPC_ERR_REMOTE), SEQ_ERR_UNAVAILABLE, SEQ_ERR_TIMEOUT,
 * SEQ_ERR_MALFORMED, SEQ_ERR_NO_MEMORY. */
SEQ_MUST_USE seq_err node_ctl_call(json_t **out, char *why, size_t why_len, const char *url,
                                   const char *method, const char *params_json);

/* ------------------------------------------------------------- evidence */

/* Equivocation evidence (evidence.c, node/README.md "Evidence"): every
 * piece, whether the core, the batcher or a peer found it, is verified
 * again as L1 will (l1_evidence_check under the genesis domain, and a
 * committee member's), stored (store: one per kind, signer and view, at
 * most STORE_EVIDENCE_PER_SIGNER_MAX per kind and signer), and, when new
 * to this node, broadcast to every peer once. Thread-safe: the loop and
 * the L1 link's thread both call in. */

/* Keys of evidence recently taken, so a piece the core reports again
 * (after a restart) or that several peers relay is counted and gossiped
 * once. */
#define NODE_EVIDENCE_RECENT_MAX    256u
#define NODE_EVIDENCE_MSG_BYTES     2048u /* one encoded evidence message */
#define NODE_EVIDENCE_SCRATCH_BYTES 4096u /* the encoder's arena for it */

typedef struct node_evidence node_evidence;

typedef enum {
    NODE_EVIDENCE_FROM_CORE,    /* the core's update (store_apply stored it) */
    NODE_EVIDENCE_FROM_BATCHER, /* two attestations of one index */
    NODE_EVIDENCE_FROM_PEER,    /* an evidence message */
} node_evidence_source;

typedef enum {
    NODE_EVIDENCE_NEW,     /* verified, stored now, counted and broadcast */
    NODE_EVIDENCE_KNOWN,   /* stored or taken before: nothing done */
    NODE_EVIDENCE_CAPPED,  /* valid, but its signer's cap is reached: not stored */
    NODE_EVIDENCE_INVALID, /* fails verification: dropped */
    NODE_EVIDENCE_FAILED,  /* the store failed: dropped (logged) */
} node_evidence_result;

typedef struct {
    const node_genesis *genesis; /* copied */
    store *store;                /* must outlive it */
    net *net;                    /* must outlive it; NULL: no gossip */
    size_t self_index;           /* this node in the genesis committee */
} node_evidence_config;

SEQ_MUST_USE seq_err node_evidence_new(node_evidence **out, const node_evidence_config *config);
void node_evidence_free(node_evidence *ev);

/* The signer and the view (batch index for attestations) e is about; e's
 * kind must be known. */
const seq_addr *node_evidence_signer(const wire_evidence *e);
uint64_t node_evidence_view(const wire_evidence *e);
/* "proposal", "vote", "timeout", "attestation"; "unknown" otherwise. */
const char *node_evidence_kind_name(wire_evidence_kind kind);
/* e in the form Committee.submitEvidence takes. */
void node_evidence_to_l1(l1_evidence *out, const wire_evidence *e);

/* SEQ_OK iff e is what L1 convicts: l1_evidence_check under this
 * genesis's domain and chain id, by committee member *index. Else an
 * error with *why the contract's error name or "NotMember". */
SEQ_MUST_USE seq_err node_evidence_verify(const node_evidence *ev, size_t *index, const char **why,
                                          const wire_evidence *e);

/* Takes e (see the result codes); from: the sending peer for
 * NODE_EVIDENCE_FROM_PEER (not sent back to it). A new piece is logged
 * (`event=evidence`), counted for its signer and broadcast. */
node_evidence_result node_evidence_add(node_evidence *ev, const wire_evidence *e,
                                       node_evidence_source source, uint32_t from);

/* What the L1 link learns: own submissions, EvidenceAccepted and
 * ValidatorSlashed logs, and validators read as Slashed. Unknown
 * addresses are ignored. */
void node_evidence_note_submitted(node_evidence *ev, const seq_addr *validator);
void node_evidence_note_accepted(node_evidence *ev, const seq_addr *validator);
void node_evidence_note_slashed(node_evidence *ev, const seq_addr *validator);
/* True iff committee member index is known slashed on L1. */
bool node_evidence_slashed(const node_evidence *ev, size_t index);
void node_evidence_note_refused(node_evidence *ev);
void node_evidence_note_failed(node_evidence *ev);

void node_evidence_stats_get(const node_evidence *ev, node_evidence_stats *out);

/* -------------------------------------------------------------- batcher */

/* Batch posting (batcher.c, node/README.md "Batches"): run by the L1
 * link's thread, which owns it; node_batcher_offer alone may be called
 * from any thread. */

#define NODE_BATCHER_INBOX_MAX      NET_PEERS_MAX /* one queued attestation per peer */
#define NODE_BATCHER_REBROADCAST_MS 2000u         /* own attestation again while not on L1 */
#define NODE_BATCHER_RETRY_MS       1000u         /* after a refused or failed post */
#define NODE_BATCHER_OPEN_POSTS_MAX 16u           /* own posts whose outcome is watched */
#define NODE_BATCHER_RECENT_MAX     16u           /* formed batches remembered for counters */
#define NODE_BATCHER_MSG_BYTES      1024u         /* one encoded attestation message */
#define NODE_BATCHER_SCRATCH_BYTES  (16u << 10)
#define NODE_BATCHER_TXMGR_DIR      "l1-tx" /* in the data dir */

typedef struct node_batcher node_batcher;

typedef struct {
    const node_genesis *genesis;  /* copied; must name the Committee address */
    const node_l1_record *record; /* copied */
    store *store;                 /* must outlive the batcher */
    net *net;                     /* attestations go out here; NULL sends nothing */
    l1_rpc *rpc;                  /* the link's client; must outlive the batcher */
    const uint8_t *key;           /* the validator's secp256k1 key (32 bytes), copied */
    size_t self_index;            /* this validator in the genesis committee */
    const char *txmgr_dir;        /* the tx manager's LMDB environment */
    /* Double attestations go here; validators it knows slashed on L1 are
     * left out of the signatures posted. NULL: neither. */
    node_evidence *evidence;
} node_batcher_config;

/* Opens the tx manager and sets up. SEQ_ERR_INVALID_ARG (no Committee
 * address in the genesis, a key that is not self_index's), the tx
 * manager's errors, SEQ_ERR_NO_MEMORY; with *why. */
SEQ_MUST_USE seq_err node_batcher_new(node_batcher **out, node_diag *why,
                                      const node_batcher_config *config);
void node_batcher_free(node_batcher *b);

/* Queues the attestation peer from sent for the next step (any thread):
 * one slot per peer, keeping the higher index of two (the other is
 * dropped and counted; peers send theirs again every 2 s). */
void node_batcher_offer(node_batcher *b, uint32_t from, const wire_attestation *a);

/* One step: takes queued attestations, forms and attests the next batch
 * once the one before is on L1, and posts it in this node's turn with a
 * quorum (RPC calls only then). Store errors are returned (and kept in
 * the status); L1 refusals are counted and retried. */
SEQ_MUST_USE seq_err node_batcher_step(node_batcher *b, uint64_t now_ms);
/* The tx manager's round over own posts, and their outcome (gas,
 * reverts). RPC errors. */
SEQ_MUST_USE seq_err node_batcher_poll(node_batcher *b, uint64_t now_ms);
/* When the next step is due without news (a rebroadcast, the next
 * poster's turn, a retry); UINT64_MAX if nothing waits. */
uint64_t node_batcher_next_ms(const node_batcher *b, uint64_t now_ms);
/* A batch the link stored from L1: counters, and the posting lag of its
 * blocks when live (seen as it happened, not replayed after a restart). */
void node_batcher_seen(node_batcher *b, const store_l1_batch *batch, bool live,
                       uint64_t now_wall_ms);
void node_batcher_status_get(const node_batcher *b, node_batcher_status *out);
/* The name (e.g. "BadIndex(uint64,uint64)") among errors[0..count) of the
 * custom error rpc's last call reverted with, or "" (no revert data, or
 * none of them). */
const char *node_l1_revert_name(const l1_rpc *rpc, const char *const *errors, size_t count);
/* The batcher's tx manager (the slasher sends through it too). */
l1_txmgr *node_batcher_txmgr(node_batcher *b);

/* -------------------------------------------------------------- slasher */

/* Evidence submission (slasher.c, node/README.md "Evidence"): run by the
 * L1 link's thread after the batcher, through the batcher's tx manager.
 * Per accused validator, the first stored evidence is submitted by one
 * honest node at a time: turns start at validator (view mod n), skip the
 * accused, and come NODE_SLASHER_TURN_MS apart from when each node first
 * held the evidence. */
#define NODE_SLASHER_TURN_MS  4000u
#define NODE_SLASHER_RETRY_MS 5000u /* after a refusal, a failure or a lost race */

typedef struct node_slasher node_slasher;

typedef struct {
    const node_genesis *genesis;  /* copied; names the Committee */
    const node_l1_record *record; /* copied */
    store *store;                 /* must outlive it */
    l1_rpc *rpc;                  /* the link's client */
    l1_txmgr *txmgr;              /* the batcher's */
    node_evidence *evidence;      /* must outlive it */
    size_t self_index;
} node_slasher_config;

SEQ_MUST_USE seq_err node_slasher_new(node_slasher **out, const node_slasher_config *config);
void node_slasher_free(node_slasher *s);
/* One step: the first time, reads every validator's status on L1; picks
 * up newly stored evidence; follows own open submissions; submits where
 * it is this node's turn. RPC and store errors are returned (retried by
 * the next step); L1 refusals are counted and logged. */
SEQ_MUST_USE seq_err node_slasher_step(node_slasher *s, uint64_t now_ms);
/* When the next step is due without news; UINT64_MAX if nothing waits. */
uint64_t node_slasher_next_ms(const node_slasher *s, uint64_t now_ms);

/* seqctl's numbers: strict decimal (digits only, no sign, no overflow),
 * and decimal or "0x" and 1..16 hex digits. Nothing around them. */
bool node_ctl_decimal_u64(uint64_t *out, const char *text);
bool node_ctl_u64(uint64_t *out, const char *text);

/* seqctl submit, tx and block (ctl_query.c): arguments, output and exit
 * codes as node_seqctl_main. */
int node_seqctl_submit(int argc, char **argv, FILE *out, FILE *err);
void node_seqctl_submit_usage(FILE *f);
int node_seqctl_tx(int argc, char **argv, FILE *out, FILE *err);
void node_seqctl_tx_usage(FILE *f);
int node_seqctl_block(int argc, char **argv, FILE *out, FILE *err);
void node_seqctl_block_usage(FILE *f);
/* seqctl evidence list, show and submit (ctl_evidence.c): arguments,
 * output and exit codes as node_seqctl_main. */
int node_seqctl_evidence(int argc, char **argv, FILE *out, FILE *err);
void node_seqctl_evidence_usage(FILE *f);
/* One record of seq_getEvidence ({kind, validator, view | batchIndex, a,
 * b}, node/README.md "API"; the evidence file of seqctl evidence show
 * --json) as Committee.submitEvidence takes it, and the validator it
 * names. Strict: no unknown or missing member, every uint64 a
 * non-negative JSON integer, hashes "0x" + 64 and signatures "0x" + 130
 * hex digits, the record's view (batch index) that of statement a.
 * SEQ_ERR_MALFORMED or SEQ_ERR_INVALID_ARG with why "FILE: WHERE.FIELD:
 * ..." (where: "" or e.g. "evidence[0]"); *out zeroed on failure. The
 * signatures are not checked here (l1_evidence_check does). */
SEQ_MUST_USE seq_err node_ctl_evidence_from_json(l1_evidence *out, seq_addr *validator,
                                                 node_diag *why, const char *file,
                                                 const char *where, const json_t *record);
/* An evidence file at path: one record, or a whole seq_getEvidence reply
 * ({"evidence": [...], ...}) holding exactly one. Errors as above, and
 * those of node_config_file_read. */
SEQ_MUST_USE seq_err node_ctl_evidence_file_load(l1_evidence *out, seq_addr *validator,
                                                 node_diag *why, const char *path);
/* The first record of list (a seq_getEvidence "evidence" array) of kind
 * (0: any) and, with has_view, of view (batch index); NULL if none. */
const json_t *node_ctl_evidence_pick(const json_t *list, l1_evidence_kind kind, bool has_view,
                                     uint64_t view);
/* "proposal", "vote", "timeout", "attestation" and back (0 if unknown). */
const char *node_ctl_evidence_kind_name(l1_evidence_kind kind);
l1_evidence_kind node_ctl_evidence_kind_parse(const char *name);
/* seqctl batch decode (ctl_batch.c). */
int node_seqctl_batch(int argc, char **argv, FILE *out, FILE *err);
void node_seqctl_batch_usage(FILE *f);

/* seqctl l1 deploy / predict (ctl_l1.c); the deployment record is in node.h. */
/* The parameters of r's deployment, as l1_deploy_check verifies them. */
void node_l1_record_params(l1_deploy_params *out, const node_l1_record *r, const node_genesis *g);
/* The record of a deployment with parameters p at committee and inbox for
 * the genesis with genesis_hash (no deployer or block: the caller adds
 * them when it knows them). */
void node_l1_record_from(node_l1_record *out, const l1_deploy_params *p,
                         const seq_hash *genesis_hash, const seq_addr *committee,
                         const seq_addr *inbox);
int node_seqctl_l1(int argc, char **argv, FILE *out, FILE *err);
void node_seqctl_l1_usage(FILE *f);

/* seqctl status's table (ctl_status.c): the header line, and the row of
 * the node at url from its seq_status answer s. Any JSON value is fine:
 * missing or mistyped members print as 0, "?" or "-" (an older node
 * without l1.batcher gets "-" under BATCHES). */
void node_ctl_status_header(FILE *out);
void node_ctl_status_row(FILE *out, const json_t *s, const char *url);

/* seqctl tx's and block's output for a person (ctl_query.c), from the
 * result of seq_getTransactionStatus (st) or seq_getBlockByHeight (b):
 * one line per field, and one per clock: soft-confirmed (height, block
 * hash, time, index), posted (batch, L1 block, L1 tx, heights) and final
 * (the L1 finalized block), "not yet" when null, "never (genesis)" for a
 * block at height 0, "?" when the member is missing (an older node). Any
 * JSON value is fine: missing or mistyped members print as 0 or "?". */
void node_ctl_tx_print(FILE *out, const json_t *st);
void node_ctl_block_print(FILE *out, const json_t *b);

/* A plaintext hex key file (ctl_l1.c): one secp256k1 secret key, 64 hex
 * digits, "0x" optional, mode 0600 or stricter, into key (32 bytes the
 * caller sodium_malloc'd). SEQ_ERR_NOT_FOUND, SEQ_ERR_INVALID_ARG (not a
 * regular file), SEQ_ERR_UNSUPPORTED (mode), SEQ_ERR_BAD_KEY, SEQ_ERR_IO,
 * with the reason in why. */
SEQ_MUST_USE seq_err node_ctl_keyfile_load(uint8_t key[32], node_diag *why, const char *path);

/* seqctl force-include and force-advance (ctl_force.c): arguments, output
 * and exit codes as node_seqctl_main; one usage text for both. */
int node_seqctl_force_include(int argc, char **argv, FILE *out, FILE *err);
int node_seqctl_force_advance(int argc, char **argv, FILE *out, FILE *err);
void node_seqctl_force_usage(FILE *f);

/* seqctl's L1 transactions (ctl_force.c), shared by force-include,
 * force-advance, l1 bond and evidence submit. */
#define NODE_CTL_WEI_CHARS       80u /* a uint256 in decimal, and the NUL */
#define NODE_CTL_WAIT_MS_DEFAULT 60000u
#define NODE_CTL_WAIT_MS_MAX     3600000u
#define NODE_CTL_ERROR_ARGS_MAX  2u
#define NODE_CTL_REVERT_CHARS    192u /* a named revert, "Name(arg value, ...)" */

/* A decimal amount of wei below 2^256 (digits only) into a big-endian
 * word; false, out untouched, if text is not one. */
bool node_ctl_wei_parse(uint8_t out[32], const char *text);
/* A big-endian word in decimal. */
void node_ctl_wei_text(char out[NODE_CTL_WEI_CHARS], const uint8_t value[32]);

/* A custom error of a contract that seqctl names: its signature
 * ("BondTooSmall(uint256,uint256)") and the names of its arguments. */
typedef struct {
    const char *signature;
    const char *args[NODE_CTL_ERROR_ARGS_MAX];
} node_ctl_custom_error;

/* True iff the last call on c reverted with one of errors[0..count)
 * (selector and exact data length): out is then "Name(arg value, ...)",
 * uint arguments in decimal, addresses EIP-55, others in hex. */
bool node_ctl_revert_name(char *out, size_t out_len, const l1_rpc *c,
                          const node_ctl_custom_error *errors, size_t count);

/* One command's L1 transactions to one contract, from the account of key. */
typedef struct {
    const char *name;     /* "seqctl l1 bond": every message starts with it */
    const char *contract; /* "Committee", "Inbox": in messages */
    l1_rpc *rpc;
    const uint8_t *key; /* 32 bytes, the caller's sodium_malloc'd memory */
    seq_addr from, to;
    uint64_t chain_id; /* the endpoint's */
    uint64_t wait_ms;  /* for a receipt */
    const node_ctl_custom_error *errors;
    size_t error_count;
    FILE *err;
} node_ctl_sender;

/* Prints to s->err why the last call on s->rpc (named what) failed: a
 * revert named by s->errors ("WHAT reverts: Name(...); nothing sent"), any
 * other revert, or the client's line. Returns err. */
seq_err node_ctl_rpc_failed(const node_ctl_sender *s, seq_err err, const char *what);
/* eth_estimateGas of data with value wei (a revert stops here: printed,
 * nothing sent), then one EIP-1559 transaction (pending nonce, the node's
 * tip, fee cap = tip + 2 x the next base fee, gas = estimate + 1/4) signed
 * by s->key, and its successful receipt within s->wait_ms (printed
 * failures: SEQ_ERR_TIMEOUT names the L1 tx, a reverted receipt is
 * SEQ_ERR_INTERNAL). what names the call in messages. */
SEQ_MUST_USE seq_err node_ctl_send(const node_ctl_sender *s, l1_rpc_tx_receipt *rc,
                                   const uint8_t value[32], const uint8_t *data, size_t len,
                                   const char *what);
/* The event of kind that s->to emitted in rc's transaction, decoded into
 * *ev (its data in arena). topic2, if not NULL, narrows the query to logs
 * whose third topic is that address. SEQ_ERR_NOT_FOUND (printed) if none. */
SEQ_MUST_USE seq_err node_ctl_event(const node_ctl_sender *s, l1_event *ev, seq_arena *arena,
                                    const l1_rpc_tx_receipt *rc, l1_event_kind kind,
                                    const seq_addr *topic2);

/* seqctl's Committee on L1 (ctl_l1.c), for l1 bond, l1 validator and
 * evidence submit. */
typedef struct {
    l1_rpc *rpc;
    seq_addr committee;
    uint64_t chain_id; /* the endpoint's */
    bool has_record;
    node_l1_record record; /* of --deployment */
} node_ctl_committee;

/* The Committee's custom errors that seqctl names (contracts/Committee.sol
 * and SeqdCrypto.sol). */
extern const node_ctl_custom_error node_ctl_committee_errors[];
extern const size_t node_ctl_committee_error_count;

/* The Committee at committee (an address) or of the deployment record at
 * deployment (exactly one of them not NULL), on the L1 of rpc: the record's
 * L1 chain id must be the endpoint's. why says what failed. */
SEQ_MUST_USE seq_err node_ctl_committee_open(node_ctl_committee *out, node_diag *why, l1_rpc *rpc,
                                             const char *committee, const char *deployment);
/* A view of the Committee: signature's selector and arg_words words of
 * args, exactly words words back into out. why names a revert, a short
 * answer ("no contract there?") or the client's error. */
SEQ_MUST_USE seq_err node_ctl_committee_view(const node_ctl_committee *c, node_diag *why,
                                             uint8_t *out, size_t words, const char *signature,
                                             const uint8_t *args, size_t arg_words);

/* Committee.validatorInfo(validator). */
typedef struct {
    uint8_t status; /* 0 None, 1 Active, 2 Unbonding, 3 Slashed */
    uint64_t weight, weight_next, withdrawable_at;
    uint8_t bond_wei[32]; /* big-endian */
} node_ctl_validator;

SEQ_MUST_USE seq_err node_ctl_validator_read(node_ctl_validator *out, node_diag *why,
                                             const node_ctl_committee *c,
                                             const seq_addr *validator);
/* "None", "Active", "Unbonding", "Slashed"; "?" for any other value. */
const char *node_ctl_validator_status_name(uint8_t status);

/* The L1 key of --key KEY (ctl_l1.c), for the commands that sign L1
 * transactions as a validator or operator: a key directory of seqctl
 * keygen (its validator key; sealed, opened with the passphrase of
 * passphrase_file or passphrase_env, or plaintext with insecure), or, only
 * with insecure, a file holding one hex secret key (mode 0600). Into key
 * (32 bytes the caller sodium_malloc'd); why on failure. */
SEQ_MUST_USE seq_err node_ctl_l1_key_load(uint8_t key[32], node_diag *why, const char *path,
                                          const char *passphrase_file, const char *passphrase_env,
                                          bool insecure);

/* seqctl forced (ctl_forced.c): a node's forced queue, seq_getForcedQueue
 * then one seq_getForcedEntry per entry, at most NODE_CTL_FORCED_COUNT_MAX
 * of them (default NODE_CTL_FORCED_COUNT_DEFAULT). Arguments, output and
 * exit codes as node_seqctl_main. */
#define NODE_CTL_FORCED_COUNT_DEFAULT 20u
#define NODE_CTL_FORCED_COUNT_MAX     1000u
int node_seqctl_forced(int argc, char **argv, FILE *out, FILE *err);
void node_seqctl_forced_usage(FILE *f);
/* Its output for a person: the summary line of a seq_getForcedQueue
 * answer, the table's header, and the row of a seq_getForcedEntry answer;
 * node_ctl_forced_row returns true iff the row is marked "!" (consumed on
 * L1 after the entry's window). Any JSON value is fine: missing or
 * mistyped members print as "?" (the entry's own) or "-". */
void node_ctl_forced_summary(FILE *out, const json_t *queue);
void node_ctl_forced_header(FILE *out);
bool node_ctl_forced_row(FILE *out, const json_t *entry);

/* seqctl fault (ctl_fault.c): a running node's transport faults, set with
 * seq_testSetFault or, with --show, listed with seq_testGetFault (test
 * builds only). Arguments, output and exit codes as node_seqctl_main. */
int node_seqctl_fault(int argc, char **argv, FILE *out, FILE *err);
void node_seqctl_fault_usage(FILE *f);
/* Its table for a person, from the methods' answer ({"self", "peers":
 * [{"peer", "delay_ms", ...}]}): one row per link. Any JSON value is
 * fine: missing or mistyped members print as "?". */
void node_ctl_fault_print(FILE *out, const json_t *listing);

/* seqctl liveness (ctl_liveness.c): a committee's liveness over committed
 * heights H1..H2 of one node. node_seqctl_liveness fetches the blocks
 * (seq_getBlockByHeight) and the committee (seq_status, or --genesis FILE
 * for the weights); node_liveness_compute is the figures, pure. */
#define NODE_LIVENESS_HEIGHTS_MAX 100000u

/* One committed block, as much of it as liveness needs. */
typedef struct {
    uint64_t height;
    uint64_t view;
    uint64_t timestamp_ms;
    seq_addr proposer;
} node_liveness_block;

/* One committee member over the view range. slots: views in the range it
 * leads (cons_committee_leader); missed: those of them without a
 * committed block; proposed: committed blocks it proposed. When every
 * block was proposed by its view's leader, slots = proposed + missed. */
typedef struct {
    seq_addr address;
    uint32_t weight;
    uint64_t slots, proposed, missed;
} node_liveness_validator;

typedef struct {
    uint64_t height_first, height_last; /* H1, H2 */
    uint64_t view_first, view_last;     /* their views: the range */
    uint64_t views;                     /* view_last - view_first + 1 */
    uint64_t blocks;                    /* committed blocks, H2 - H1 + 1 */
    uint64_t views_empty;               /* views without a committed block */
    uint64_t off_schedule;              /* blocks whose proposer is not their view's leader */
    uint64_t time_ms;                   /* last block's timestamp - first's */
    /* The rest needs two blocks or more (has_intervals). View time is
     * time over views: the average is time_ms / (view_last - view_first),
     * the max the largest timestamp difference / view difference of two
     * consecutive blocks (first such pair on ties), with their heights. */
    bool has_intervals;
    double view_ms_avg, view_ms_max;
    uint64_t view_max_height_from, view_max_height_to;
    double block_interval_ms_avg; /* time_ms / (blocks - 1) */
    /* Longest timestamp difference of two consecutive blocks (the first on
     * ties), and their heights. */
    uint64_t gap_ms_max, gap_height_from, gap_height_to;
    /* Set by the caller (compute leaves it false): the weights are not
     * known and were taken as 1 each. */
    bool weights_assumed;
    size_t validator_count; /* genesis order */
    node_liveness_validator validators[CONS_VALIDATORS_MAX];
} node_liveness;

/* Fills *out from blocks[0..count) (1 <= count <= NODE_LIVENESS_HEIGHTS_MAX,
 * ascending) and committee. SEQ_ERR_MALFORMED, *out zeroed, unless the
 * blocks are a chain: heights consecutive, views strictly increasing,
 * timestamps never decreasing, and at most UINT64_MAX views spanned. */
SEQ_MUST_USE seq_err node_liveness_compute(node_liveness *out, const cons_committee *committee,
                                           const node_liveness_block *blocks, size_t count);
/* The report for a person: one line per validator (index, address, slots,
 * proposed, missed, miss rate), then the summary; or one JSON object on
 * one line (fields in node/README.md, "Liveness report"). */
void node_liveness_print(FILE *out, const node_liveness *r);
void node_liveness_print_json(FILE *out, const node_liveness *r);
/* Arguments, output and exit codes as node_seqctl_main. */
int node_seqctl_liveness(int argc, char **argv, FILE *out, FILE *err);
void node_seqctl_liveness_usage(FILE *f);

#endif /* SEQ_NODE_INTERNAL_H */
