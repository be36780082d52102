/* txmgr.c — the L1 transaction manager (l1.h, l1/README.md "Transaction
 * manager").
 *
 * Layout: one LMDB environment in the caller's directory with two named
 * databases, "meta" (one record: the account, the chain and the nonces) and
 * "txs" (one record per nonce, key = 8-byte big-endian nonce). A tx record
 * holds the state, the times, the fees and hash of every attempt of the
 * nonce, and the raw bytes of the latest attempt (from which the next bump
 * is rebuilt). Every write is one durable commit, made before the bytes it
 * describes are broadcast.
 *
 * LMDB results are translated into seq_err here and logged once. */
#include <errno.h>
#include <fcntl.h>
#include <lmdb.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "l1.h"

#define TXMGR_SCHEMA_VERSION   1u
#define TXMGR_DBIS_MAX         2u
#define TXMGR_LOCK_FILE        "txmgr.lock"
#define TXMGR_PATH_BYTES_MAX   4096u
#define TXMGR_FILE_MODE        0600
#define TXMGR_DIR_MODE         0700
#define TXMGR_FLAGS_NONDURABLE (MDB_NOSYNC | MDB_NOMETASYNC | MDB_MAPASYNC)
#define TXMGR_FLAGS_ALLOWED    (MDB_NORDAHEAD | MDB_NOMEMINIT)
#define TXMGR_BUMP_DIVISOR     10u /* +1/10 = +10% per bump, plus one wei */
#define TXMGR_BASE_FEE_FACTOR  2u  /* fee cap = tip + 2 x base fee */

/* meta: version u8 | chain id u64 | address 20 | nonce known u8 |
 *       next nonce u64 | first open nonce u64 */
#define META_BYTES (1u + 8u + SEQ_ADDR_BYTES + 1u + 8u + 8u)
static const char meta_key[] = "meta";

/* tx: version u8 | state u8 | success u8 | attempt count u8 | last error u16 |
 *     reserved u16 | first sent u64 | last sent u64 | block number u64 |
 *     block hash 32 | mined hash 32 | ATTEMPTS_MAX x (tip u64, cap u64,
 *     hash 32) | raw length u32 | raw */
#define ATTEMPT_BYTES (8u + 8u + SEQ_HASH_BYTES)
#define REC_HEAD_BYTES \
    (8u + 3u * 8u + 2u * SEQ_HASH_BYTES + L1_TXMGR_ATTEMPTS_MAX * ATTEMPT_BYTES + 4u)
#define REC_BYTES_MAX (REC_HEAD_BYTES + L1_TX_BYTES_MAX)

_Static_assert(L1_TXMGR_ATTEMPTS_MAX <= UINT8_MAX, "attempt count is one byte");
_Static_assert(SEQ_ERR_COUNT_ <= UINT16_MAX, "an error code is two bytes");
_Static_assert(L1_TXMGR_PENDING_MAX *REC_BYTES_MAX < L1_TXMGR_MAP_BYTES_MIN * 4u,
               "the smallest map holds the open window a few times over");

typedef struct {
    uint64_t tip;
    uint64_t cap;
    seq_hash hash;
} attempt;

/* A decoded tx record; raw borrows from a manager buffer. */
typedef struct {
    l1_txmgr_state state;
    bool success;
    size_t attempt_count;
    seq_err last_err;
    uint64_t first_sent_ms;
    uint64_t last_sent_ms;
    uint64_t block_number;
    seq_hash block_hash;
    seq_hash mined_hash;
    attempt attempts[L1_TXMGR_ATTEMPTS_MAX];
    const uint8_t *raw;
    size_t raw_len;
} txrec;

struct l1_txmgr {
    MDB_env *env;
    MDB_dbi dbi_meta;
    MDB_dbi dbi_txs;
    int lock_fd;
    l1_rpc *rpc;
    uint8_t *key; /* sodium_malloc'd, 32 bytes */
    seq_addr from;
    uint64_t chain_id;
    l1_txmgr_options o;
    bool nonce_known;
    uint64_t next_nonce;    /* the nonce of the next send */
    uint64_t first_open;    /* lowest nonce that may not be final */
    uint64_t lowest_stored; /* no record below this nonce */
    bool rebroadcast_due;
    l1_txmgr_stats stats;
    uint8_t *read_buf;  /* a record copied out of the map */
    uint8_t *raw_buf;   /* a transaction being signed */
    uint8_t *write_buf; /* a record being encoded */
};

/* ---------------------------------------------------------------- bytes */

static void put_u64(uint8_t *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--, v >>= 8)
        p[i] = (uint8_t)v;
}

static uint64_t get_u64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return v;
}

static bool state_valid(unsigned int s)
{
    return s >= L1_TXMGR_PENDING && s <= L1_TXMGR_LOST;
}

static bool state_final(l1_txmgr_state s)
{
    return s == L1_TXMGR_CONFIRMED || s == L1_TXMGR_LOST;
}

const char *l1_txmgr_state_name(l1_txmgr_state state)
{
    switch (state) {
    case L1_TXMGR_PENDING:
        return "pending";
    case L1_TXMGR_INCLUDED:
        return "included";
    case L1_TXMGR_CONFIRMED:
        return "confirmed";
    case L1_TXMGR_LOST:
        return "lost";
    }
    return "unknown";
}

static size_t rec_encode(uint8_t *out, const txrec *r)
{
    SEQ_ASSERT(r->attempt_count >= 1 && r->attempt_count <= L1_TXMGR_ATTEMPTS_MAX);
    SEQ_ASSERT(r->raw_len <= L1_TX_BYTES_MAX);
    memset(out, 0, REC_HEAD_BYTES);
    out[0] = TXMGR_SCHEMA_VERSION;
    out[1] = (uint8_t)r->state;
    out[2] = r->success ? 1 : 0;
    out[3] = (uint8_t)r->attempt_count;
    out[4] = (uint8_t)((unsigned int)r->last_err >> 8);
    out[5] = (uint8_t)r->last_err;
    uint8_t *p = out + 8;
    put_u64(p, r->first_sent_ms);
    put_u64(p + 8, r->last_sent_ms);
    put_u64(p + 16, r->block_number);
    memcpy(p + 24, r->block_hash.b, SEQ_HASH_BYTES);
    memcpy(p + 56, r->mined_hash.b, SEQ_HASH_BYTES);
    p += 88;
    for (size_t i = 0; i < r->attempt_count; i++, p += ATTEMPT_BYTES) {
        put_u64(p, r->attempts[i].tip);
        put_u64(p + 8, r->attempts[i].cap);
        memcpy(p + 16, r->attempts[i].hash.b, SEQ_HASH_BYTES);
    }
    p = out + REC_HEAD_BYTES - 4;
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(r->raw_len >> (24 - 8 * i));
    memcpy(out + REC_HEAD_BYTES, r->raw, r->raw_len);
    return REC_HEAD_BYTES + r->raw_len;
}

/* Decodes a record; raw borrows from in. */
static seq_err rec_decode(txrec *r, const uint8_t *in, size_t len)
{
    memset(r, 0, sizeof(*r));
    if (len < REC_HEAD_BYTES || in[0] != TXMGR_SCHEMA_VERSION || !state_valid(in[1]) || in[2] > 1 ||
        in[3] < 1 || in[3] > L1_TXMGR_ATTEMPTS_MAX)
        return SEQ_ERR_CORRUPT;
    unsigned int err = (unsigned int)in[4] << 8 | in[5];
    const uint8_t *lp = in + REC_HEAD_BYTES - 4;
    size_t raw_len = (size_t)lp[0] << 24 | (size_t)lp[1] << 16 | (size_t)lp[2] << 8 | lp[3];
    if (err >= SEQ_ERR_COUNT_ || raw_len != len - REC_HEAD_BYTES || raw_len > L1_TX_BYTES_MAX)
        return SEQ_ERR_CORRUPT;
    r->state = (l1_txmgr_state)in[1];
    r->success = in[2] == 1;
    r->attempt_count = in[3];
    r->last_err = (seq_err)err;
    const uint8_t *p = in + 8;
    r->first_sent_ms = get_u64(p);
    r->last_sent_ms = get_u64(p + 8);
    r->block_number = get_u64(p + 16);
    memcpy(r->block_hash.b, p + 24, SEQ_HASH_BYTES);
    memcpy(r->mined_hash.b, p + 56, SEQ_HASH_BYTES);
    p += 88;
    for (size_t i = 0; i < r->attempt_count; i++, p += ATTEMPT_BYTES) {
        r->attempts[i].tip = get_u64(p);
        r->attempts[i].cap = get_u64(p + 8);
        memcpy(r->attempts[i].hash.b, p + 16, SEQ_HASH_BYTES);
    }
    r->raw = in + REC_HEAD_BYTES;
    r->raw_len = raw_len;
    return SEQ_OK;
}

/* --------------------------------------------------------------- LMDB */

static seq_err err_of_mdb(int rc)
{
    switch (rc) {
    case MDB_SUCCESS:
        return SEQ_OK;
    case MDB_NOTFOUND:
        return SEQ_ERR_NOT_FOUND;
    case MDB_MAP_FULL:
    case ENOSPC:
        return SEQ_ERR_NO_SPACE;
    case MDB_CORRUPTED:
    case MDB_PAGE_NOTFOUND:
    case MDB_INVALID:
        return SEQ_ERR_CORRUPT;
    case MDB_VERSION_MISMATCH:
        return SEQ_ERR_BAD_VERSION;
    case MDB_READERS_FULL:
    case EAGAIN:
        return SEQ_ERR_UNAVAILABLE;
    case ENOMEM:
        return SEQ_ERR_NO_MEMORY;
    case EINVAL:
        return SEQ_ERR_INTERNAL;
    default:
        return SEQ_ERR_IO;
    }
}

static seq_err lmdb_failed(int rc, const char *op)
{
    seq_err err = err_of_mdb(rc);
    SEQ_LOG(SEQ_LOG_ERROR, "l1_txmgr_lmdb_failed", SEQ_F_STR("op", op),
            SEQ_F_STR("lmdb", mdb_strerror(rc)), SEQ_F_I64("code", rc), SEQ_F_ERR(err));
    return err;
}

static seq_err refuse(const char *reason, seq_err err)
{
    SEQ_LOG(SEQ_LOG_ERROR, "l1_txmgr_refused", SEQ_F_STR("reason", reason), SEQ_F_ERR(err));
    return err;
}

static MDB_val val_of(const void *p, size_t len)
{
    return (MDB_val){.mv_size = len, .mv_data = (void *)p};
}

static void meta_encode(uint8_t out[META_BYTES], const l1_txmgr *m)
{
    out[0] = TXMGR_SCHEMA_VERSION;
    put_u64(out + 1, m->chain_id);
    memcpy(out + 9, m->from.b, SEQ_ADDR_BYTES);
    out[29] = m->nonce_known ? 1 : 0;
    put_u64(out + 30, m->next_nonce);
    put_u64(out + 38, m->first_open);
}

/* Writes the tx record of nonce (when r is not NULL) and the meta record
 * in one durable commit. */
static seq_err store_write(l1_txmgr *m, uint64_t nonce, const txrec *r)
{
    MDB_txn *txn;
    int rc = mdb_txn_begin(m->env, NULL, 0, &txn);
    if (rc != MDB_SUCCESS)
        return lmdb_failed(rc, "txn_begin");
    uint8_t meta[META_BYTES];
    meta_encode(meta, m);
    MDB_val k = val_of(meta_key, sizeof meta_key - 1), v = val_of(meta, sizeof meta);
    rc = mdb_put(txn, m->dbi_meta, &k, &v, 0);
    if (rc == MDB_SUCCESS && r != NULL) {
        uint8_t key[8];
        put_u64(key, nonce);
        size_t len = rec_encode(m->write_buf, r);
        k = val_of(key, sizeof key);
        v = val_of(m->write_buf, len);
        rc = mdb_put(txn, m->dbi_txs, &k, &v, 0);
    }
    if (rc != MDB_SUCCESS) {
        mdb_txn_abort(txn);
        return lmdb_failed(rc, "put");
    }
    rc = mdb_txn_commit(txn);
    return rc == MDB_SUCCESS ? SEQ_OK : lmdb_failed(rc, "commit");
}

/* Reads the record of nonce into buf (REC_BYTES_MAX) and decodes it;
 * SEQ_ERR_NOT_FOUND (not logged) when absent. */
static seq_err store_read(const l1_txmgr *m, txrec *r, uint8_t *buf, uint64_t nonce)
{
    MDB_txn *txn;
    int rc = mdb_txn_begin(m->env, NULL, MDB_RDONLY, &txn);
    if (rc != MDB_SUCCESS)
        return lmdb_failed(rc, "txn_begin_read");
    uint8_t key[8];
    put_u64(key, nonce);
    MDB_val k = val_of(key, sizeof key), v;
    rc = mdb_get(txn, m->dbi_txs, &k, &v);
    seq_err err = SEQ_OK;
    if (rc == MDB_NOTFOUND)
        err = SEQ_ERR_NOT_FOUND;
    else if (rc != MDB_SUCCESS)
        err = lmdb_failed(rc, "get");
    else if (v.mv_size > REC_BYTES_MAX)
        err = SEQ_ERR_CORRUPT;
    else
        memcpy(buf, v.mv_data, v.mv_size);
    mdb_txn_abort(txn);
    if (err == SEQ_OK)
        err = rec_decode(r, buf, v.mv_size);
    if (err == SEQ_ERR_CORRUPT)
        SEQ_LOG(SEQ_LOG_ERROR, "l1_txmgr_corrupt", SEQ_F_U64("nonce", nonce), SEQ_F_ERR(err));
    return err;
}

/* ----------------------------------------------------------------- open */

void l1_txmgr_options_default(l1_txmgr_options *out)
{
    *out = (l1_txmgr_options){.resubmit_ms = L1_TXMGR_RESUBMIT_MS_DEFAULT,
                              .confirm_depth = L1_TXMGR_CONFIRM_DEPTH_DEFAULT,
                              .tip_wei_min = L1_TXMGR_TIP_WEI_MIN_DEFAULT,
                              .fee_cap_wei_max = L1_TXMGR_FEE_CAP_WEI_MAX_DEFAULT,
                              .map_bytes = L1_TXMGR_MAP_BYTES_DEFAULT,
                              .final_keep = L1_TXMGR_FINAL_KEEP_DEFAULT};
}

static seq_err options_check(const l1_txmgr_options *o)
{
    if ((o->env_flags & TXMGR_FLAGS_NONDURABLE) != 0)
        return refuse("non-durable LMDB flags", SEQ_ERR_UNSUPPORTED);
    if ((o->env_flags & ~(unsigned int)TXMGR_FLAGS_ALLOWED) != 0)
        return refuse("unknown LMDB flags", SEQ_ERR_INVALID_ARG);
    if (o->resubmit_ms == 0 || o->confirm_depth == 0 ||
        o->confirm_depth > L1_TXMGR_CONFIRM_DEPTH_MAX || o->fee_cap_wei_max < o->tip_wei_min ||
        o->map_bytes < L1_TXMGR_MAP_BYTES_MIN || o->map_bytes > L1_TXMGR_MAP_BYTES_MAX ||
        o->final_keep > L1_TXMGR_FINAL_KEEP_MAX)
        return refuse("option out of range", SEQ_ERR_INVALID_ARG);
    return SEQ_OK;
}

static seq_err dir_lock(l1_txmgr *m, const char *dir)
{
    if (mkdir(dir, TXMGR_DIR_MODE) != 0 && errno != EEXIST)
        return refuse("cannot create the directory", SEQ_ERR_IO);
    char path[TXMGR_PATH_BYTES_MAX];
    int n = snprintf(path, sizeof path, "%s/%s", dir, TXMGR_LOCK_FILE);
    if (n < 0 || (size_t)n >= sizeof path)
        return refuse("directory path too long", SEQ_ERR_INVALID_ARG);
    m->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, TXMGR_FILE_MODE);
    if (m->lock_fd < 0)
        return refuse("cannot open the lock file", SEQ_ERR_IO);
    if (flock(m->lock_fd, LOCK_EX | LOCK_NB) != 0)
        return refuse("another manager holds the directory",
                      errno == EWOULDBLOCK ? SEQ_ERR_UNAVAILABLE : SEQ_ERR_IO);
    return SEQ_OK;
}

static seq_err env_open(l1_txmgr *m, const char *dir)
{
    int rc = mdb_env_create(&m->env);
    if (rc != MDB_SUCCESS) {
        m->env = NULL;
        return lmdb_failed(rc, "env_create");
    }
    rc = mdb_env_set_maxdbs(m->env, TXMGR_DBIS_MAX);
    if (rc == MDB_SUCCESS)
        rc = mdb_env_set_mapsize(m->env, (size_t)m->o.map_bytes);
    if (rc == MDB_SUCCESS)
        rc = mdb_env_open(m->env, dir, m->o.env_flags, TXMGR_FILE_MODE);
    if (rc != MDB_SUCCESS)
        return lmdb_failed(rc, "env_open");
    unsigned int flags = 0;
    rc = mdb_env_get_flags(m->env, &flags);
    if (rc != MDB_SUCCESS)
        return lmdb_failed(rc, "env_get_flags");
    if ((flags & TXMGR_FLAGS_NONDURABLE) != 0)
        return refuse("environment runs with non-durable flags", SEQ_ERR_UNSUPPORTED);
    return SEQ_OK;
}

/* Checks the meta record against the account and chain, or creates it. */
static seq_err meta_load(l1_txmgr *m, MDB_txn *txn)
{
    MDB_val k = val_of(meta_key, sizeof meta_key - 1), v;
    int rc = mdb_get(txn, m->dbi_meta, &k, &v);
    if (rc == MDB_NOTFOUND) {
        uint8_t meta[META_BYTES];
        meta_encode(meta, m);
        v = val_of(meta, sizeof meta);
        rc = mdb_put(txn, m->dbi_meta, &k, &v, 0);
        return rc == MDB_SUCCESS ? SEQ_OK : lmdb_failed(rc, "put_meta");
    }
    if (rc != MDB_SUCCESS)
        return lmdb_failed(rc, "get_meta");
    const uint8_t *p = v.mv_data;
    if (v.mv_size != META_BYTES || p[29] > 1)
        return refuse("meta record has a wrong size", SEQ_ERR_CORRUPT);
    if (p[0] != TXMGR_SCHEMA_VERSION)
        return refuse("store schema version", SEQ_ERR_BAD_VERSION);
    if (get_u64(p + 1) != m->chain_id || memcmp(p + 9, m->from.b, SEQ_ADDR_BYTES) != 0)
        return refuse("store belongs to another account or chain", SEQ_ERR_INVALID_ARG);
    m->nonce_known = p[29] == 1;
    m->next_nonce = get_u64(p + 30);
    m->first_open = get_u64(p + 38);
    if (m->first_open > m->next_nonce)
        return refuse("meta nonces out of order", SEQ_ERR_CORRUPT);
    return SEQ_OK;
}

/* The lowest nonce with a record (first_open if there is none). */
static seq_err lowest_load(l1_txmgr *m, MDB_txn *txn)
{
    MDB_cursor *cur;
    int rc = mdb_cursor_open(txn, m->dbi_txs, &cur);
    if (rc != MDB_SUCCESS)
        return lmdb_failed(rc, "cursor_open");
    MDB_val k, v;
    rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
    mdb_cursor_close(cur);
    if (rc == MDB_NOTFOUND) {
        m->lowest_stored = m->first_open;
        return SEQ_OK;
    }
    if (rc != MDB_SUCCESS)
        return lmdb_failed(rc, "cursor_get");
    if (k.mv_size != 8)
        return refuse("a tx key is not 8 bytes", SEQ_ERR_CORRUPT);
    m->lowest_stored = get_u64(k.mv_data);
    return SEQ_OK;
}

static seq_err store_open(l1_txmgr *m, const char *dir)
{
    seq_err err = env_open(m, dir);
    if (err != SEQ_OK)
        return err;
    MDB_txn *txn;
    int rc = mdb_txn_begin(m->env, NULL, 0, &txn);
    if (rc != MDB_SUCCESS)
        return lmdb_failed(rc, "txn_begin");
    rc = mdb_dbi_open(txn, "meta", MDB_CREATE, &m->dbi_meta);
    if (rc == MDB_SUCCESS)
        rc = mdb_dbi_open(txn, "txs", MDB_CREATE, &m->dbi_txs);
    if (rc != MDB_SUCCESS) {
        err = lmdb_failed(rc, "dbi_open");
        goto abort_txn;
    }
    err = meta_load(m, txn);
    if (err == SEQ_OK)
        err = lowest_load(m, txn);
    if (err != SEQ_OK)
        goto abort_txn;
    rc = mdb_txn_commit(txn);
    return rc == MDB_SUCCESS ? SEQ_OK : lmdb_failed(rc, "commit");
abort_txn:
    mdb_txn_abort(txn);
    return err;
}

static void txmgr_release(l1_txmgr *m)
{
    if (m->env != NULL)
        mdb_env_close(m->env);
    if (m->lock_fd >= 0)
        close(m->lock_fd);
    if (m->key != NULL)
        sodium_free(m->key); /* wipes */
    free(m->read_buf);
    free(m->raw_buf);
    free(m->write_buf);
    free(m);
}

seq_err l1_txmgr_open(l1_txmgr **out, const char *dir, l1_rpc *rpc, const uint8_t key[32],
                      uint64_t chain_id, const l1_txmgr_options *options)
{
    SEQ_ASSERT(out != NULL && dir != NULL && rpc != NULL && key != NULL);
    *out = NULL;
    l1_txmgr_options o;
    if (options != NULL)
        o = *options;
    else
        l1_txmgr_options_default(&o);
    seq_err err = options_check(&o);
    if (err != SEQ_OK)
        return err;
    if (sodium_init() < 0)
        return SEQ_ERR_INTERNAL;
    l1_txmgr *m = calloc(1, sizeof(*m));
    if (m == NULL)
        return SEQ_ERR_NO_MEMORY;
    *m = (l1_txmgr){.lock_fd = -1, .rpc = rpc, .chain_id = chain_id, .o = o};
    m->key = sodium_malloc(32);
    m->read_buf = malloc(REC_BYTES_MAX);
    m->raw_buf = malloc(L1_TX_BYTES_MAX);
    m->write_buf = malloc(REC_BYTES_MAX);
    err = SEQ_ERR_NO_MEMORY;
    if (m->key == NULL || m->read_buf == NULL || m->raw_buf == NULL || m->write_buf == NULL)
        goto release;
    memcpy(m->key, key, 32);
    err = l1_secp_address(&m->from, m->key);
    if (err != SEQ_OK) {
        err = SEQ_ERR_INVALID_ARG;
        goto release;
    }
    err = dir_lock(m, dir);
    if (err == SEQ_OK)
        err = store_open(m, dir);
    if (err != SEQ_OK)
        goto release;
    m->rebroadcast_due = true;
    SEQ_LOG(SEQ_LOG_INFO, "l1_txmgr_opened", SEQ_F_HEX("from", m->from.b, SEQ_ADDR_BYTES),
            SEQ_F_BOOL("nonce_known", m->nonce_known), SEQ_F_U64("next_nonce", m->next_nonce),
            SEQ_F_U64("first_open", m->first_open));
    *out = m;
    return SEQ_OK;
release:
    txmgr_release(m);
    return err;
}

void l1_txmgr_close(l1_txmgr *m)
{
    if (m != NULL)
        txmgr_release(m);
}

void l1_txmgr_stats_get(const l1_txmgr *m, l1_txmgr_stats *out)
{
    SEQ_ASSERT(m != NULL && out != NULL);
    *out = m->stats;
}

void l1_txmgr_address(const l1_txmgr *m, seq_addr *out)
{
    SEQ_ASSERT(m != NULL && out != NULL);
    *out = m->from;
}

bool l1_txmgr_next_nonce(const l1_txmgr *m, uint64_t *out)
{
    SEQ_ASSERT(m != NULL && out != NULL);
    *out = m->nonce_known ? m->next_nonce : 0;
    return m->nonce_known;
}

seq_err l1_txmgr_status(const l1_txmgr *m, l1_txmgr_tx_status *out, uint64_t id)
{
    SEQ_ASSERT(m != NULL && out != NULL);
    memset(out, 0, sizeof(*out));
    txrec r;
    seq_err err = store_read(m, &r, m->read_buf, id);
    if (err != SEQ_OK)
        return err;
    const attempt *last = &r.attempts[r.attempt_count - 1];
    out->nonce = id;
    out->state = r.state;
    out->success = r.success;
    bool mined = r.state == L1_TXMGR_INCLUDED || r.state == L1_TXMGR_CONFIRMED;
    out->tx_hash = mined ? r.mined_hash : last->hash;
    out->attempt_count = r.attempt_count;
    for (size_t i = 0; i < r.attempt_count; i++)
        out->attempt_hashes[i] = r.attempts[i].hash;
    out->tip_wei = last->tip;
    out->fee_cap_wei = last->cap;
    out->first_sent_ms = r.first_sent_ms;
    out->last_sent_ms = r.last_sent_ms;
    out->block_number = r.block_number;
    out->block_hash = r.block_hash;
    out->last_err = r.last_err;
    return SEQ_OK;
}

/* ----------------------------------------------------------------- fees */

static uint64_t add_sat(uint64_t a, uint64_t b)
{
    return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

/* The tip to offer now and the base fee of the next block. */
static seq_err fees_now(l1_txmgr *m, uint64_t *tip, uint64_t *base_fee)
{
    *tip = 0;
    *base_fee = 0;
    /* Some nodes refuse an empty percentile list: ask for the median. */
    static const double median[] = {50.0};
    l1_rpc_fees fh;
    seq_err err = l1_rpc_fee_history(m->rpc, &fh, 1, median, 1);
    if (err == SEQ_OK)
        err = l1_rpc_max_priority_fee(m->rpc, tip);
    if (err != SEQ_OK) {
        SEQ_LOG(SEQ_LOG_WARN, "l1_txmgr_fees_failed", SEQ_F_STR("rpc", l1_rpc_last_error(m->rpc)),
                SEQ_F_ERR(err));
        *tip = 0;
        return err;
    }
    *tip = SEQ_MAX(*tip, m->o.tip_wei_min);
    *base_fee = fh.base_fee_next;
    return SEQ_OK;
}

/* fee cap = tip + 2 x base fee; both at most fee_cap_wei_max. */
static void fees_first(const l1_txmgr *m, attempt *a, uint64_t tip, uint64_t base_fee)
{
    uint64_t cap = add_sat(tip, base_fee > UINT64_MAX / TXMGR_BASE_FEE_FACTOR
                                    ? UINT64_MAX
                                    : base_fee * TXMGR_BASE_FEE_FACTOR);
    a->cap = SEQ_MIN(cap, m->o.fee_cap_wei_max);
    a->tip = SEQ_MIN(tip, a->cap);
}

/* The next attempt: at least +10% (and one wei) on both tip and fee cap,
 * and at least what fees_first gives now. False when that passes
 * fee_cap_wei_max. */
static bool fees_bump(const l1_txmgr *m, attempt *next, const attempt *prev, uint64_t tip,
                      uint64_t base_fee)
{
    attempt now;
    fees_first(m, &now, tip, base_fee);
    uint64_t tip_min = add_sat(add_sat(prev->tip, prev->tip / TXMGR_BUMP_DIVISOR), 1);
    uint64_t cap_min = add_sat(add_sat(prev->cap, prev->cap / TXMGR_BUMP_DIVISOR), 1);
    next->tip = SEQ_MAX(now.tip, tip_min);
    next->cap = SEQ_MAX(SEQ_MAX(now.cap, cap_min), next->tip);
    return next->cap <= m->o.fee_cap_wei_max;
}

/* -------------------------------------------------------------- sending */

static seq_err sign_attempt(l1_txmgr *m, attempt *a, l1_tx *tx, size_t *raw_len)
{
    tx->max_priority_fee_per_gas = a->tip;
    tx->max_fee_per_gas = a->cap;
    return l1_tx_sign(m->raw_buf, L1_TX_BYTES_MAX, raw_len, &a->hash, m->key, tx);
}

/* Marks r included at the receipt's block and confirmed when head (0:
 * unknown) shows confirm_depth blocks holding it. */
static void mark_included(l1_txmgr *m, txrec *r, const l1_rpc_tx_receipt *rc, uint64_t head)
{
    r->state = L1_TXMGR_INCLUDED;
    r->success = rc->success;
    r->block_number = rc->block_number;
    r->block_hash = rc->block_hash;
    r->mined_hash = rc->tx_hash;
    if (head >= rc->block_number && head - rc->block_number + 1 >= m->o.confirm_depth) {
        r->state = L1_TXMGR_CONFIRMED;
        m->stats.confirmed++;
    }
}

/* The nonce of r is used on chain: by one of r's attempts (its receipt
 * says which) or by a tx that is none of ours (lost). */
static seq_err resolve_used(l1_txmgr *m, uint64_t nonce, txrec *r, uint64_t head)
{
    for (size_t i = r->attempt_count; i-- > 0;) {
        l1_rpc_tx_receipt rc;
        seq_err err = l1_rpc_receipt(m->rpc, &rc, &r->attempts[i].hash);
        if (err == SEQ_OK) {
            mark_included(m, r, &rc, head);
            return SEQ_OK;
        }
        if (err != SEQ_ERR_NOT_FOUND)
            return err;
    }
    r->state = L1_TXMGR_LOST;
    m->stats.lost++;
    SEQ_LOG(SEQ_LOG_WARN, "l1_txmgr_lost", SEQ_F_U64("nonce", nonce),
            SEQ_F_U64("attempts", r->attempt_count));
    /* Someone else signs for this account: sign after their nonces. */
    uint64_t chain = 0;
    seq_err err = l1_rpc_nonce(m->rpc, &chain, &m->from, L1_TAG_PENDING);
    if (err == SEQ_OK && chain > m->next_nonce)
        m->next_nonce = chain;
    return SEQ_OK;
}

/* Sends r's raw bytes. "already known" is success; "nonce too low" resolves
 * who used the nonce; any other failure is recorded in r->last_err. Returns
 * the failure only when it says L1 is unreachable (so a poll stops). */
static seq_err broadcast(l1_txmgr *m, uint64_t nonce, txrec *r, uint64_t head)
{
    seq_hash got;
    seq_err err = l1_rpc_send_raw_tx(m->rpc, &got, r->raw, r->raw_len);
    l1_rpc_kind kind = l1_rpc_last_kind(m->rpc);
    r->last_err = SEQ_OK;
    if (err == SEQ_OK) {
        m->stats.broadcasts++;
        return SEQ_OK;
    }
    if (err == L1_RPC_ERR_REMOTE && kind == L1_RPC_KIND_ALREADY_KNOWN) {
        m->stats.already_known++;
        return SEQ_OK;
    }
    if (err == L1_RPC_ERR_REMOTE && kind == L1_RPC_KIND_NONCE_TOO_LOW) {
        m->stats.nonce_too_low++;
        return resolve_used(m, nonce, r, head);
    }
    m->stats.send_failures++;
    r->last_err = err;
    SEQ_LOG(SEQ_LOG_WARN, "l1_txmgr_send_failed", SEQ_F_U64("nonce", nonce),
            SEQ_F_STR("rpc", l1_rpc_last_error(m->rpc)), SEQ_F_ERR(err));
    return err == SEQ_ERR_UNAVAILABLE || err == SEQ_ERR_TIMEOUT ? err : SEQ_OK;
}

/* Broadcasts r and stores it again if the broadcast changed it. */
static seq_err broadcast_store(l1_txmgr *m, uint64_t nonce, txrec *r, uint64_t head)
{
    l1_txmgr_state state = r->state;
    seq_err last_err = r->last_err;
    uint64_t next_nonce = m->next_nonce;
    seq_err err = broadcast(m, nonce, r, head);
    if (r->state == state && r->last_err == last_err && m->next_nonce == next_nonce)
        return err;
    seq_err stored = store_write(m, nonce, r);
    return stored != SEQ_OK ? stored : err;
}

static seq_err nonce_ensure(l1_txmgr *m)
{
    if (m->nonce_known)
        return SEQ_OK;
    uint64_t nonce = 0;
    seq_err err = l1_rpc_nonce(m->rpc, &nonce, &m->from, L1_TAG_PENDING);
    if (err != SEQ_OK)
        return err;
    m->nonce_known = true;
    m->next_nonce = nonce;
    m->first_open = nonce;
    m->lowest_stored = nonce;
    return SEQ_OK;
}

seq_err l1_txmgr_send(l1_txmgr *m, uint64_t *id, uint64_t now_ms, const seq_addr *to,
                      const uint8_t value[32], const uint8_t *data, size_t data_len,
                      uint64_t gas_limit)
{
    SEQ_ASSERT(m != NULL && id != NULL);
    SEQ_ASSERT(data != NULL || data_len == 0);
    *id = 0;
    if (gas_limit == 0 || data_len > L1_TX_DATA_BYTES_MAX)
        return SEQ_ERR_INVALID_ARG;
    if (m->nonce_known && m->next_nonce - m->first_open >= L1_TXMGR_PENDING_MAX)
        return SEQ_ERR_NO_SPACE;
    seq_err err = nonce_ensure(m);
    uint64_t tip = 0, base_fee = 0;
    if (err == SEQ_OK)
        err = fees_now(m, &tip, &base_fee);
    if (err != SEQ_OK)
        return err;
    l1_tx tx = {.chain_id = m->chain_id,
                .nonce = m->next_nonce,
                .gas_limit = gas_limit,
                .has_to = to != NULL,
                .data = data,
                .data_len = data_len};
    if (to != NULL)
        tx.to = *to;
    if (value != NULL)
        memcpy(tx.value, value, 32);
    txrec r = {.state = L1_TXMGR_PENDING,
               .attempt_count = 1,
               .first_sent_ms = now_ms,
               .last_sent_ms = now_ms};
    fees_first(m, &r.attempts[0], tip, base_fee);
    err = sign_attempt(m, &r.attempts[0], &tx, &r.raw_len);
    if (err != SEQ_OK)
        return err;
    r.raw = m->raw_buf;
    m->next_nonce++;
    err = store_write(m, tx.nonce, &r); /* durable before it leaves */
    if (err != SEQ_OK) {
        m->next_nonce--;
        return err;
    }
    *id = tx.nonce;
    SEQ_LOG(SEQ_LOG_INFO, "l1_txmgr_signed", SEQ_F_U64("nonce", tx.nonce),
            SEQ_F_HEX("hash", r.attempts[0].hash.b, SEQ_HASH_BYTES),
            SEQ_F_U64("tip", r.attempts[0].tip), SEQ_F_U64("fee_cap", r.attempts[0].cap));
    err = broadcast_store(m, tx.nonce, &r, 0);
    /* Stored is queued: an unreachable node is the poll's business. */
    return err == SEQ_ERR_UNAVAILABLE || err == SEQ_ERR_TIMEOUT ? SEQ_OK : err;
}

/* ----------------------------------------------------------------- poll */

/* After resubmit_ms: re-signs with bumped fees (stored first), or, past
 * the fee cap or the attempt limit, sends the same bytes again. */
static seq_err resubmit(l1_txmgr *m, uint64_t nonce, txrec *r, uint64_t now_ms)
{
    uint64_t tip = 0, base_fee = 0;
    seq_err err = fees_now(m, &tip, &base_fee);
    if (err != SEQ_OK)
        return err;
    attempt next = {0};
    const attempt *prev = &r->attempts[r->attempt_count - 1];
    r->last_sent_ms = now_ms;
    if (r->attempt_count == L1_TXMGR_ATTEMPTS_MAX || !fees_bump(m, &next, prev, tip, base_fee)) {
        m->stats.resends++;
        SEQ_LOG(SEQ_LOG_WARN, "l1_txmgr_bump_limit", SEQ_F_U64("nonce", nonce),
                SEQ_F_U64("fee_cap", prev->cap), SEQ_F_U64("attempts", r->attempt_count));
        err = store_write(m, nonce, r);
        return err != SEQ_OK ? err : broadcast_store(m, nonce, r, 0);
    }
    l1_tx_signed old;
    err = l1_tx_decode(&old, r->raw, r->raw_len);
    if (err != SEQ_OK)
        return refuse("a stored transaction does not decode", SEQ_ERR_CORRUPT);
    size_t raw_len = 0;
    err = sign_attempt(m, &next, &old.tx, &raw_len);
    if (err != SEQ_OK)
        return err;
    r->attempts[r->attempt_count++] = next;
    r->raw = m->raw_buf;
    r->raw_len = raw_len;
    err = store_write(m, nonce, r); /* durable before it leaves */
    if (err != SEQ_OK)
        return err;
    m->stats.bumps++;
    SEQ_LOG(SEQ_LOG_INFO, "l1_txmgr_bumped", SEQ_F_U64("nonce", nonce),
            SEQ_F_HEX("hash", next.hash.b, SEQ_HASH_BYTES), SEQ_F_U64("tip", next.tip),
            SEQ_F_U64("fee_cap", next.cap), SEQ_F_U64("attempt", r->attempt_count));
    return broadcast_store(m, nonce, r, 0);
}

/* An included tx: follows its receipt (a reorg may move or drop it) until
 * confirm_depth blocks hold it. */
static seq_err follow_included(l1_txmgr *m, uint64_t nonce, txrec *r, uint64_t head,
                               uint64_t now_ms)
{
    l1_rpc_tx_receipt rc;
    seq_err err = l1_rpc_receipt(m->rpc, &rc, &r->mined_hash);
    if (err == SEQ_ERR_NOT_FOUND) {
        m->stats.reorged++;
        SEQ_LOG(SEQ_LOG_WARN, "l1_txmgr_reorged", SEQ_F_U64("nonce", nonce),
                SEQ_F_U64("block", r->block_number));
        r->state = L1_TXMGR_PENDING;
        r->block_number = 0;
        r->block_hash = (seq_hash){{0}};
        r->mined_hash = (seq_hash){{0}};
        r->last_sent_ms = now_ms;
        err = store_write(m, nonce, r);
        return err != SEQ_OK ? err : broadcast_store(m, nonce, r, head);
    }
    if (err != SEQ_OK)
        return err;
    txrec before = *r;
    if (!seq_hash_equal(&rc.block_hash, &r->block_hash)) {
        /* Re-mined in another block after a reorg: its depth counts anew. */
        m->stats.reorged++;
        SEQ_LOG(SEQ_LOG_WARN, "l1_txmgr_reorged", SEQ_F_U64("nonce", nonce),
                SEQ_F_U64("block", r->block_number), SEQ_F_U64("now_block", rc.block_number));
    }
    mark_included(m, r, &rc, head);
    if (r->state == before.state && r->block_number == before.block_number &&
        seq_hash_equal(&r->block_hash, &before.block_hash))
        return SEQ_OK;
    return store_write(m, nonce, r);
}

static seq_err poll_one(l1_txmgr *m, uint64_t nonce, uint64_t chain_nonce, uint64_t head,
                        uint64_t now_ms)
{
    txrec r;
    seq_err err = store_read(m, &r, m->read_buf, nonce);
    if (err == SEQ_ERR_NOT_FOUND)
        return SEQ_OK; /* a nonce skipped for another signer (see advance_first_open) */
    if (err != SEQ_OK || state_final(r.state))
        return err;
    if (r.state == L1_TXMGR_INCLUDED)
        return follow_included(m, nonce, &r, head, now_ms);
    if (nonce < chain_nonce) {
        err = resolve_used(m, nonce, &r, head);
        return err != SEQ_OK ? err : store_write(m, nonce, &r);
    }
    if (now_ms >= r.last_sent_ms && now_ms - r.last_sent_ms >= m->o.resubmit_ms)
        return resubmit(m, nonce, &r, now_ms);
    if (m->rebroadcast_due)
        return broadcast_store(m, nonce, &r, head);
    return SEQ_OK;
}

/* Moves first_open past final records and past nonce gaps. A nonce below
 * next_nonce without a record is a gap, never a lost write: a record and
 * the nonce after it are committed together. Gaps appear when a lost tx
 * moves next_nonce up to the node's pending count (resolve_used): the
 * nonces in between were used by another signer. */
static seq_err advance_first_open(l1_txmgr *m)
{
    uint64_t first = m->first_open;
    while (m->first_open < m->next_nonce) {
        txrec r;
        seq_err err = store_read(m, &r, m->read_buf, m->first_open);
        if (err != SEQ_OK && err != SEQ_ERR_NOT_FOUND)
            return err;
        if (err == SEQ_OK && !state_final(r.state))
            break;
        m->first_open++;
    }
    return m->first_open == first ? SEQ_OK : store_write(m, 0, NULL);
}

/* Deletes the records of final txs more than final_keep below first_open,
 * at most L1_TXMGR_PRUNE_PER_POLL per call, in one durable commit. Every
 * record below first_open is final, so nothing open is ever deleted. */
static seq_err prune(l1_txmgr *m)
{
    if (m->first_open < m->o.final_keep || m->lowest_stored >= m->first_open - m->o.final_keep)
        return SEQ_OK;
    uint64_t end =
        SEQ_MIN(m->first_open - m->o.final_keep, m->lowest_stored + L1_TXMGR_PRUNE_PER_POLL);
    MDB_txn *txn;
    int rc = mdb_txn_begin(m->env, NULL, 0, &txn);
    if (rc != MDB_SUCCESS)
        return lmdb_failed(rc, "txn_begin");
    for (uint64_t n = m->lowest_stored; n < end && (rc == MDB_SUCCESS || rc == MDB_NOTFOUND); n++) {
        uint8_t key[8];
        put_u64(key, n);
        MDB_val k = val_of(key, sizeof key);
        rc = mdb_del(txn, m->dbi_txs, &k, NULL);
    }
    if (rc != MDB_SUCCESS && rc != MDB_NOTFOUND) {
        mdb_txn_abort(txn);
        return lmdb_failed(rc, "del");
    }
    rc = mdb_txn_commit(txn);
    if (rc != MDB_SUCCESS)
        return lmdb_failed(rc, "commit");
    SEQ_LOG(SEQ_LOG_DEBUG, "l1_txmgr_pruned", SEQ_F_U64("from", m->lowest_stored),
            SEQ_F_U64("to", end));
    m->lowest_stored = end;
    return SEQ_OK;
}

seq_err l1_txmgr_poll(l1_txmgr *m, uint64_t now_ms)
{
    SEQ_ASSERT(m != NULL);
    SEQ_ASSERT(m->first_open <= m->next_nonce);
    if (!m->nonce_known)
        return SEQ_OK;
    if (m->first_open == m->next_nonce)
        return prune(m);
    uint64_t chain_nonce = 0, head = 0;
    seq_err err = l1_rpc_nonce(m->rpc, &chain_nonce, &m->from, L1_TAG_LATEST);
    if (err == SEQ_OK)
        err = l1_rpc_block_number(m->rpc, &head);
    for (uint64_t n = m->first_open; err == SEQ_OK && n < m->next_nonce; n++)
        err = poll_one(m, n, chain_nonce, head, now_ms);
    if (err != SEQ_OK) {
        SEQ_LOG(SEQ_LOG_WARN, "l1_txmgr_poll_failed", SEQ_F_STR("rpc", l1_rpc_last_error(m->rpc)),
                SEQ_F_ERR(err));
        /* The node may come back restarted, without our txs in its pool. */
        if (err == SEQ_ERR_UNAVAILABLE || err == SEQ_ERR_TIMEOUT)
            m->rebroadcast_due = true;
        return err;
    }
    m->rebroadcast_due = false;
    err = advance_first_open(m);
    return err != SEQ_OK ? err : prune(m);
}
