/* store.c — the node's LMDB store: one environment, named databases, one
 * durable write transaction per consensus update, reads that copy out of
 * the map. Record formats are in store_codec.c; the layout, durability
 * rules and error behaviour are documented in node/README.md.
 *
 * LMDB results are translated into seq_err here and nowhere else, and
 * logged once where they happen. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "l1.h"

#define STORE_PATH_BYTES_MAX   4096u
#define STORE_MAP_ALIGN_BYTES  ((uint64_t)64 << 10)
#define STORE_LOCK_FILE        "store.lock"
#define STORE_FILE_MODE        0600
#define STORE_DIR_MODE         0700
#define STORE_FLAGS_NONDURABLE (MDB_NOSYNC | MDB_NOMETASYNC | MDB_MAPASYNC)
#define STORE_FLAGS_ALLOWED    (MDB_WRITEMAP | MDB_NORDAHEAD | MDB_NOMEMINIT | MDB_NOTLS)

/* Conservative encoded sizes for cutting sync answers (protobuf framing
 * of a block, of one tx, of one signature). */
#define SYNC_BLOCK_OVERHEAD_BYTES 512u
#define SYNC_TX_OVERHEAD_BYTES    16u
#define SYNC_SIG_BYTES            100u

static const char meta_key[] = "meta";
static const char safety_key[] = "safety";

static const char *const dbi_names[STORE_DBI_COUNT_] = {
    [STORE_DBI_META] = "meta", [STORE_DBI_SAFETY] = "safety",   [STORE_DBI_BLOCKS] = "blocks",
    [STORE_DBI_QCS] = "qcs",   [STORE_DBI_HEIGHTS] = "heights", [STORE_DBI_EVIDENCE] = "evidence",
    [STORE_DBI_L1] = "l1",     [STORE_DBI_L1_TXS] = "l1_txs",
};

_Static_assert(SYNC_TX_OVERHEAD_BYTES >= sizeof(seq_bytes), "arena bound of a sync answer");
_Static_assert(SYNC_SIG_BYTES >= sizeof(wire_sig), "arena bound of a sync answer");
_Static_assert(SEQ_HASH_BYTES + STORE_HEADER_BYTES + 4u * WIRE_BLOCK_TXS_MAX +
                       WIRE_BLOCK_TX_BYTES_MAX + STORE_RECORD_OVERHEAD_BYTES + 4u ==
                   STORE_RECORD_BYTES_MAX,
               "the largest record is a full block");

/* --------------------------------------------------------------- errors */

static seq_err err_of_mdb(int rc)
{
    switch (rc) {
    case MDB_SUCCESS:
        return SEQ_OK;
    case MDB_NOTFOUND:
        return SEQ_ERR_NOT_FOUND;
    case MDB_KEYEXIST:
        return SEQ_ERR_EXISTS;
    case MDB_MAP_FULL:
    case ENOSPC:
        return SEQ_ERR_NO_SPACE;
    case MDB_TXN_FULL:
    case MDB_BAD_VALSIZE:
        return SEQ_ERR_TOO_LARGE;
    case MDB_CORRUPTED:
    case MDB_PAGE_NOTFOUND:
    case MDB_INVALID:
        return SEQ_ERR_CORRUPT;
    case MDB_VERSION_MISMATCH:
        return SEQ_ERR_BAD_VERSION;
    case MDB_READERS_FULL:
    case MDB_MAP_RESIZED:
    case EAGAIN:
        return SEQ_ERR_UNAVAILABLE;
    case ENOMEM:
        return SEQ_ERR_NO_MEMORY;
    case MDB_PANIC:
    case MDB_DBS_FULL:
    case MDB_BAD_RSLOT:
    case MDB_BAD_TXN:
    case MDB_BAD_DBI:
    case EINVAL:
        return SEQ_ERR_INTERNAL;
    default:
        return SEQ_ERR_IO;
    }
}

/* Translates and logs a failed LMDB call (not MDB_NOTFOUND, which is an
 * answer, not a failure). */
static seq_err lmdb_failed(int rc, const char *op)
{
    seq_err err = err_of_mdb(rc);
    SEQ_LOG(SEQ_LOG_ERROR, "store_lmdb_failed", SEQ_F_STR("op", op),
            SEQ_F_STR("lmdb", mdb_strerror(rc)), SEQ_F_I64("code", rc), SEQ_F_ERR(err));
    return err;
}

static seq_err corrupt(store_dbi dbi, const void *key, size_t key_len, size_t value_len)
{
    SEQ_LOG(SEQ_LOG_ERROR, "store_corrupt", SEQ_F_STR("dbi", dbi_names[dbi]),
            SEQ_F_HEX("key", key, key_len), SEQ_F_U64("bytes", value_len),
            SEQ_F_ERR(SEQ_ERR_CORRUPT));
    return SEQ_ERR_CORRUPT;
}

static seq_err refuse(const char *reason, seq_err err)
{
    SEQ_LOG(SEQ_LOG_ERROR, "store_refused", SEQ_F_STR("reason", reason), SEQ_F_ERR(err));
    return err;
}

/* ---------------------------------------------------------- raw access */

static MDB_val val_of(const void *p, size_t len)
{
    return (MDB_val){.mv_size = len, .mv_data = (void *)p};
}

/* Looks key up; SEQ_ERR_NOT_FOUND (not logged) when absent. *value
 * points into the map until the next write or the end of txn. */
static seq_err get_raw(const store *s, MDB_txn *txn, store_dbi dbi, const void *key, size_t key_len,
                       MDB_val *value)
{
    MDB_val k = val_of(key, key_len);
    int rc = mdb_get(txn, s->dbis[dbi], &k, value);
    if (rc == MDB_NOTFOUND)
        return SEQ_ERR_NOT_FOUND;
    if (rc != MDB_SUCCESS)
        return lmdb_failed(rc, "get");
    return SEQ_OK;
}

/* Puts s->record[0..len) under key. Without overwrite an existing record
 * is kept (and that is success). */
static seq_err put_record(store *s, MDB_txn *txn, store_dbi dbi, const void *key, size_t key_len,
                          size_t len, bool overwrite)
{
    MDB_val k = val_of(key, key_len);
    MDB_val v = val_of(s->record, len);
    int rc = mdb_put(txn, s->dbis[dbi], &k, &v, overwrite ? 0 : MDB_NOOVERWRITE);
    if (rc == MDB_KEYEXIST && !overwrite)
        return SEQ_OK;
    if (rc != MDB_SUCCESS)
        return lmdb_failed(rc, "put");
    return SEQ_OK;
}

static seq_err read_begin(const store *s, MDB_txn **txn)
{
    int rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, txn);
    if (rc != MDB_SUCCESS) {
        *txn = NULL;
        return lmdb_failed(rc, "txn_begin_read");
    }
    return SEQ_OK;
}

/* ---------------------------------------------------- typed record reads */

/* Each works in a read or a write transaction, copies everything it
 * returns out of the map, and logs a corrupt record with its key. */

static seq_err safety_read(const store *s, MDB_txn *txn, cons_safety *out)
{
    MDB_val v;
    seq_err err = get_raw(s, txn, STORE_DBI_SAFETY, safety_key, sizeof safety_key - 1, &v);
    if (err != SEQ_OK)
        return err;
    if (store_safety_decode(out, v.mv_data, v.mv_size) != SEQ_OK)
        return corrupt(STORE_DBI_SAFETY, safety_key, sizeof safety_key - 1, v.mv_size);
    return SEQ_OK;
}

static seq_err block_view_read(const store *s, MDB_txn *txn, store_block_view *out,
                               const seq_hash *hash)
{
    MDB_val v;
    seq_err err = get_raw(s, txn, STORE_DBI_BLOCKS, hash->b, SEQ_HASH_BYTES, &v);
    if (err != SEQ_OK)
        return err;
    if (store_block_view_parse(out, v.mv_data, v.mv_size) != SEQ_OK ||
        !seq_hash_equal(&out->hash, hash)) {
        memset(out, 0, sizeof *out);
        return corrupt(STORE_DBI_BLOCKS, hash->b, SEQ_HASH_BYTES, v.mv_size);
    }
    return SEQ_OK;
}

static seq_err block_read(const store *s, MDB_txn *txn, cons_block *out, seq_arena *arena,
                          const seq_hash *hash)
{
    MDB_val v;
    seq_err err = get_raw(s, txn, STORE_DBI_BLOCKS, hash->b, SEQ_HASH_BYTES, &v);
    if (err != SEQ_OK)
        return err;
    err = store_block_decode(out, arena, v.mv_data, v.mv_size);
    if (err == SEQ_OK && !seq_hash_equal(&out->hash, hash))
        err = SEQ_ERR_CORRUPT;
    if (err == SEQ_ERR_CORRUPT) {
        memset(out, 0, sizeof *out);
        return corrupt(STORE_DBI_BLOCKS, hash->b, SEQ_HASH_BYTES, v.mv_size);
    }
    return err;
}

static seq_err qc_read(const store *s, MDB_txn *txn, wire_qc *out, seq_arena *arena,
                       const seq_hash *hash)
{
    MDB_val v;
    seq_err err = get_raw(s, txn, STORE_DBI_QCS, hash->b, SEQ_HASH_BYTES, &v);
    if (err != SEQ_OK)
        return err;
    err = store_qc_decode(out, arena, v.mv_data, v.mv_size);
    if (err == SEQ_OK && !seq_hash_equal(&out->block_hash, hash))
        err = SEQ_ERR_CORRUPT;
    if (err == SEQ_ERR_CORRUPT) {
        memset(out, 0, sizeof *out);
        return corrupt(STORE_DBI_QCS, hash->b, SEQ_HASH_BYTES, v.mv_size);
    }
    return err;
}

static seq_err hash_at_read(const store *s, MDB_txn *txn, seq_hash *out, uint64_t height)
{
    uint8_t key[8];
    store_u64_be(key, height);
    MDB_val v;
    seq_err err = get_raw(s, txn, STORE_DBI_HEIGHTS, key, sizeof key, &v);
    if (err != SEQ_OK)
        return err;
    uint64_t stored = 0;
    if (store_height_decode(&stored, out, v.mv_data, v.mv_size) != SEQ_OK || stored != height) {
        memset(out, 0, sizeof *out);
        return corrupt(STORE_DBI_HEIGHTS, key, sizeof key, v.mv_size);
    }
    return SEQ_OK;
}

/* The committed tip's height and hash; SEQ_ERR_NOT_FOUND at genesis. */
static seq_err tip_read(const store *s, MDB_txn *txn, uint64_t *height, seq_hash *hash)
{
    *height = 0;
    memset(hash, 0, sizeof *hash);
    MDB_cursor *cursor;
    int rc = mdb_cursor_open(txn, s->dbis[STORE_DBI_HEIGHTS], &cursor);
    if (rc != MDB_SUCCESS)
        return lmdb_failed(rc, "cursor_open");
    MDB_val k, v;
    rc = mdb_cursor_get(cursor, &k, &v, MDB_LAST);
    mdb_cursor_close(cursor);
    if (rc == MDB_NOTFOUND)
        return SEQ_ERR_NOT_FOUND;
    if (rc != MDB_SUCCESS)
        return lmdb_failed(rc, "cursor_get");
    if (k.mv_size != 8)
        return corrupt(STORE_DBI_HEIGHTS, k.mv_data, k.mv_size, v.mv_size);
    *height = store_u64_from_be(k.mv_data);
    seq_err err = hash_at_read(s, txn, hash, *height);
    if (err != SEQ_OK)
        *height = 0;
    return err == SEQ_ERR_NOT_FOUND ? SEQ_ERR_INTERNAL : err;
}

/* Decodes an evidence record and checks it belongs under key. */
static seq_err evidence_read(wire_evidence *out, const MDB_val *key, const MDB_val *value)
{
    uint8_t want[STORE_EVIDENCE_KEY_BYTES];
    if (store_evidence_decode(out, value->mv_data, value->mv_size) == SEQ_OK) {
        store_evidence_key(want, out);
        if (key->mv_size == sizeof want && memcmp(want, key->mv_data, sizeof want) == 0)
            return SEQ_OK;
    }
    memset(out, 0, sizeof *out);
    return corrupt(STORE_DBI_EVIDENCE, key->mv_data, key->mv_size, value->mv_size);
}

/* ----------------------------------------------------------------- open */

/* Checks options and fills in defaults. */
static seq_err options_resolve(store_options *o, const store_options *given)
{
    *o = given != NULL ? *given : (store_options){0};
    if ((o->env_flags & STORE_FLAGS_NONDURABLE) != 0)
        return refuse("non-durable LMDB flags (MDB_NOSYNC, MDB_NOMETASYNC, MDB_MAPASYNC)",
                      SEQ_ERR_UNSUPPORTED);
    if ((o->env_flags & ~(unsigned int)STORE_FLAGS_ALLOWED) != 0)
        return refuse("unknown or unsafe LMDB flags", SEQ_ERR_INVALID_ARG);
    if (o->map_bytes == 0)
        o->map_bytes = STORE_MAP_BYTES_DEFAULT;
    if (o->map_bytes < STORE_MAP_BYTES_MIN || o->map_bytes > STORE_MAP_BYTES_MAX)
        return refuse("map size out of range", SEQ_ERR_INVALID_ARG);
    o->map_bytes =
        (o->map_bytes + STORE_MAP_ALIGN_BYTES - 1) / STORE_MAP_ALIGN_BYTES * STORE_MAP_ALIGN_BYTES;
    return SEQ_OK;
}

/* Creates dir (0700) if missing; an existing one must be a directory. */
static seq_err dir_prepare(const char *dir)
{
    if (mkdir(dir, STORE_DIR_MODE) == 0)
        return SEQ_OK;
    if (errno != EEXIST) {
        SEQ_LOG(SEQ_LOG_ERROR, "store_mkdir_failed", SEQ_F_STR("dir", dir),
                SEQ_F_STR("reason", strerror(errno)), SEQ_F_ERR(SEQ_ERR_IO));
        return SEQ_ERR_IO;
    }
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        SEQ_LOG(SEQ_LOG_ERROR, "store_not_a_directory", SEQ_F_STR("dir", dir),
                SEQ_F_ERR(SEQ_ERR_INVALID_ARG));
        return SEQ_ERR_INVALID_ARG;
    }
    if ((st.st_mode & 077) != 0)
        SEQ_LOG(SEQ_LOG_WARN, "store_dir_permissions", SEQ_F_STR("dir", dir),
                SEQ_F_U64("mode", st.st_mode & 0777), SEQ_F_STR("want", "0700"));
    return SEQ_OK;
}

/* Takes an exclusive lock on dir/store.lock: two stores on one directory,
 * in one process or two, could both sign for the same validator. */
static seq_err lock_take(store *s, const char *dir)
{
    char path[STORE_PATH_BYTES_MAX];
    int n = snprintf(path, sizeof path, "%s/%s", dir, STORE_LOCK_FILE);
    if (n < 0 || (size_t)n >= sizeof path)
        return refuse("directory path too long", SEQ_ERR_INVALID_ARG);
    s->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, STORE_FILE_MODE);
    if (s->lock_fd < 0) {
        SEQ_LOG(SEQ_LOG_ERROR, "store_lock_failed", SEQ_F_STR("path", path),
                SEQ_F_STR("reason", strerror(errno)), SEQ_F_ERR(SEQ_ERR_IO));
        return SEQ_ERR_IO;
    }
    if (flock(s->lock_fd, LOCK_EX | LOCK_NB) != 0) {
        seq_err err = errno == EWOULDBLOCK ? SEQ_ERR_UNAVAILABLE : SEQ_ERR_IO;
        SEQ_LOG(SEQ_LOG_ERROR, "store_in_use", SEQ_F_STR("path", path),
                SEQ_F_STR("reason", strerror(errno)), SEQ_F_ERR(err));
        return err;
    }
    return SEQ_OK;
}

/* Creates and opens one durable LMDB environment in dir (the store's, or
 * the tx index's), and checks the flags LMDB actually runs with. */
static seq_err lmdb_env_open(MDB_env **env, const char *dir, unsigned int dbis,
                             const store_options *o)
{
    int rc = mdb_env_create(env);
    if (rc != MDB_SUCCESS) {
        *env = NULL;
        return lmdb_failed(rc, "env_create");
    }
    rc = mdb_env_set_maxdbs(*env, dbis);
    if (rc == MDB_SUCCESS)
        rc = mdb_env_set_mapsize(*env, (size_t)o->map_bytes);
    if (rc == MDB_SUCCESS)
        rc = mdb_env_open(*env, dir, o->env_flags, STORE_FILE_MODE);
    if (rc != MDB_SUCCESS)
        return lmdb_failed(rc, "env_open");
    /* What LMDB actually runs with is what counts. */
    unsigned int flags = 0;
    rc = mdb_env_get_flags(*env, &flags);
    if (rc != MDB_SUCCESS)
        return lmdb_failed(rc, "env_get_flags");
    if ((flags & STORE_FLAGS_NONDURABLE) != 0)
        return refuse("environment opened with non-durable flags", SEQ_ERR_UNSUPPORTED);
    return SEQ_OK;
}

static seq_err env_open(store *s, const char *dir, const store_options *o)
{
    return lmdb_env_open(&s->env, dir, STORE_DBIS_MAX, o);
}

/* ------------------------------------------------------------- tx index */

/* The tx index lives in an environment of its own (STORE_TX_INDEX_DIR),
 * written by a background thread in batches, so that its random page
 * writes stay out of store_apply's durable commit (node/README.md, "Tx
 * index"). A committed tx is held in the pending table from the end of
 * its store_apply until the indexer's transaction holding it committed;
 * store_get_tx looks there first, then in the index. */

#define INDEX_WATERMARK_KEY "indexed"
#define INDEX_TX_RECORD_MAX 64u
#define PENDING_CAP_MIN     4096u
#define CATCH_UP_TXS_MAX    65536u

static const char *const index_dbi_names[STORE_INDEX_DBI_COUNT_] = {
    [STORE_INDEX_DBI_TXS] = "txs",
    [STORE_INDEX_DBI_META] = "meta",
};

/* One tx of a batch, sorted by hash before the puts (fewer page walks). */
typedef struct {
    seq_hash hash;
    store_tx_location loc;
} index_entry;

static size_t pending_home(const store *s, size_t cap, const seq_hash *hash)
{
    uint8_t out[crypto_shorthash_BYTES];
    crypto_shorthash(out, hash->b, SEQ_HASH_BYTES, s->pending_key);
    uint64_t h;
    memcpy(&h, out, sizeof h);
    return (size_t)h & (cap - 1);
}

/* The slot of hash, or the empty slot where it would go. index_mtx held. */
static size_t pending_find(const store *s, const store_pending_tx *table, size_t cap,
                           const seq_hash *hash)
{
    for (size_t i = pending_home(s, cap, hash);; i = (i + 1) & (cap - 1)) {
        if (table[i].height == 0 || seq_hash_equal(&table[i].hash, hash))
            return i;
    }
}

/* Makes room for `more` inserts at a load of at most 1/2. index_mtx held. */
static seq_err pending_reserve(store *s, size_t more)
{
    size_t need = s->pending_count + more;
    if (need * 2u <= s->pending_cap)
        return SEQ_OK;
    size_t cap = s->pending_cap != 0 ? s->pending_cap : PENDING_CAP_MIN;
    while (need * 2u > cap)
        cap *= 2u;
    store_pending_tx *table = calloc(cap, sizeof *table);
    if (table == NULL)
        return refuse("no memory for the pending tx table", SEQ_ERR_NO_MEMORY);
    for (size_t i = 0; i < s->pending_cap; i++) {
        if (s->pending[i].height != 0)
            table[pending_find(s, table, cap, &s->pending[i].hash)] = s->pending[i];
    }
    free(s->pending);
    s->pending = table;
    s->pending_cap = cap;
    return SEQ_OK;
}

/* Adds a tx; the first location of a hash is kept. Room was reserved. */
static void pending_insert(store *s, const seq_hash *hash, uint64_t height, uint32_t index)
{
    SEQ_ASSERT(height > 0 && (s->pending_count + 1) * 2u <= s->pending_cap);
    store_pending_tx *slot = &s->pending[pending_find(s, s->pending, s->pending_cap, hash)];
    if (slot->height != 0)
        return;
    *slot = (store_pending_tx){.hash = *hash, .height = height, .index = index};
    s->pending_count++;
}

/* Removes a tx if it is held at (height, index) (a repeat of a tx held for
 * an earlier block leaves that one). Backward-shift deletion. */
static void pending_remove(store *s, const seq_hash *hash, uint64_t height, uint32_t index)
{
    size_t cap = s->pending_cap, i = pending_find(s, s->pending, cap, hash);
    if (s->pending[i].height != height || s->pending[i].index != index)
        return;
    s->pending_count--;
    size_t hole = i;
    for (size_t j = (i + 1) & (cap - 1); s->pending[j].height != 0; j = (j + 1) & (cap - 1)) {
        size_t home = pending_home(s, cap, &s->pending[j].hash);
        /* j may move into hole iff home is not cyclically in (hole, j]. */
        bool stays = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
        if (stays)
            continue;
        s->pending[hole] = s->pending[j];
        hole = j;
    }
    s->pending[hole].height = 0;
}

static void pending_block_free(store_pending_block *b)
{
    free(b->tx_hashes);
    memset(b, 0, sizeof *b);
}

/* By hash, then location: of two copies of a tx the first goes in. */
static int index_entry_cmp(const void *pa, const void *pb)
{
    const index_entry *a = pa, *b = pb;
    int c = memcmp(a->hash.b, b->hash.b, SEQ_HASH_BYTES);
    if (c != 0)
        return c;
    if (a->loc.height != b->loc.height)
        return a->loc.height < b->loc.height ? -1 : 1;
    return (a->loc.index > b->loc.index) - (a->loc.index < b->loc.index);
}

static seq_err index_put(store *s, MDB_txn *txn, const index_entry *e)
{
    uint8_t record[INDEX_TX_RECORD_MAX];
    size_t len;
    seq_err err = store_tx_encode(record, sizeof record, &len, &e->loc);
    SEQ_ASSERT(err == SEQ_OK);
    MDB_val k = val_of(e->hash.b, SEQ_HASH_BYTES), v = val_of(record, len);
    int rc = mdb_put(txn, s->index_dbis[STORE_INDEX_DBI_TXS], &k, &v, MDB_NOOVERWRITE);
    if (rc != MDB_SUCCESS && rc != MDB_KEYEXIST) /* the first location is kept */
        return lmdb_failed(rc, "index_put");
    return SEQ_OK;
}

static seq_err watermark_put(store *s, MDB_txn *txn, uint64_t height, const seq_hash *hash)
{
    uint8_t record[INDEX_TX_RECORD_MAX + SEQ_HASH_BYTES];
    size_t len;
    seq_err err = store_height_encode(record, sizeof record, &len, height, hash);
    SEQ_ASSERT(err == SEQ_OK);
    MDB_val k = val_of(INDEX_WATERMARK_KEY, sizeof INDEX_WATERMARK_KEY - 1);
    MDB_val v = val_of(record, len);
    int rc = mdb_put(txn, s->index_dbis[STORE_INDEX_DBI_META], &k, &v, 0);
    return rc == MDB_SUCCESS ? SEQ_OK : lmdb_failed(rc, "index_put");
}

/* Writes the txs of blocks[0..n) (ascending heights) and moves the
 * watermark to the last one, in one durable transaction. Any thread, but
 * one at a time (the indexer, or store_open before it starts). */
static seq_err index_write(store *s, const store_pending_block *blocks, size_t n)
{
    SEQ_ASSERT(n > 0);
    size_t count = 0;
    for (size_t i = 0; i < n; i++)
        count += blocks[i].tx_count;
    index_entry *entries = count > 0 ? malloc(count * sizeof *entries) : NULL;
    if (count > 0 && entries == NULL)
        return SEQ_ERR_NO_MEMORY;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < blocks[i].tx_count; j++)
            entries[k++] = (index_entry){.hash = blocks[i].tx_hashes[j],
                                         .loc = {.height = blocks[i].height, .index = (uint32_t)j}};
    }
    if (count > 1)
        qsort(entries, count, sizeof *entries, index_entry_cmp);
    MDB_txn *txn;
    int rc = mdb_txn_begin(s->index_env, NULL, 0, &txn);
    seq_err err = rc == MDB_SUCCESS ? SEQ_OK : lmdb_failed(rc, "index_txn_begin");
    for (size_t i = 0; i < count && err == SEQ_OK; i++)
        err = index_put(s, txn, &entries[i]);
    if (err == SEQ_OK)
        err = watermark_put(s, txn, blocks[n - 1].height, &blocks[n - 1].hash);
    if (err == SEQ_OK) {
        rc = mdb_txn_commit(txn); /* durable: the environment has no NOSYNC-type flag */
        err = rc == MDB_SUCCESS ? SEQ_OK : lmdb_failed(rc, "index_txn_commit");
    } else if (rc == MDB_SUCCESS) {
        mdb_txn_abort(txn);
    }
    free(entries);
    return err;
}

/* The indexer's work is done: the written blocks leave the queue and their
 * txs the pending table. index_mtx held. */
static void index_done(store *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        store_pending_block *b = &s->queue[s->queue_head];
        for (size_t j = 0; j < b->tx_count; j++)
            pending_remove(s, &b->tx_hashes[j], b->height, (uint32_t)j);
        s->indexed_height = b->height;
        s->queue_txs -= b->tx_count;
        pending_block_free(b);
        s->queue_head = (s->queue_head + 1) % STORE_TX_PENDING_BLOCKS_MAX;
        s->queue_count--;
    }
}

/* Writes one batch: the queued blocks from the head to the ring's end at
 * most (the rest goes next). Called with index_mtx held; releases it
 * around the write. One caller at a time (the indexer thread, or
 * store_tx_index_sync in manual mode): store_apply only appends past what
 * this takes, and only this removes. */
static seq_err index_step(store *s)
{
    size_t n = SEQ_MIN(s->queue_count, STORE_TX_PENDING_BLOCKS_MAX - s->queue_head);
    if (n == 0)
        return SEQ_OK;
    const store_pending_block *blocks = &s->queue[s->queue_head];
    pthread_mutex_unlock(&s->index_mtx);
    seq_err err = index_write(s, blocks, n);
    pthread_mutex_lock(&s->index_mtx);
    if (err == SEQ_OK) {
        index_done(s, n);
        s->index_batches++;
        if (s->index_err != SEQ_OK)
            SEQ_LOG0(SEQ_LOG_INFO, "store_tx_index_recovered");
    } else {
        s->index_failures++;
        if (s->index_err == SEQ_OK)
            SEQ_LOG(SEQ_LOG_ERROR, "store_tx_index_failed", SEQ_F_ERR(err),
                    SEQ_F_U64("pending_txs", s->pending_count),
                    SEQ_F_U64("retry_ms", STORE_TX_INDEX_RETRY_MS));
    }
    s->index_err = err;
    pthread_cond_broadcast(&s->index_cv);
    return err;
}

/* True if the queue is worth a transaction now: it holds txs, or enough
 * empty blocks to move the watermark (an idle committee commits about 10
 * empty blocks per second: no fsync for each), or the store closes.
 * index_mtx held. */
static bool index_due(const store *s)
{
    return s->queue_txs > 0 || s->queue_count >= STORE_TX_INDEX_IDLE_BLOCKS ||
           (s->index_stop && s->queue_count > 0);
}

static uint64_t index_clock_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Waits on index_cv until the monotonic clock passes at_ms (or a wake). */
static void index_wait_until(store *s, uint64_t at_ms)
{
    struct timespec ts = {.tv_sec = (time_t)(at_ms / 1000u),
                          .tv_nsec = (long)(at_ms % 1000u) * 1000000L};
    (void)pthread_cond_timedwait(&s->index_cv, &s->index_mtx, &ts);
}

/* The indexer thread. pthreads, not nng's: a store may be opened in a
 * forked child (nng refuses to run after fork). */
static void *indexer_main(void *arg)
{
    store *s = arg;
    uint64_t last = 0;
    pthread_mutex_lock(&s->index_mtx);
    for (;;) {
        while (!s->index_stop && !index_due(s))
            pthread_cond_wait(&s->index_cv, &s->index_mtx);
        if (s->index_stop && (s->queue_count == 0 || s->index_err != SEQ_OK))
            break;
        /* At most one transaction per STORE_TX_INDEX_BATCH_MS (what
         * arrives meanwhile joins the batch), per STORE_TX_INDEX_RETRY_MS
         * after a failure. */
        uint64_t wait = s->index_err != SEQ_OK ? STORE_TX_INDEX_RETRY_MS : STORE_TX_INDEX_BATCH_MS;
        if (!s->index_stop && index_clock_ms() < last + wait) {
            index_wait_until(s, last + wait);
            continue;
        }
        (void)index_step(s);
        last = index_clock_ms();
    }
    pthread_mutex_unlock(&s->index_mtx);
    return NULL;
}

/* After store_apply committed: the staged blocks join the queue and their
 * txs the pending table (room was reserved before the commit). */
static void staged_publish(store *s)
{
    if (s->staged_count == 0)
        return;
    pthread_mutex_lock(&s->index_mtx);
    SEQ_ASSERT(s->queue_count + s->staged_count <= STORE_TX_PENDING_BLOCKS_MAX);
    for (size_t i = 0; i < s->staged_count; i++) {
        store_pending_block *b = &s->staged[i];
        for (size_t j = 0; j < b->tx_count; j++)
            pending_insert(s, &b->tx_hashes[j], b->height, (uint32_t)j);
        s->queue[(s->queue_head + s->queue_count) % STORE_TX_PENDING_BLOCKS_MAX] = *b;
        s->queue_count++;
        s->queue_txs += b->tx_count;
        memset(b, 0, sizeof *b); /* the queue owns the hashes now */
    }
    s->staged_count = 0;
    s->staged_txs = 0;
    pthread_cond_broadcast(&s->index_cv);
    pthread_mutex_unlock(&s->index_mtx);
}

static void staged_drop(store *s)
{
    for (size_t i = 0; i < s->staged_count; i++)
        pending_block_free(&s->staged[i]);
    s->staged_count = 0;
    s->staged_txs = 0;
}

/* Before store_apply writes anything: waits while the queue has no room
 * for `blocks` more or the pending table holds STORE_TX_PENDING_TXS_MAX
 * txs, as long as the indexer makes progress; the indexer's error (or
 * SEQ_ERR_UNAVAILABLE in manual mode) if it cannot. */
static seq_err index_room(store *s, size_t blocks)
{
    seq_err err = SEQ_OK;
    pthread_mutex_lock(&s->index_mtx);
    while (s->queue_count + blocks > STORE_TX_PENDING_BLOCKS_MAX ||
           (blocks > 0 && s->pending_count >= STORE_TX_PENDING_TXS_MAX)) {
        if (s->index_manual || s->index_err != SEQ_OK) {
            err = s->index_err != SEQ_OK ? s->index_err : SEQ_ERR_UNAVAILABLE;
            break;
        }
        pthread_cond_wait(&s->index_cv, &s->index_mtx);
    }
    pthread_mutex_unlock(&s->index_mtx);
    if (err != SEQ_OK)
        return refuse("the tx index is too far behind", err);
    return SEQ_OK;
}

/* The block's tx hashes into a new array *out (NULL for no txs): from the
 * hashes source if it knows them, else hashed from the view (before any
 * put, which may move the pages the view points into). */
static seq_err block_tx_hashes(const store *s, seq_hash **out, const store_block_view *v)
{
    *out = NULL;
    if (v->tx_count == 0)
        return SEQ_OK;
    seq_hash *h = malloc(v->tx_count * sizeof *h);
    if (h == NULL)
        return refuse("no memory for a block's tx hashes", SEQ_ERR_NO_MEMORY);
    if (s->tx_hashes_fn == NULL || !s->tx_hashes_fn(s->tx_hashes_ctx, h, &v->header, v->tx_count)) {
        store_tx_cursor cursor;
        store_tx_cursor_init(&cursor, v);
        for (size_t i = 0; i < v->tx_count; i++) {
            seq_bytes tx = store_tx_cursor_next(&cursor);
            l1_keccak256(&h[i], tx.ptr, tx.len);
        }
    }
    *out = h;
    return SEQ_OK;
}

/* Stages a committed block for the index: its tx hashes, and room for
 * them in the pending table, so that staged_publish cannot fail after
 * the commit. */
static seq_err stage_block(store *s, const store_block_view *v)
{
    store_pending_block *b = &s->staged[s->staged_count];
    SEQ_ASSERT(s->staged_count < STORE_TX_PENDING_BLOCKS_MAX);
    pthread_mutex_lock(&s->index_mtx);
    seq_err err = pending_reserve(s, s->staged_txs + v->tx_count);
    pthread_mutex_unlock(&s->index_mtx);
    if (err == SEQ_OK)
        err = block_tx_hashes(s, &b->tx_hashes, v);
    if (err != SEQ_OK)
        return err;
    b->height = v->header.height;
    b->hash = v->hash;
    b->tx_count = v->tx_count;
    s->staged_count++;
    s->staged_txs += v->tx_count;
    return SEQ_OK;
}

seq_err store_tx_index_sync(store *s)
{
    SEQ_ASSERT(s != NULL);
    pthread_mutex_lock(&s->index_mtx);
    seq_err err = SEQ_OK;
    while (s->queue_count > 0 && err == SEQ_OK) {
        if (s->index_manual)
            err = index_step(s);
        else if ((err = s->index_err) == SEQ_OK)
            pthread_cond_wait(&s->index_cv, &s->index_mtx);
    }
    pthread_mutex_unlock(&s->index_mtx);
    return err;
}

/* Readers get a const store; the lock is not part of what they read. */
static pthread_mutex_t *index_mtx_of(const store *s)
{
    return (pthread_mutex_t *)&s->index_mtx;
}

void store_get_tx_index_stats(const store *s, store_tx_index_stats *out)
{
    SEQ_ASSERT(s != NULL && out != NULL);
    pthread_mutex_lock(index_mtx_of(s));
    *out = (store_tx_index_stats){.indexed_height = s->indexed_height,
                                  .pending_txs = s->pending_count,
                                  .pending_blocks = s->queue_count,
                                  .batches = s->index_batches,
                                  .failures = s->index_failures};
    pthread_mutex_unlock(index_mtx_of(s));
}

void store_set_tx_hashes(store *s, node_tx_hashes_fn fn, void *ctx)
{
    SEQ_ASSERT(s != NULL);
    s->tx_hashes_fn = fn;
    s->tx_hashes_ctx = ctx;
}

/* Looks hash up in the pending table; SEQ_ERR_NOT_FOUND if absent. */
static seq_err pending_get(const store *s, store_tx_location *out, const seq_hash *hash)
{
    seq_err err = SEQ_ERR_NOT_FOUND;
    pthread_mutex_lock(index_mtx_of(s));
    if (s->pending_count > 0) {
        const store_pending_tx *t = &s->pending[pending_find(s, s->pending, s->pending_cap, hash)];
        if (t->height != 0) {
            *out = (store_tx_location){.height = t->height, .index = t->index};
            err = SEQ_OK;
        }
    }
    pthread_mutex_unlock(index_mtx_of(s));
    return err;
}

/* --------------------------------------------------- tx index: opening */

/* The watermark: the last height whose txs are all in the index; 0 when
 * there is none (or it is corrupt: the index is then rebuilt). */
static seq_err watermark_read(const store *s, MDB_txn *txn, uint64_t *height, seq_hash *hash)
{
    *height = 0;
    memset(hash, 0, sizeof *hash);
    MDB_val k = val_of(INDEX_WATERMARK_KEY, sizeof INDEX_WATERMARK_KEY - 1), v;
    int rc = mdb_get(txn, s->index_dbis[STORE_INDEX_DBI_META], &k, &v);
    if (rc == MDB_NOTFOUND)
        return SEQ_OK;
    if (rc != MDB_SUCCESS)
        return lmdb_failed(rc, "index_get");
    if (store_height_decode(height, hash, v.mv_data, v.mv_size) != SEQ_OK) {
        *height = 0;
        SEQ_LOG(SEQ_LOG_WARN, "store_tx_index_corrupt", SEQ_F_STR("what", "watermark"));
    }
    return SEQ_OK;
}

/* Opens the index environment in dir/STORE_TX_INDEX_DIR, durable only. */
static seq_err index_env_open(store *s, const char *dir, const store_options *o)
{
    char path[STORE_PATH_BYTES_MAX];
    int n = snprintf(path, sizeof path, "%s/%s", dir, STORE_TX_INDEX_DIR);
    if (n < 0 || (size_t)n >= sizeof path)
        return refuse("directory path too long", SEQ_ERR_INVALID_ARG);
    seq_err err = dir_prepare(path);
    if (err != SEQ_OK)
        return err;
    return lmdb_env_open(&s->index_env, path, STORE_INDEX_DBI_COUNT_, o);
}

/* True iff the committed chain holds the block hash at height. */
static bool chain_has(const store *s, uint64_t height, const seq_hash *hash)
{
    MDB_txn *txn;
    seq_hash at;
    if (read_begin(s, &txn) != SEQ_OK)
        return false;
    bool has = hash_at_read(s, txn, &at, height) == SEQ_OK && seq_hash_equal(&at, hash);
    mdb_txn_abort(txn);
    return has;
}

/* Opens the index's databases and finds where indexing resumes: the
 * watermark if the committed chain has that block at that height, else 0
 * with the index emptied (a directory put together from two stores, a
 * corrupt watermark, a fresh or migrated store). */
static seq_err index_resume_point(store *s, uint64_t *from)
{
    *from = 0;
    MDB_txn *txn;
    int rc = mdb_txn_begin(s->index_env, NULL, 0, &txn);
    if (rc != MDB_SUCCESS)
        return lmdb_failed(rc, "index_txn_begin");
    seq_err err = SEQ_OK;
    for (size_t i = 0; i < STORE_INDEX_DBI_COUNT_ && err == SEQ_OK; i++) {
        rc = mdb_dbi_open(txn, index_dbi_names[i], MDB_CREATE, &s->index_dbis[i]);
        if (rc != MDB_SUCCESS)
            err = lmdb_failed(rc, "index_dbi_open");
    }
    uint64_t height = 0;
    seq_hash hash;
    if (err == SEQ_OK)
        err = watermark_read(s, txn, &height, &hash);
    if (err == SEQ_OK && height > 0 && !chain_has(s, height, &hash)) {
        SEQ_LOG(SEQ_LOG_WARN, "store_tx_index_mismatch", SEQ_F_U64("watermark", height),
                SEQ_F_STR("action", "rebuilding the tx index"));
        height = 0;
    }
    if (err == SEQ_OK && height == 0) {
        rc = mdb_drop(txn, s->index_dbis[STORE_INDEX_DBI_TXS], 0);
        if (rc == MDB_SUCCESS)
            rc = mdb_drop(txn, s->index_dbis[STORE_INDEX_DBI_META], 0);
        if (rc != MDB_SUCCESS)
            err = lmdb_failed(rc, "index_drop");
    }
    if (err != SEQ_OK) {
        mdb_txn_abort(txn);
        return err;
    }
    rc = mdb_txn_commit(txn);
    if (rc != MDB_SUCCESS)
        return lmdb_failed(rc, "index_txn_commit");
    *from = height;
    return SEQ_OK;
}

/* Reads the committed blocks above height into s->staged (tx hashes
 * computed) until CATCH_UP_TXS_MAX txs, the queue's size or tip. */
static seq_err catch_up_read(store *s, uint64_t height, uint64_t tip)
{
    MDB_txn *txn;
    seq_err err = read_begin(s, &txn);
    if (err != SEQ_OK)
        return err;
    for (uint64_t h = height + 1; h <= tip && s->staged_txs < CATCH_UP_TXS_MAX &&
                                  s->staged_count < STORE_TX_PENDING_BLOCKS_MAX;
         h++) {
        seq_hash hash;
        store_block_view v;
        err = hash_at_read(s, txn, &hash, h);
        if (err == SEQ_OK)
            err = block_view_read(s, txn, &v, &hash);
        if (err == SEQ_OK && v.header.height != h)
            err = corrupt(STORE_DBI_BLOCKS, hash.b, SEQ_HASH_BYTES, 0);
        if (err == SEQ_OK)
            err = stage_block(s, &v);
        if (err != SEQ_OK)
            break;
    }
    mdb_txn_abort(txn);
    return err;
}

/* Indexes every committed block above the watermark before the store is
 * used: after a crash, what the indexer had not written yet. */
static seq_err index_catch_up(store *s)
{
    uint64_t from, tip = 0;
    seq_hash tip_hash;
    seq_err err = index_resume_point(s, &from);
    MDB_txn *txn;
    if (err == SEQ_OK)
        err = read_begin(s, &txn);
    if (err != SEQ_OK)
        return err;
    err = tip_read(s, txn, &tip, &tip_hash);
    mdb_txn_abort(txn);
    if (err == SEQ_ERR_NOT_FOUND)
        err = SEQ_OK;
    uint64_t height = from;
    while (err == SEQ_OK && height < tip) {
        err = catch_up_read(s, height, tip);
        if (err == SEQ_OK)
            err = index_write(s, s->staged, s->staged_count);
        if (err == SEQ_OK)
            height = s->staged[s->staged_count - 1].height;
        staged_drop(s);
    }
    if (err == SEQ_OK && tip > from)
        SEQ_LOG(SEQ_LOG_INFO, "store_tx_index_caught_up", SEQ_F_U64("from", from),
                SEQ_F_U64("to", tip));
    s->indexed_height = height;
    return err;
}

/* Opens the index, catches it up and starts the indexer. */
static seq_err index_open(store *s, const char *dir, const store_options *o)
{
    s->index_manual = o->tx_index_manual;
    randombytes_buf(s->pending_key, sizeof s->pending_key);
    pthread_condattr_t attr;
    bool cv_ok = pthread_condattr_init(&attr) == 0;
    cv_ok = cv_ok && pthread_condattr_setclock(&attr, CLOCK_MONOTONIC) == 0 &&
            pthread_cond_init(&s->index_cv, &attr) == 0;
    (void)pthread_condattr_destroy(&attr);
    if (!cv_ok || pthread_mutex_init(&s->index_mtx, NULL) != 0) {
        if (cv_ok)
            (void)pthread_cond_destroy(&s->index_cv);
        return refuse("cannot create the tx index's lock", SEQ_ERR_INTERNAL);
    }
    s->index_sync_ok = true;
    seq_err err = index_env_open(s, dir, o);
    if (err == SEQ_OK)
        err = index_catch_up(s);
    if (err == SEQ_OK && !s->index_manual) {
        if (pthread_create(&s->indexer, NULL, indexer_main, s) != 0)
            err = refuse("cannot start the tx indexer", SEQ_ERR_INTERNAL);
        else
            s->indexer_running = true;
    }
    return err;
}

/* Stops the indexer once it wrote what waits (unless it is failing: the
 * next store_open catches up), then frees the index's parts. */
static void index_close(store *s)
{
    if (s->indexer_running) {
        pthread_mutex_lock(&s->index_mtx);
        s->index_stop = true;
        pthread_cond_broadcast(&s->index_cv);
        pthread_mutex_unlock(&s->index_mtx);
        (void)pthread_join(s->indexer, NULL);
        s->indexer_running = false;
    }
    if (s->index_env != NULL)
        mdb_env_close(s->index_env);
    for (size_t i = 0; s->queue != NULL && i < s->queue_count; i++)
        pending_block_free(&s->queue[(s->queue_head + i) % STORE_TX_PENDING_BLOCKS_MAX]);
    if (s->staged != NULL)
        staged_drop(s);
    free(s->pending);
    free(s->queue);
    free(s->staged);
    if (s->index_sync_ok) {
        (void)pthread_cond_destroy(&s->index_cv);
        (void)pthread_mutex_destroy(&s->index_mtx);
    }
}

/* True iff every data database is empty (a store without meta must be). */
static seq_err data_empty(const store *s, MDB_txn *txn, bool *empty)
{
    *empty = true;
    for (size_t i = 0; i < STORE_DBI_COUNT_; i++) {
        MDB_stat st;
        int rc = mdb_stat(txn, s->dbis[i], &st);
        if (rc != MDB_SUCCESS)
            return lmdb_failed(rc, "stat");
        if (st.ms_entries > 0)
            *empty = false;
    }
    return SEQ_OK;
}

static uint64_t wall_clock_ms(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
        return 0;
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static seq_err meta_create(store *s, MDB_txn *txn, const seq_hash *genesis_hash)
{
    bool empty;
    seq_err err = data_empty(s, txn, &empty);
    if (err != SEQ_OK)
        return err;
    if (!empty)
        return corrupt(STORE_DBI_META, meta_key, sizeof meta_key - 1, 0);
    store_meta meta = {.schema_version = STORE_SCHEMA_VERSION,
                       .genesis_hash = *genesis_hash,
                       .created_at_ms = wall_clock_ms()};
    size_t len;
    err = store_meta_encode(s->record, STORE_RECORD_BYTES_MAX, &len, &meta);
    SEQ_ASSERT(err == SEQ_OK);
    err = put_record(s, txn, STORE_DBI_META, meta_key, sizeof meta_key - 1, len, false);
    if (err == SEQ_OK)
        SEQ_LOG(SEQ_LOG_INFO, "store_created", SEQ_F_U64("schema", STORE_SCHEMA_VERSION),
                SEQ_F_HEX("genesis", genesis_hash->b, SEQ_HASH_BYTES));
    return err;
}

/* Schema 1 -> 2: the tx index moved to its own environment. The old
 * database is deleted and the meta record rewritten in schema_prepare's
 * transaction; the new index is built by index_open (from height 1). */
static seq_err schema_migrate(store *s, MDB_txn *txn, store_meta *meta)
{
    MDB_dbi old;
    int rc = mdb_dbi_open(txn, "txs", 0, &old);
    if (rc == MDB_SUCCESS)
        rc = mdb_drop(txn, old, 1);
    if (rc != MDB_SUCCESS && rc != MDB_NOTFOUND)
        return lmdb_failed(rc, "migrate_drop");
    meta->schema_version = STORE_SCHEMA_VERSION;
    size_t len;
    seq_err err = store_meta_encode(s->record, STORE_RECORD_BYTES_MAX, &len, meta);
    SEQ_ASSERT(err == SEQ_OK);
    err = put_record(s, txn, STORE_DBI_META, meta_key, sizeof meta_key - 1, len, true);
    if (err == SEQ_OK)
        SEQ_LOG(SEQ_LOG_INFO, "store_migrated",
                SEQ_F_U64("from", STORE_SCHEMA_VERSION_INLINE_TX_INDEX),
                SEQ_F_U64("to", STORE_SCHEMA_VERSION));
    return err;
}

static seq_err meta_check(store *s, MDB_txn *txn, const seq_hash *genesis_hash)
{
    MDB_val v;
    seq_err err = get_raw(s, txn, STORE_DBI_META, meta_key, sizeof meta_key - 1, &v);
    if (err != SEQ_OK)
        return err;
    store_meta meta;
    if (store_meta_decode(&meta, v.mv_data, v.mv_size) != SEQ_OK)
        return corrupt(STORE_DBI_META, meta_key, sizeof meta_key - 1, v.mv_size);
    if (meta.schema_version == STORE_SCHEMA_VERSION_INLINE_TX_INDEX &&
        seq_hash_equal(&meta.genesis_hash, genesis_hash)) {
        err = schema_migrate(s, txn, &meta);
        if (err != SEQ_OK)
            return err;
    }
    if (meta.schema_version != STORE_SCHEMA_VERSION) {
        SEQ_LOG(SEQ_LOG_ERROR, "store_schema_unknown", SEQ_F_U64("found", meta.schema_version),
                SEQ_F_U64("supported", STORE_SCHEMA_VERSION), SEQ_F_ERR(SEQ_ERR_BAD_VERSION));
        return SEQ_ERR_BAD_VERSION;
    }
    if (!seq_hash_equal(&meta.genesis_hash, genesis_hash)) {
        SEQ_LOG(SEQ_LOG_ERROR, "store_genesis_mismatch",
                SEQ_F_HEX("stored", meta.genesis_hash.b, SEQ_HASH_BYTES),
                SEQ_F_HEX("expected", genesis_hash->b, SEQ_HASH_BYTES),
                SEQ_F_STR("hint", "the directory belongs to another network"),
                SEQ_F_ERR(SEQ_ERR_EXISTS));
        return SEQ_ERR_EXISTS;
    }
    return SEQ_OK;
}

/* Opens every database and checks (or, for a new store, writes) the meta
 * record, in one transaction. */
static seq_err schema_prepare(store *s, const seq_hash *genesis_hash)
{
    MDB_txn *txn;
    int rc = mdb_txn_begin(s->env, NULL, 0, &txn);
    if (rc != MDB_SUCCESS)
        return lmdb_failed(rc, "txn_begin");
    seq_err err = SEQ_OK;
    for (size_t i = 0; i < STORE_DBI_COUNT_; i++) {
        rc = mdb_dbi_open(txn, dbi_names[i], MDB_CREATE, &s->dbis[i]);
        if (rc != MDB_SUCCESS) {
            err = lmdb_failed(rc, "dbi_open");
            goto abort_txn;
        }
    }
    err = meta_check(s, txn, genesis_hash);
    if (err == SEQ_ERR_NOT_FOUND)
        err = meta_create(s, txn, genesis_hash);
    if (err != SEQ_OK)
        goto abort_txn;
    rc = mdb_txn_commit(txn);
    if (rc != MDB_SUCCESS)
        return lmdb_failed(rc, "txn_commit");
    return SEQ_OK;

abort_txn:
    mdb_txn_abort(txn);
    return err;
}

seq_err store_open(store **out, const char *dir, const seq_hash *genesis_hash,
                   const store_options *options)
{
    SEQ_ASSERT(out != NULL);
    SEQ_ASSERT(dir != NULL && genesis_hash != NULL);
    *out = NULL;
    store_options o;
    seq_err err = options_resolve(&o, options);
    if (err != SEQ_OK)
        return err;
    if (sodium_init() < 0)
        return refuse("libsodium failed to initialise", SEQ_ERR_INTERNAL);
    err = dir_prepare(dir);
    if (err != SEQ_OK)
        return err;
    store *s = calloc(1, sizeof *s);
    if (s == NULL)
        return SEQ_ERR_NO_MEMORY;
    s->lock_fd = -1;
    s->tip_mtx_ok = pthread_mutex_init(&s->tip_mtx, NULL) == 0;
    err = SEQ_ERR_NO_MEMORY;
    s->record = malloc(STORE_RECORD_BYTES_MAX);
    s->staged = calloc(STORE_TX_PENDING_BLOCKS_MAX, sizeof *s->staged);
    s->queue = calloc(STORE_TX_PENDING_BLOCKS_MAX, sizeof *s->queue);
    if (!s->tip_mtx_ok || s->record == NULL || s->staged == NULL || s->queue == NULL)
        goto close_store;
    err = lock_take(s, dir);
    if (err == SEQ_OK)
        err = env_open(s, dir, &o);
    if (err == SEQ_OK)
        err = schema_prepare(s, genesis_hash);
    if (err == SEQ_OK)
        err = index_open(s, dir, &o);
    if (err != SEQ_OK)
        goto close_store;
    SEQ_LOG(SEQ_LOG_INFO, "store_opened", SEQ_F_STR("dir", dir),
            SEQ_F_U64("map_bytes", o.map_bytes));
    *out = s;
    return SEQ_OK;

close_store:
    store_close(s);
    return err;
}

void store_close(store *s)
{
    if (s == NULL)
        return;
    index_close(s);
    if (s->env != NULL)
        mdb_env_close(s->env);
    if (s->lock_fd >= 0)
        close(s->lock_fd); /* releases the flock */
    if (s->tip_mtx_ok)
        (void)pthread_mutex_destroy(&s->tip_mtx);
    free(s->record);
    free(s);
}

/* ---------------------------------------------------------------- apply */

/* The safety state only grows; a copy going backwards is a driver bug
 * that could make the replica sign twice after a restart. */
static seq_err apply_safety(store *s, MDB_txn *txn, const cons_safety *safety)
{
    cons_safety *old = &s->safety_stored;
    seq_err err = safety_read(s, txn, old);
    if (err == SEQ_OK &&
        (safety->view_voted < old->view_voted || safety->view_timeout < old->view_timeout ||
         safety->high_qc.view < old->high_qc.view)) {
        SEQ_LOG(
            SEQ_LOG_ERROR, "store_safety_backwards", SEQ_F_U64("view_voted", safety->view_voted),
            SEQ_F_U64("stored_view_voted", old->view_voted),
            SEQ_F_U64("view_timeout", safety->view_timeout),
            SEQ_F_U64("stored_view_timeout", old->view_timeout), SEQ_F_ERR(SEQ_ERR_INVALID_ARG));
        return SEQ_ERR_INVALID_ARG;
    }
    if (err != SEQ_OK && err != SEQ_ERR_NOT_FOUND)
        return err;
    size_t len;
    err = store_safety_encode(s->record, STORE_RECORD_BYTES_MAX, &len, safety);
    if (err != SEQ_OK)
        return refuse("safety state breaks a record cap", err);
    return put_record(s, txn, STORE_DBI_SAFETY, safety_key, sizeof safety_key - 1, len, true);
}

static seq_err apply_blocks(store *s, MDB_txn *txn, const cons_update *u)
{
    for (size_t i = 0; i < u->block_count; i++) {
        const cons_block *b = &u->blocks[i];
        size_t len;
        seq_err err = store_block_encode(s->record, STORE_RECORD_BYTES_MAX, &len, b);
        if (err != SEQ_OK)
            return refuse("block breaks a record cap", err);
        err = put_record(s, txn, STORE_DBI_BLOCKS, b->hash.b, SEQ_HASH_BYTES, len, false);
        if (err != SEQ_OK)
            return err;
    }
    return SEQ_OK;
}

static seq_err apply_qcs(store *s, MDB_txn *txn, const cons_update *u)
{
    for (size_t i = 0; i < u->qc_count; i++) {
        const wire_qc *qc = &u->qcs[i];
        size_t len;
        seq_err err = store_qc_encode(s->record, STORE_RECORD_BYTES_MAX, &len, qc);
        if (err != SEQ_OK)
            return refuse("QC breaks a record cap", err);
        err = put_record(s, txn, STORE_DBI_QCS, qc->block_hash.b, SEQ_HASH_BYTES, len, false);
        if (err != SEQ_OK)
            return err;
    }
    return SEQ_OK;
}

/* Where a commit stands against the committed tip: the next block (its
 * parent is the tip), an exact repeat of a committed one, or refused. */
static seq_err commit_place(const store *s, MDB_txn *txn, bool *repeat, uint64_t tip,
                            const seq_hash *tip_hash, const cons_block *c)
{
    const seq_block_header *h = &c->block.header;
    *repeat = false;
    if (h->height >= 1 && h->height <= tip) {
        seq_hash at;
        seq_err err = hash_at_read(s, txn, &at, h->height);
        if (err != SEQ_OK)
            return err == SEQ_ERR_NOT_FOUND ? SEQ_ERR_INTERNAL : err;
        *repeat = seq_hash_equal(&at, &c->hash);
        if (*repeat)
            return SEQ_OK;
    } else if (h->height == tip + 1 && (tip == 0 || seq_hash_equal(&h->parent_hash, tip_hash))) {
        return SEQ_OK;
    }
    SEQ_LOG(SEQ_LOG_ERROR, "store_commit_refused", SEQ_F_U64("height", h->height),
            SEQ_F_HEX("hash", c->hash.b, SEQ_HASH_BYTES), SEQ_F_U64("tip", tip),
            SEQ_F_STR("reason", "not the next block of the committed chain"),
            SEQ_F_ERR(SEQ_ERR_INVALID_ARG));
    return SEQ_ERR_INVALID_ARG;
}

static seq_err commit_one(store *s, MDB_txn *txn, uint64_t *tip, seq_hash *tip_hash,
                          const cons_block *c)
{
    bool repeat;
    seq_err err = commit_place(s, txn, &repeat, *tip, tip_hash, c);
    if (err != SEQ_OK || repeat)
        return err;
    store_block_view v;
    err = block_view_read(s, txn, &v, &c->hash);
    if (err == SEQ_ERR_NOT_FOUND || (err == SEQ_OK && v.header.height != c->block.header.height))
        return refuse("committed block not stored", SEQ_ERR_INVALID_ARG);
    if (err != SEQ_OK)
        return err;
    err = stage_block(s, &v); /* hashed before the put below moves pages */
    if (err != SEQ_OK)
        return err;
    uint8_t key[8];
    store_u64_be(key, v.header.height);
    size_t len;
    err = store_height_encode(s->record, STORE_RECORD_BYTES_MAX, &len, v.header.height, &c->hash);
    SEQ_ASSERT(err == SEQ_OK);
    err = put_record(s, txn, STORE_DBI_HEIGHTS, key, sizeof key, len, false);
    if (err != SEQ_OK)
        return err;
    *tip = v.header.height;
    *tip_hash = c->hash;
    s->tip_next = (store_tip){.height = v.header.height, .hash = c->hash, .header = v.header};
    s->tip_placed = true;
    return SEQ_OK;
}

static seq_err apply_commits(store *s, MDB_txn *txn, const cons_update *u)
{
    if (u->commit_count == 0)
        return SEQ_OK;
    uint64_t tip;
    seq_hash tip_hash;
    seq_err err = tip_read(s, txn, &tip, &tip_hash);
    if (err != SEQ_OK && err != SEQ_ERR_NOT_FOUND)
        return err;
    for (size_t i = 0; i < u->commit_count; i++) {
        err = commit_one(s, txn, &tip, &tip_hash, &u->commits[i]);
        if (err != SEQ_OK)
            return err;
    }
    return SEQ_OK;
}

/* True iff fewer than STORE_EVIDENCE_PER_SIGNER_MAX records of key's kind
 * and signer are stored: a validator that double-signs in every view
 * fills no disk, and one record is all L1 needs. */
static seq_err evidence_room(store *s, MDB_txn *txn, bool *room,
                             const uint8_t key[STORE_EVIDENCE_KEY_BYTES])
{
    const size_t prefix = 1u + SEQ_ADDR_BYTES;
    uint8_t from[STORE_EVIDENCE_KEY_BYTES];
    memcpy(from, key, prefix);
    memset(from + prefix, 0, STORE_EVIDENCE_KEY_BYTES - prefix);
    MDB_cursor *cursor;
    int rc = mdb_cursor_open(txn, s->dbis[STORE_DBI_EVIDENCE], &cursor);
    if (rc != MDB_SUCCESS)
        return lmdb_failed(rc, "cursor_open");
    MDB_val k = val_of(from, sizeof from), v;
    size_t count = 0;
    rc = mdb_cursor_get(cursor, &k, &v, MDB_SET_RANGE);
    while (rc == MDB_SUCCESS && count < STORE_EVIDENCE_PER_SIGNER_MAX && k.mv_size >= prefix &&
           memcmp(k.mv_data, key, prefix) == 0) {
        count++;
        rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT);
    }
    mdb_cursor_close(cursor);
    if (rc != MDB_SUCCESS && rc != MDB_NOTFOUND)
        return lmdb_failed(rc, "cursor_get");
    *room = count < STORE_EVIDENCE_PER_SIGNER_MAX;
    return SEQ_OK;
}

/* Stores e unless its key is taken (SEQ_ERR_EXISTS) or its signer's cap
 * is reached (SEQ_ERR_TOO_LARGE); SEQ_ERR_INVALID_ARG if e is not two
 * conflicting statements. */
static seq_err evidence_put(store *s, MDB_txn *txn, const wire_evidence *e)
{
    size_t len;
    seq_err err = store_evidence_encode(s->record, STORE_RECORD_BYTES_MAX, &len, e);
    if (err != SEQ_OK)
        return refuse("evidence is not two conflicting statements", SEQ_ERR_INVALID_ARG);
    uint8_t key[STORE_EVIDENCE_KEY_BYTES];
    store_evidence_key(key, e);
    MDB_val k = val_of(key, sizeof key), v;
    int rc = mdb_get(txn, s->dbis[STORE_DBI_EVIDENCE], &k, &v);
    if (rc == MDB_SUCCESS)
        return SEQ_ERR_EXISTS;
    if (rc != MDB_NOTFOUND)
        return lmdb_failed(rc, "get");
    bool room = false;
    if ((err = evidence_room(s, txn, &room, key)) != SEQ_OK)
        return err;
    if (!room)
        return SEQ_ERR_TOO_LARGE;
    return put_record(s, txn, STORE_DBI_EVIDENCE, key, sizeof key, len, false);
}

static seq_err apply_evidence(store *s, MDB_txn *txn, const cons_update *u)
{
    for (size_t i = 0; i < u->evidence_count; i++) {
        seq_err err = evidence_put(s, txn, &u->evidence[i]);
        if (err != SEQ_OK && err != SEQ_ERR_EXISTS && err != SEQ_ERR_TOO_LARGE)
            return err;
    }
    return SEQ_OK;
}

seq_err store_put_evidence(store *s, const wire_evidence *evidence)
{
    SEQ_ASSERT(s != NULL && evidence != NULL);
    MDB_txn *txn;
    int rc = mdb_txn_begin(s->env, NULL, 0, &txn);
    if (rc != MDB_SUCCESS)
        return lmdb_failed(rc, "txn_begin");
    seq_err err = evidence_put(s, txn, evidence); /* s->record: under the write lock */
    if (err != SEQ_OK) {
        mdb_txn_abort(txn);
        return err;
    }
    rc = mdb_txn_commit(txn);
    return rc == MDB_SUCCESS ? SEQ_OK : lmdb_failed(rc, "txn_commit");
}

/* The tip store_apply just committed, or one read from the store; a tip
 * read is kept only while none is known, so it never overwrites a later
 * one a commit set meanwhile. */
static void tip_keep(store *s, const store_tip *tip, store_tip_state state, bool from_read)
{
    pthread_mutex_lock(&s->tip_mtx);
    if (!from_read || s->tip_state == STORE_TIP_UNREAD) {
        s->tip_state = state;
        s->tip = *tip;
    }
    pthread_mutex_unlock(&s->tip_mtx);
}

static bool update_persists_nothing(const cons_update *u)
{
    return u->safety == NULL && u->block_count == 0 && u->qc_count == 0 && u->commit_count == 0 &&
           u->evidence_count == 0;
}

seq_err store_apply(store *s, const cons_update *u)
{
    SEQ_ASSERT(s != NULL && u != NULL);
    SEQ_ASSERT(u->blocks != NULL || u->block_count == 0);
    if (update_persists_nothing(u))
        return SEQ_OK;
    if (u->commit_count > STORE_TX_PENDING_BLOCKS_MAX)
        return refuse("more commits in one update than the tx index can hold", SEQ_ERR_INVALID_ARG);
    seq_err err = index_room(s, u->commit_count);
    if (err != SEQ_OK)
        return err;
    MDB_txn *txn;
    int rc = mdb_txn_begin(s->env, NULL, 0, &txn);
    if (rc != MDB_SUCCESS)
        return lmdb_failed(rc, "txn_begin");
    s->tip_placed = false;
    err = u->safety != NULL ? apply_safety(s, txn, u->safety) : SEQ_OK;
    if (err == SEQ_OK)
        err = apply_blocks(s, txn, u);
    if (err == SEQ_OK)
        err = apply_qcs(s, txn, u);
    if (err == SEQ_OK)
        err = apply_commits(s, txn, u);
    if (err == SEQ_OK)
        err = apply_evidence(s, txn, u);
    if (err != SEQ_OK)
        goto abort_txn;
    /* Durable on return: the environment has no NOSYNC-type flag (checked
     * at open), so this commit fsyncs data and meta page. */
    rc = mdb_txn_commit(txn);
    if (rc != MDB_SUCCESS) {
        staged_drop(s);
        return lmdb_failed(rc, "txn_commit");
    }
    staged_publish(s); /* store_get_tx finds the txs from here on */
    if (s->tip_placed)
        tip_keep(s, &s->tip_next, STORE_TIP_KNOWN, false);
    return SEQ_OK;

abort_txn:
    mdb_txn_abort(txn);
    staged_drop(s);
    return err;
}

/* ---------------------------------------------------------------- reads */

seq_err store_get_meta(const store *s, store_meta *out)
{
    SEQ_ASSERT(s != NULL && out != NULL);
    memset(out, 0, sizeof *out);
    MDB_txn *txn;
    seq_err err = read_begin(s, &txn);
    if (err != SEQ_OK)
        return err;
    MDB_val v;
    err = get_raw(s, txn, STORE_DBI_META, meta_key, sizeof meta_key - 1, &v);
    if (err == SEQ_OK && store_meta_decode(out, v.mv_data, v.mv_size) != SEQ_OK)
        err = corrupt(STORE_DBI_META, meta_key, sizeof meta_key - 1, v.mv_size);
    mdb_txn_abort(txn);
    if (err != SEQ_OK)
        memset(out, 0, sizeof *out);
    return err;
}

seq_err store_get_safety(const store *s, cons_safety *out)
{
    SEQ_ASSERT(s != NULL && out != NULL);
    memset(out, 0, sizeof *out);
    MDB_txn *txn;
    seq_err err = read_begin(s, &txn);
    if (err != SEQ_OK)
        return err;
    err = safety_read(s, txn, out);
    mdb_txn_abort(txn);
    if (err != SEQ_OK)
        memset(out, 0, sizeof *out);
    return err;
}

seq_err store_get_tip(const store *s, store_tip *out)
{
    SEQ_ASSERT(s != NULL && out != NULL);
    memset(out, 0, sizeof *out);
    store *w = (store *)s; /* the cache is not the store's content */
    pthread_mutex_lock(&w->tip_mtx);
    store_tip_state state = s->tip_state;
    if (state == STORE_TIP_KNOWN)
        *out = s->tip;
    pthread_mutex_unlock(&w->tip_mtx);
    if (state != STORE_TIP_UNREAD)
        return state == STORE_TIP_KNOWN ? SEQ_OK : SEQ_ERR_NOT_FOUND;
    MDB_txn *txn;
    seq_err err = read_begin(s, &txn);
    if (err != SEQ_OK)
        return err;
    err = tip_read(s, txn, &out->height, &out->hash);
    store_block_view v;
    if (err == SEQ_OK)
        err = block_view_read(s, txn, &v, &out->hash);
    if (err == SEQ_OK && v.header.height != out->height)
        err = corrupt(STORE_DBI_BLOCKS, out->hash.b, SEQ_HASH_BYTES, 0);
    if (err == SEQ_OK)
        out->header = v.header;
    mdb_txn_abort(txn);
    if (err == SEQ_OK || err == SEQ_ERR_NOT_FOUND)
        tip_keep(w, out, err == SEQ_OK ? STORE_TIP_KNOWN : STORE_TIP_NONE, true);
    if (err != SEQ_OK)
        memset(out, 0, sizeof *out);
    return err;
}

seq_err store_get_block(const store *s, cons_block *out, seq_arena *arena, const seq_hash *hash)
{
    SEQ_ASSERT(s != NULL && out != NULL);
    SEQ_ASSERT(arena != NULL && hash != NULL);
    memset(out, 0, sizeof *out);
    MDB_txn *txn;
    seq_err err = read_begin(s, &txn);
    if (err != SEQ_OK)
        return err;
    err = block_read(s, txn, out, arena, hash);
    mdb_txn_abort(txn);
    if (err != SEQ_OK)
        memset(out, 0, sizeof *out);
    return err;
}

seq_err store_get_qc(const store *s, wire_qc *out, seq_arena *arena, const seq_hash *block_hash)
{
    SEQ_ASSERT(s != NULL && out != NULL);
    SEQ_ASSERT(arena != NULL && block_hash != NULL);
    memset(out, 0, sizeof *out);
    MDB_txn *txn;
    seq_err err = read_begin(s, &txn);
    if (err != SEQ_OK)
        return err;
    err = qc_read(s, txn, out, arena, block_hash);
    mdb_txn_abort(txn);
    if (err != SEQ_OK)
        memset(out, 0, sizeof *out);
    return err;
}

seq_err store_get_hash_at(const store *s, seq_hash *out, uint64_t height)
{
    SEQ_ASSERT(s != NULL && out != NULL);
    memset(out, 0, sizeof *out);
    MDB_txn *txn;
    seq_err err = read_begin(s, &txn);
    if (err != SEQ_OK)
        return err;
    err = hash_at_read(s, txn, out, height);
    mdb_txn_abort(txn);
    if (err != SEQ_OK)
        memset(out, 0, sizeof *out);
    return err;
}

/* A value of the record at index that never decreases with the index. */
typedef seq_err (*search_probe_fn)(const store *s, MDB_txn *txn, uint64_t index, uint64_t *value);

/* The first index in [lo, last] whose value exceeds bound: a binary search
 * (at most 64 probes); *found false if none does (or the range is
 * empty). */
static seq_err search_first_above(const store *s, MDB_txn *txn, search_probe_fn probe, uint64_t lo,
                                  uint64_t last, uint64_t bound, uint64_t *first, bool *found)
{
    *first = 0;
    *found = false;
    if (lo > last)
        return SEQ_OK;
    uint64_t hi = last; /* an index above hi exceeds bound; one below lo does not */
    for (;;) {
        uint64_t mid = lo + (hi - lo) / 2, value;
        seq_err err = probe(s, txn, mid, &value);
        if (err != SEQ_OK)
            return err;
        if (value > bound) {
            *first = mid;
            *found = true;
            if (mid == lo)
                return SEQ_OK;
            hi = mid - 1;
        } else {
            if (mid == hi)
                return SEQ_OK;
            lo = mid + 1;
        }
    }
}

/* The forced cursor in the header of the block committed at height, which
 * must be there (at or below the tip). The record is checked whole but
 * parsed in place: no tx is copied. */
static seq_err committed_forced_cursor(const store *s, MDB_txn *txn, uint64_t height,
                                       uint64_t *value)
{
    seq_hash hash;
    store_block_view v;
    seq_err err = hash_at_read(s, txn, &hash, height);
    if (err == SEQ_ERR_NOT_FOUND) {
        uint8_t key[8];
        store_u64_be(key, height);
        return corrupt(STORE_DBI_HEIGHTS, key, sizeof key, 0);
    }
    if (err == SEQ_OK)
        err = block_view_read(s, txn, &v, &hash);
    if (err == SEQ_ERR_NOT_FOUND || (err == SEQ_OK && v.header.height != height))
        return corrupt(STORE_DBI_BLOCKS, hash.b, SEQ_HASH_BYTES, 0);
    *value = err == SEQ_OK ? v.header.forced_cursor : 0;
    return err;
}

seq_err store_committed_consuming(const store *s, uint64_t entry, uint64_t *height)
{
    SEQ_ASSERT(s != NULL && height != NULL);
    *height = 0;
    MDB_txn *txn;
    seq_err err = read_begin(s, &txn);
    if (err != SEQ_OK)
        return err;
    uint64_t tip;
    seq_hash tip_hash;
    bool found = false;
    err = tip_read(s, txn, &tip, &tip_hash);
    if (err == SEQ_OK)
        err = search_first_above(s, txn, committed_forced_cursor, 1, tip, entry, height, &found);
    mdb_txn_abort(txn);
    if (err == SEQ_OK && !found)
        err = SEQ_ERR_NOT_FOUND;
    if (err != SEQ_OK)
        *height = 0;
    return err;
}

seq_err store_get_tx(const store *s, store_tx_location *out, const seq_hash *tx_hash)
{
    SEQ_ASSERT(s != NULL && out != NULL && tx_hash != NULL);
    memset(out, 0, sizeof *out);
    /* Pending first: the indexer writes a tx before it leaves the pending
     * table, so one of the two lookups finds it. A pending tx also found in
     * the index was committed twice; the index has the first location. */
    store_tx_location pending;
    seq_err pending_err = pending_get(s, &pending, tx_hash);
    MDB_txn *txn;
    int rc = mdb_txn_begin(s->index_env, NULL, MDB_RDONLY, &txn);
    if (rc != MDB_SUCCESS) {
        memset(out, 0, sizeof *out);
        return lmdb_failed(rc, "index_txn_begin_read");
    }
    MDB_val k = val_of(tx_hash->b, SEQ_HASH_BYTES), v;
    rc = mdb_get(txn, s->index_dbis[STORE_INDEX_DBI_TXS], &k, &v);
    seq_err err = SEQ_OK;
    if (rc == MDB_NOTFOUND)
        err = SEQ_ERR_NOT_FOUND;
    else if (rc != MDB_SUCCESS)
        err = lmdb_failed(rc, "index_get");
    else if (store_tx_decode(out, v.mv_data, v.mv_size) != SEQ_OK)
        err = SEQ_ERR_CORRUPT;
    mdb_txn_abort(txn);
    if (err == SEQ_ERR_CORRUPT)
        SEQ_LOG(SEQ_LOG_ERROR, "store_corrupt", SEQ_F_STR("dbi", "txindex/txs"),
                SEQ_F_HEX("key", tx_hash->b, SEQ_HASH_BYTES), SEQ_F_ERR(err));
    if (pending_err == SEQ_OK && err != SEQ_OK) {
        *out = pending;
        return SEQ_OK;
    }
    if (err != SEQ_OK)
        memset(out, 0, sizeof *out);
    return err;
}

seq_err store_get_evidence(const store *s, wire_evidence *out, wire_evidence_kind kind,
                           const seq_addr *signer, uint64_t view)
{
    SEQ_ASSERT(s != NULL && out != NULL && signer != NULL);
    memset(out, 0, sizeof *out);
    uint8_t key[STORE_EVIDENCE_KEY_BYTES];
    key[0] = (uint8_t)kind;
    memcpy(key + 1, signer->b, SEQ_ADDR_BYTES);
    store_u64_be(key + 1 + SEQ_ADDR_BYTES, view);
    MDB_txn *txn;
    seq_err err = read_begin(s, &txn);
    if (err != SEQ_OK)
        return err;
    MDB_val v;
    err = get_raw(s, txn, STORE_DBI_EVIDENCE, key, sizeof key, &v);
    if (err == SEQ_OK) {
        MDB_val k = val_of(key, sizeof key);
        err = evidence_read(out, &k, &v);
    }
    mdb_txn_abort(txn);
    return err;
}

/* Visits every record of a cursor; see store_evidence_each. */
static seq_err evidence_walk(MDB_cursor *cursor, store_evidence_each_fn fn, void *ctx)
{
    seq_err result = SEQ_OK;
    MDB_val k, v;
    int rc = mdb_cursor_get(cursor, &k, &v, MDB_FIRST);
    while (rc == MDB_SUCCESS) {
        wire_evidence e;
        if (evidence_read(&e, &k, &v) != SEQ_OK)
            result = SEQ_ERR_CORRUPT;
        else if (!fn(ctx, &e))
            return result;
        rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT);
    }
    if (rc != MDB_NOTFOUND)
        return lmdb_failed(rc, "cursor_get");
    return result;
}

seq_err store_evidence_each(const store *s, store_evidence_each_fn fn, void *ctx)
{
    SEQ_ASSERT(s != NULL && fn != NULL);
    MDB_txn *txn;
    seq_err err = read_begin(s, &txn);
    if (err != SEQ_OK)
        return err;
    MDB_cursor *cursor;
    int rc = mdb_cursor_open(txn, s->dbis[STORE_DBI_EVIDENCE], &cursor);
    if (rc != MDB_SUCCESS) {
        err = lmdb_failed(rc, "cursor_open");
        goto abort_txn;
    }
    err = evidence_walk(cursor, fn, ctx);
    mdb_cursor_close(cursor);

abort_txn:
    mdb_txn_abort(txn);
    return err;
}

/* ----------------------------------------------------------------- sync */

/* Conservative size of one certified block in a sync response. */
static size_t sync_bytes(const store_block_view *v, const wire_qc *qc)
{
    return SYNC_BLOCK_OVERHEAD_BYTES + v->tx_bytes + v->tx_count * SYNC_TX_OVERHEAD_BYTES +
           qc->sig_count * SYNC_SIG_BYTES;
}

/* Adds the block with hash and its QC to out if both are stored and fit in
 * *budget bytes and the arena. SEQ_ERR_NOT_FOUND when it cannot be added
 * (missing, corrupt and logged, or too big); SEQ_ERR_NO_SPACE when the
 * arena is exhausted; LMDB errors. */
/* A QC of the safety state that certifies hash (copied into arena), for a
 * block whose own QC was never stored: a replica can learn a QC, persist
 * it as its highQc and crash before the block arrives with it, and the
 * QC's former leader may never have had the block. Without this, such a
 * block is fetched forever and served by no one. */
static seq_err qc_from_safety(const store *s, MDB_txn *txn, wire_qc *out, seq_arena *arena,
                              const seq_hash *hash)
{
    cons_safety *safety = seq_arena_alloc(arena, sizeof *safety);
    if (safety == NULL)
        return SEQ_ERR_NOT_FOUND;
    seq_err err = safety_read(s, txn, safety);
    if (err != SEQ_OK)
        return SEQ_ERR_NOT_FOUND;
    const cons_qc *q = seq_hash_equal(&safety->high_qc.block_hash, hash)      ? &safety->high_qc
                       : seq_hash_equal(&safety->timeout_qc.block_hash, hash) ? &safety->timeout_qc
                                                                              : NULL;
    if (q == NULL || q->sig_count == 0)
        return SEQ_ERR_NOT_FOUND;
    *out = (wire_qc){.view = q->view,
                     .height = q->height,
                     .block_hash = q->block_hash,
                     .sig_count = q->sig_count,
                     .sigs = q->sigs}; /* in the arena, with the copy above */
    return SEQ_OK;
}

static seq_err sync_add(const store *s, MDB_txn *txn, wire_certified_block *out, seq_arena *arena,
                        size_t *budget, const seq_hash *hash, bool safety_qc)
{
    store_block_view v;
    seq_err err = block_view_read(s, txn, &v, hash);
    if (err == SEQ_OK)
        err = qc_read(s, txn, &out->qc, arena, hash);
    if (err == SEQ_ERR_NOT_FOUND && safety_qc)
        err = qc_from_safety(s, txn, &out->qc, arena, hash);
    if (err == SEQ_ERR_CORRUPT)
        return SEQ_ERR_NOT_FOUND; /* logged; served as absent */
    if (err != SEQ_OK)
        return err;
    size_t need = sync_bytes(&v, &out->qc);
    if (need > *budget)
        return SEQ_ERR_NOT_FOUND;
    cons_block block;
    err = block_read(s, txn, &block, arena, hash);
    if (err == SEQ_ERR_CORRUPT)
        return SEQ_ERR_NOT_FOUND;
    if (err != SEQ_OK)
        return err;
    out->block = block.block;
    *budget -= need;
    return SEQ_OK;
}

static seq_err sync_range(const store *s, MDB_txn *txn, wire_sync_response *out, seq_arena *arena,
                          wire_certified_block *blocks, const wire_sync_request *request)
{
    size_t budget = STORE_SYNC_RESPONSE_BYTES_MAX;
    size_t max = SEQ_MIN((size_t)request->max_blocks, (size_t)WIRE_SYNC_BLOCKS_MAX);
    for (size_t i = 0; i < max; i++) {
        if (request->from_height > UINT64_MAX - i)
            break;
        seq_hash hash;
        seq_err err = hash_at_read(s, txn, &hash, request->from_height + i);
        if (err == SEQ_OK)
            err = sync_add(s, txn, &blocks[out->count], arena, &budget, &hash, false);
        if (err == SEQ_ERR_NOT_FOUND || err == SEQ_ERR_CORRUPT)
            break;
        if (err == SEQ_ERR_NO_SPACE && out->count > 0)
            break;
        if (err != SEQ_OK)
            return err;
        out->count++;
    }
    return SEQ_OK;
}

seq_err store_sync_answer(const store *s, wire_sync_response *out, seq_arena *arena,
                          const wire_sync_request *request)
{
    SEQ_ASSERT(s != NULL && out != NULL);
    SEQ_ASSERT(arena != NULL && request != NULL);
    memset(out, 0, sizeof *out);
    wire_certified_block *blocks =
        seq_arena_alloc(arena, WIRE_SYNC_BLOCKS_MAX * sizeof(wire_certified_block));
    if (blocks == NULL)
        return SEQ_ERR_NO_SPACE;
    out->blocks = blocks;
    MDB_txn *txn;
    seq_err err = read_begin(s, &txn);
    if (err != SEQ_OK)
        goto zero_out;
    if (!request->by_hash) {
        err = sync_range(s, txn, out, arena, blocks, request);
    } else if (!seq_hash_is_zero(&request->block_hash)) {
        size_t budget = STORE_SYNC_RESPONSE_BYTES_MAX;
        err = sync_add(s, txn, &blocks[0], arena, &budget, &request->block_hash, true);
        out->count = err == SEQ_OK ? 1 : 0;
        if (err == SEQ_ERR_NOT_FOUND)
            err = SEQ_OK;
    }
    mdb_txn_abort(txn);
    if (err == SEQ_OK)
        return SEQ_OK;

zero_out:
    memset(out, 0, sizeof *out);
    return err;
}

/* ------------------------------------------------------------------- L1 */

/* Keys of the l1 database: "cursor"; a kind letter || index (u64
 * big-endian), so LMDB's order is the index order: 'b' for the batches on
 * L1, 'f' for the forced queue's entries, 'a' for the node's own
 * attestations, 'o' for the origins (the index is the L1 block number). */
static const char l1_cursor_key[] = "cursor";
#define L1_INDEX_KEY_BYTES 9u
#define L1_BATCH_KEY_BYTES L1_INDEX_KEY_BYTES
#define L1_ORIGIN_KIND     'o'

static void l1_index_key(uint8_t out[L1_INDEX_KEY_BYTES], uint8_t kind, uint64_t index)
{
    out[0] = kind;
    store_u64_be(out + 1, index);
}

static void l1_batch_key(uint8_t out[L1_BATCH_KEY_BYTES], uint64_t index)
{
    l1_index_key(out, 'b', index);
}

static seq_err l1_batch_read(const store *s, MDB_txn *txn, store_l1_batch *out, uint64_t index)
{
    uint8_t key[L1_BATCH_KEY_BYTES];
    l1_batch_key(key, index);
    MDB_val v;
    seq_err err = get_raw(s, txn, STORE_DBI_L1, key, sizeof key, &v);
    if (err == SEQ_OK &&
        (store_l1_batch_decode(out, v.mv_data, v.mv_size) != SEQ_OK || out->index != index))
        err = corrupt(STORE_DBI_L1, key, sizeof key, v.mv_size);
    return err;
}

/* The highest index stored under kind: *any false when there is none. */
static seq_err l1_last_index(const store *s, MDB_txn *txn, uint8_t kind, uint64_t *index, bool *any)
{
    *index = 0;
    *any = false;
    MDB_cursor *cursor;
    int rc = mdb_cursor_open(txn, s->dbis[STORE_DBI_L1], &cursor);
    if (rc != MDB_SUCCESS)
        return lmdb_failed(rc, "cursor_open");
    /* The first key after every key of this kind, then one back. */
    uint8_t past[1] = {(uint8_t)(kind + 1)};
    MDB_val k = val_of(past, sizeof past), v;
    rc = mdb_cursor_get(cursor, &k, &v, MDB_SET_RANGE);
    rc = rc == MDB_SUCCESS ? mdb_cursor_get(cursor, &k, &v, MDB_PREV)
                           : mdb_cursor_get(cursor, &k, &v, MDB_LAST);
    seq_err err = SEQ_OK;
    if (rc == MDB_SUCCESS && k.mv_size == L1_INDEX_KEY_BYTES && ((uint8_t *)k.mv_data)[0] == kind) {
        *index = store_u64_from_be((uint8_t *)k.mv_data + 1);
        *any = true;
    } else if (rc != MDB_SUCCESS && rc != MDB_NOTFOUND) {
        err = lmdb_failed(rc, "cursor_get");
    }
    mdb_cursor_close(cursor);
    return err;
}

static seq_err l1_batch_last_index(const store *s, MDB_txn *txn, uint64_t *index, bool *any)
{
    return l1_last_index(s, txn, 'b', index, any);
}

static seq_err l1_forced_read(const store *s, MDB_txn *txn, store_l1_forced *out, uint64_t index)
{
    uint8_t key[L1_INDEX_KEY_BYTES];
    l1_index_key(key, 'f', index);
    MDB_val v;
    seq_err err = get_raw(s, txn, STORE_DBI_L1, key, sizeof key, &v);
    if (err == SEQ_OK &&
        (store_l1_forced_decode(out, v.mv_data, v.mv_size) != SEQ_OK || out->index != index))
        err = corrupt(STORE_DBI_L1, key, sizeof key, v.mv_size);
    return err;
}

/* The L1 block of the record of kind ('b' a batch, 'f' a forced entry)
 * with index. */
static seq_err l1_record_block(const store *s, MDB_txn *txn, uint8_t kind, uint64_t index,
                               uint64_t *block)
{
    if (kind == 'b') {
        store_l1_batch b;
        seq_err err = l1_batch_read(s, txn, &b, index);
        *block = b.l1_block;
        return err;
    }
    store_l1_forced f;
    seq_err err = l1_forced_read(s, txn, &f, index);
    *block = f.l1_block;
    return err;
}

/* Forgets the records of kind seen in an L1 block above to, newest first
 * (they were added in block order). */
static seq_err l1_rewind_kind(store *s, MDB_txn *txn, uint8_t kind, uint64_t to)
{
    for (;;) {
        uint64_t index, block;
        bool any;
        seq_err err = l1_last_index(s, txn, kind, &index, &any);
        if (err != SEQ_OK || !any)
            return err;
        if ((err = l1_record_block(s, txn, kind, index, &block)) != SEQ_OK)
            return err;
        if (block <= to)
            return SEQ_OK;
        uint8_t key[L1_INDEX_KEY_BYTES];
        l1_index_key(key, kind, index);
        MDB_val k = val_of(key, sizeof key);
        int rc = mdb_del(txn, s->dbis[STORE_DBI_L1], &k, NULL);
        if (rc != MDB_SUCCESS)
            return lmdb_failed(rc, "del");
    }
}

/* Deletes the origins numbered first..last, each found by seeking again
 * (the next one is the first at or above `first`). */
static seq_err l1_origins_delete(store *s, MDB_txn *txn, uint64_t first, uint64_t last)
{
    MDB_cursor *cursor;
    int rc = mdb_cursor_open(txn, s->dbis[STORE_DBI_L1], &cursor);
    if (rc != MDB_SUCCESS)
        return lmdb_failed(rc, "cursor_open");
    uint8_t key[L1_INDEX_KEY_BYTES];
    l1_index_key(key, L1_ORIGIN_KIND, first);
    for (;;) {
        MDB_val k = val_of(key, sizeof key), v;
        rc = mdb_cursor_get(cursor, &k, &v, MDB_SET_RANGE);
        const uint8_t *at = k.mv_data;
        if (rc != MDB_SUCCESS || k.mv_size != L1_INDEX_KEY_BYTES || at[0] != L1_ORIGIN_KIND ||
            store_u64_from_be(at + 1) > last)
            break;
        if ((rc = mdb_cursor_del(cursor, 0)) != MDB_SUCCESS)
            break;
    }
    mdb_cursor_close(cursor);
    if (rc != MDB_SUCCESS && rc != MDB_NOTFOUND)
        return lmdb_failed(rc, "origins_delete");
    return SEQ_OK;
}

static seq_err l1_rewind(store *s, MDB_txn *txn, uint64_t to)
{
    seq_err err = l1_rewind_kind(s, txn, 'b', to);
    if (err == SEQ_OK)
        err = l1_rewind_kind(s, txn, 'f', to);
    if (err == SEQ_OK && to < UINT64_MAX)
        err = l1_origins_delete(s, txn, to + 1, UINT64_MAX);
    return err;
}

/* Adds c's records of kind ('b' its batches, 'f' its forced entries),
 * each the next index of its kind and in a block within the new cursor. */
static seq_err l1_records_put(store *s, MDB_txn *txn, const store_l1_change *c, uint8_t kind)
{
    bool batches = kind == 'b';
    size_t count = batches ? c->batch_count : c->forced_count;
    uint64_t last;
    bool any;
    seq_err err = l1_last_index(s, txn, kind, &last, &any);
    for (size_t i = 0; err == SEQ_OK && i < count; i++) {
        uint64_t index = batches ? c->batches[i].index : c->forced[i].index;
        uint64_t block = batches ? c->batches[i].l1_block : c->forced[i].l1_block;
        if (index != (any ? last + 1 : 0) || block > c->cursor_number)
            return refuse(batches ? "L1 batch out of order" : "L1 forced entry out of order",
                          SEQ_ERR_INVALID_ARG);
        size_t len;
        err = batches
                  ? store_l1_batch_encode(s->record, STORE_RECORD_BYTES_MAX, &len, &c->batches[i])
                  : store_l1_forced_encode(s->record, STORE_RECORD_BYTES_MAX, &len, &c->forced[i]);
        if (err != SEQ_OK)
            return refuse(batches ? "L1 batch breaks a record rule"
                                  : "L1 forced entry breaks a record rule",
                          err);
        uint8_t key[L1_INDEX_KEY_BYTES];
        l1_index_key(key, kind, index);
        err = put_record(s, txn, STORE_DBI_L1, key, sizeof key, len, true);
        last = index;
        any = true;
    }
    return err;
}

seq_err store_l1_apply(store *s, const store_l1_change *c)
{
    SEQ_ASSERT(s != NULL && c != NULL);
    SEQ_ASSERT(c->batches != NULL || c->batch_count == 0);
    SEQ_ASSERT(c->forced != NULL || c->forced_count == 0);
    if (c->batch_count > STORE_L1_BATCHES_PER_CHANGE_MAX)
        return refuse("too many L1 batches in one change", SEQ_ERR_INVALID_ARG);
    if (c->forced_count > STORE_L1_FORCED_PER_CHANGE_MAX)
        return refuse("too many L1 forced entries in one change", SEQ_ERR_INVALID_ARG);
    MDB_txn *txn;
    int rc = mdb_txn_begin(s->env, NULL, 0, &txn);
    if (rc != MDB_SUCCESS)
        return lmdb_failed(rc, "txn_begin");
    seq_err err = c->rewind ? l1_rewind(s, txn, c->rewind_to) : SEQ_OK;
    if (err == SEQ_OK)
        err = l1_records_put(s, txn, c, 'b');
    if (err == SEQ_OK)
        err = l1_records_put(s, txn, c, 'f');
    size_t len;
    if (err == SEQ_OK) {
        err = store_l1_cursor_encode(s->record, STORE_RECORD_BYTES_MAX, &len, c->cursor_number,
                                     &c->cursor_hash);
        SEQ_ASSERT(err == SEQ_OK);
        err = put_record(s, txn, STORE_DBI_L1, l1_cursor_key, sizeof l1_cursor_key - 1, len, true);
    }
    if (err != SEQ_OK) {
        mdb_txn_abort(txn);
        return err;
    }
    rc = mdb_txn_commit(txn);
    if (rc != MDB_SUCCESS)
        return lmdb_failed(rc, "txn_commit");
    return SEQ_OK;
}

static seq_err l1_cursor_read(const store *s, MDB_txn *txn, uint64_t *number, seq_hash *hash)
{
    MDB_val v;
    seq_err err = get_raw(s, txn, STORE_DBI_L1, l1_cursor_key, sizeof l1_cursor_key - 1, &v);
    if (err == SEQ_OK && store_l1_cursor_decode(number, hash, v.mv_data, v.mv_size) != SEQ_OK)
        err = corrupt(STORE_DBI_L1, l1_cursor_key, sizeof l1_cursor_key - 1, v.mv_size);
    return err;
}

seq_err store_l1_get_cursor(const store *s, uint64_t *number, seq_hash *hash)
{
    SEQ_ASSERT(s != NULL && number != NULL && hash != NULL);
    *number = 0;
    memset(hash, 0, sizeof *hash);
    MDB_txn *txn;
    seq_err err = read_begin(s, &txn);
    if (err != SEQ_OK)
        return err;
    err = l1_cursor_read(s, txn, number, hash);
    mdb_txn_abort(txn);
    if (err != SEQ_OK) {
        *number = 0;
        memset(hash, 0, sizeof *hash);
    }
    return err;
}

seq_err store_l1_get_batch(const store *s, store_l1_batch *out, uint64_t index)
{
    SEQ_ASSERT(s != NULL && out != NULL);
    memset(out, 0, sizeof *out);
    MDB_txn *txn;
    seq_err err = read_begin(s, &txn);
    if (err != SEQ_OK)
        return err;
    err = l1_batch_read(s, txn, out, index);
    mdb_txn_abort(txn);
    if (err != SEQ_OK)
        memset(out, 0, sizeof *out);
    return err;
}

seq_err store_l1_last_batch(const store *s, store_l1_batch *out)
{
    SEQ_ASSERT(s != NULL && out != NULL);
    memset(out, 0, sizeof *out);
    MDB_txn *txn;
    seq_err err = read_begin(s, &txn);
    if (err != SEQ_OK)
        return err;
    uint64_t index;
    bool any;
    err = l1_batch_last_index(s, txn, &index, &any);
    if (err == SEQ_OK && !any)
        err = SEQ_ERR_NOT_FOUND;
    if (err == SEQ_OK)
        err = l1_batch_read(s, txn, out, index);
    mdb_txn_abort(txn);
    if (err != SEQ_OK)
        memset(out, 0, sizeof *out);
    return err;
}

/* A batch appended by forceAdvance: it holds no blocks. A committee batch
 * holds at least one block, and blocks start at height 1. */
static bool l1_batch_is_forced(const store_l1_batch *b)
{
    return b->first_height == 0 && b->last_height == 0;
}

/* Reads batch index, which must be there (every index up to the last one
 * is: they are added in order from 0 and rewound from the top). */
static seq_err l1_batch_read_present(const store *s, MDB_txn *txn, store_l1_batch *out,
                                     uint64_t index)
{
    seq_err err = l1_batch_read(s, txn, out, index);
    if (err == SEQ_ERR_NOT_FOUND) {
        uint8_t key[L1_BATCH_KEY_BYTES];
        l1_batch_key(key, index);
        err = corrupt(STORE_DBI_L1, key, sizeof key, 0);
    }
    return err;
}

/* The nearest committee batch at or below index mid, not below lo, into
 * *out (*index its index); *found false if [lo, mid] holds only
 * forceAdvance batches. */
static seq_err l1_committee_at_or_below(const store *s, MDB_txn *txn, store_l1_batch *out,
                                        uint64_t *index, bool *found, uint64_t lo, uint64_t mid)
{
    SEQ_ASSERT(lo <= mid);
    *found = false;
    for (uint64_t j = mid;; j--) {
        seq_err err = l1_batch_read_present(s, txn, out, j);
        if (err != SEQ_OK)
            return err;
        if (!l1_batch_is_forced(out)) {
            *index = j;
            *found = true;
            return SEQ_OK;
        }
        if (j == lo)
            return SEQ_OK;
    }
}

/* Binary search over the indexes [lo, hi]. A probe landing on a
 * forceAdvance batch steps down to the nearest committee batch j in
 * [lo, mid]; either way the batches it read leave the range (the next
 * range is [lo, j - 1] or [mid + 1, hi]), so the reads are about
 * 2 log2(n) plus one per forceAdvance batch stepped over. */
static seq_err l1_batch_search(const store *s, MDB_txn *txn, store_l1_batch *out, uint64_t height,
                               uint64_t hi)
{
    uint64_t lo = 0;
    for (;;) {
        if (lo > hi)
            return SEQ_ERR_NOT_FOUND;
        uint64_t mid = lo + (hi - lo) / 2, j = 0;
        bool found;
        seq_err err = l1_committee_at_or_below(s, txn, out, &j, &found, lo, mid);
        if (err != SEQ_OK)
            return err;
        if (!found || height > out->last_height) {
            if (mid == hi)
                return SEQ_ERR_NOT_FOUND;
            lo = mid + 1;
        } else if (height < out->first_height) {
            if (j == lo)
                return SEQ_ERR_NOT_FOUND;
            hi = j - 1;
        } else {
            return SEQ_OK;
        }
    }
}

seq_err store_l1_batch_at_height(const store *s, store_l1_batch *out, uint64_t height)
{
    SEQ_ASSERT(s != NULL && out != NULL);
    memset(out, 0, sizeof *out);
    if (height == 0)
        return SEQ_ERR_NOT_FOUND; /* genesis is in no batch */
    MDB_txn *txn;
    seq_err err = read_begin(s, &txn);
    if (err != SEQ_OK)
        return err;
    uint64_t last;
    bool any;
    err = l1_batch_last_index(s, txn, &last, &any);
    if (err == SEQ_OK && !any)
        err = SEQ_ERR_NOT_FOUND;
    if (err == SEQ_OK)
        err = l1_batch_search(s, txn, out, height, last);
    mdb_txn_abort(txn);
    if (err != SEQ_OK)
        memset(out, 0, sizeof *out);
    return err;
}

seq_err store_l1_get_forced(const store *s, store_l1_forced *out, uint8_t *buf, size_t buf_cap,
                            uint64_t index)
{
    SEQ_ASSERT(s != NULL && out != NULL && (buf != NULL || buf_cap == 0));
    memset(out, 0, sizeof *out);
    MDB_txn *txn;
    seq_err err = read_begin(s, &txn);
    if (err != SEQ_OK)
        return err;
    err = l1_forced_read(s, txn, out, index);
    if (err == SEQ_OK && out->tx_len > buf_cap)
        err = SEQ_ERR_NO_SPACE;
    if (err == SEQ_OK) { /* out of the map before the transaction ends */
        memcpy(buf, out->tx, out->tx_len);
        out->tx = buf;
    }
    mdb_txn_abort(txn);
    if (err != SEQ_OK)
        memset(out, 0, sizeof *out);
    return err;
}

seq_err store_l1_forced_count(const store *s, uint64_t *count)
{
    SEQ_ASSERT(s != NULL && count != NULL);
    *count = 0;
    MDB_txn *txn;
    seq_err err = read_begin(s, &txn);
    if (err != SEQ_OK)
        return err;
    uint64_t last;
    bool any;
    err = l1_last_index(s, txn, 'f', &last, &any);
    mdb_txn_abort(txn);
    if (err == SEQ_OK && any)
        *count = last + 1;
    return err;
}

/* ------------------------------------------------ L1 lookups by block */

/* l1_record_block for an index that must be there (at or below the last). */
static seq_err l1_record_block_present(const store *s, MDB_txn *txn, uint8_t kind, uint64_t index,
                                       uint64_t *block)
{
    seq_err err = l1_record_block(s, txn, kind, index, block);
    if (err == SEQ_ERR_NOT_FOUND) {
        uint8_t key[L1_INDEX_KEY_BYTES];
        l1_index_key(key, kind, index);
        err = corrupt(STORE_DBI_L1, key, sizeof key, 0);
    }
    return err;
}

/* search_probe_fn's over the l1 database: the L1 block of forced entry
 * index or of batch index, and the forced cursor of batch index. */
static seq_err forced_block_probe(const store *s, MDB_txn *txn, uint64_t index, uint64_t *value)
{
    return l1_record_block_present(s, txn, 'f', index, value);
}

static seq_err batch_block_probe(const store *s, MDB_txn *txn, uint64_t index, uint64_t *value)
{
    return l1_record_block_present(s, txn, 'b', index, value);
}

static seq_err batch_cursor_probe(const store *s, MDB_txn *txn, uint64_t index, uint64_t *value)
{
    store_l1_batch b;
    seq_err err = l1_batch_read_present(s, txn, &b, index);
    *value = err == SEQ_OK ? b.forced_cursor : 0;
    return err;
}

seq_err store_l1_forced_count_at(const store *s, uint64_t l1_block, uint64_t *count)
{
    SEQ_ASSERT(s != NULL && count != NULL);
    *count = 0;
    MDB_txn *txn;
    seq_err err = read_begin(s, &txn);
    if (err != SEQ_OK)
        return err;
    uint64_t last, first = 0;
    bool any, found = false;
    err = l1_last_index(s, txn, 'f', &last, &any);
    if (err == SEQ_OK && any)
        err = search_first_above(s, txn, forced_block_probe, 0, last, l1_block, &first, &found);
    mdb_txn_abort(txn);
    if (err == SEQ_OK && any)
        *count = found ? first : last + 1; /* the entries before the first one above */
    return err;
}

seq_err store_l1_consumed_at(const store *s, uint64_t l1_block, uint64_t *cursor)
{
    SEQ_ASSERT(s != NULL && cursor != NULL);
    *cursor = 0;
    MDB_txn *txn;
    seq_err err = read_begin(s, &txn);
    if (err != SEQ_OK)
        return err;
    uint64_t last, first = 0;
    bool any, found = false;
    err = l1_batch_last_index(s, txn, &last, &any);
    if (err == SEQ_OK && any)
        err = search_first_above(s, txn, batch_block_probe, 0, last, l1_block, &first, &found);
    /* The last batch seen by then is the one before the first above. */
    if (err == SEQ_OK && any && (!found || first > 0))
        err = batch_cursor_probe(s, txn, found ? first - 1 : last, cursor);
    mdb_txn_abort(txn);
    if (err != SEQ_OK)
        *cursor = 0;
    return err;
}

seq_err store_l1_batch_consuming(const store *s, store_l1_batch *out, uint64_t entry)
{
    SEQ_ASSERT(s != NULL && out != NULL);
    memset(out, 0, sizeof *out);
    MDB_txn *txn;
    seq_err err = read_begin(s, &txn);
    if (err != SEQ_OK)
        return err;
    uint64_t last, first = 0;
    bool any, found = false;
    err = l1_batch_last_index(s, txn, &last, &any);
    if (err == SEQ_OK && any)
        err = search_first_above(s, txn, batch_cursor_probe, 0, last, entry, &first, &found);
    if (err == SEQ_OK && !found)
        err = SEQ_ERR_NOT_FOUND;
    if (err == SEQ_OK)
        err = l1_batch_read_present(s, txn, out, first);
    mdb_txn_abort(txn);
    if (err != SEQ_OK)
        memset(out, 0, sizeof *out);
    return err;
}

/* ------------------------------------------------------------ L1 origins */

static seq_err l1_origin_read(const store *s, MDB_txn *txn, store_l1_origin *out, uint64_t number)
{
    uint8_t key[L1_INDEX_KEY_BYTES];
    l1_index_key(key, L1_ORIGIN_KIND, number);
    MDB_val v;
    seq_err err = get_raw(s, txn, STORE_DBI_L1, key, sizeof key, &v);
    if (err == SEQ_OK &&
        (store_l1_origin_decode(out, v.mv_data, v.mv_size) != SEQ_OK || out->number != number))
        err = corrupt(STORE_DBI_L1, key, sizeof key, v.mv_size);
    return err;
}

/* Puts origins[0..count) (contiguous, checked by the caller), none above
 * the cursor. */
static seq_err l1_origins_write(store *s, MDB_txn *txn, const store_l1_origin *origins,
                                size_t count)
{
    uint64_t cursor;
    seq_hash cursor_hash;
    seq_err err = l1_cursor_read(s, txn, &cursor, &cursor_hash);
    if (err == SEQ_ERR_NOT_FOUND)
        return refuse("L1 origins before any L1 cursor", SEQ_ERR_INVALID_ARG);
    if (err == SEQ_OK && origins[count - 1].number > cursor)
        return refuse("L1 origin above the L1 cursor", SEQ_ERR_INVALID_ARG);
    for (size_t i = 0; err == SEQ_OK && i < count; i++) {
        size_t len;
        if (store_l1_origin_encode(s->record, STORE_RECORD_BYTES_MAX, &len, &origins[i]) != SEQ_OK)
            return refuse("L1 origin breaks a record rule", SEQ_ERR_INVALID_ARG);
        uint8_t key[L1_INDEX_KEY_BYTES];
        l1_index_key(key, L1_ORIGIN_KIND, origins[i].number);
        err = put_record(s, txn, STORE_DBI_L1, key, sizeof key, len, true);
    }
    return err;
}

seq_err store_l1_origins_put(store *s, const store_l1_origin *origins, size_t count,
                             uint64_t keep_from)
{
    SEQ_ASSERT(s != NULL && (origins != NULL || count == 0));
    if (count == 0 || count > STORE_L1_ORIGINS_PER_PUT_MAX)
        return refuse("no L1 origins, or too many in one put", SEQ_ERR_INVALID_ARG);
    for (size_t i = 1; i < count; i++) {
        if (origins[i - 1].number == UINT64_MAX || origins[i].number != origins[i - 1].number + 1)
            return refuse("L1 origins not in contiguous ascending order", SEQ_ERR_INVALID_ARG);
    }
    MDB_txn *txn;
    int rc = mdb_txn_begin(s->env, NULL, 0, &txn);
    if (rc != MDB_SUCCESS)
        return lmdb_failed(rc, "txn_begin");
    seq_err err = l1_origins_write(s, txn, origins, count);
    if (err == SEQ_OK && keep_from > 0)
        err = l1_origins_delete(s, txn, 0, keep_from - 1);
    if (err != SEQ_OK) {
        mdb_txn_abort(txn);
        return err;
    }
    rc = mdb_txn_commit(txn);
    if (rc != MDB_SUCCESS)
        return lmdb_failed(rc, "txn_commit");
    return SEQ_OK;
}

seq_err store_l1_get_origin(const store *s, store_l1_origin *out, uint64_t number)
{
    SEQ_ASSERT(s != NULL && out != NULL);
    memset(out, 0, sizeof *out);
    MDB_txn *txn;
    seq_err err = read_begin(s, &txn);
    if (err != SEQ_OK)
        return err;
    err = l1_origin_read(s, txn, out, number);
    mdb_txn_abort(txn);
    if (err != SEQ_OK)
        memset(out, 0, sizeof *out);
    return err;
}

seq_err store_l1_last_origin(const store *s, store_l1_origin *out)
{
    SEQ_ASSERT(s != NULL && out != NULL);
    memset(out, 0, sizeof *out);
    MDB_txn *txn;
    seq_err err = read_begin(s, &txn);
    if (err != SEQ_OK)
        return err;
    uint64_t number;
    bool any;
    err = l1_last_index(s, txn, L1_ORIGIN_KIND, &number, &any);
    if (err == SEQ_OK && !any)
        err = SEQ_ERR_NOT_FOUND;
    if (err == SEQ_OK)
        err = l1_origin_read(s, txn, out, number);
    mdb_txn_abort(txn);
    if (err != SEQ_OK)
        memset(out, 0, sizeof *out);
    return err;
}

/* ----------------------------------------------------- own attestations */

#define ATTESTATION_KEY_BYTES L1_INDEX_KEY_BYTES

static void attestation_key(uint8_t out[ATTESTATION_KEY_BYTES], uint64_t index)
{
    l1_index_key(out, 'a', index);
}

static seq_err attestation_read(const store *s, MDB_txn *txn, wire_attestation *out, uint64_t index)
{
    uint8_t key[ATTESTATION_KEY_BYTES];
    attestation_key(key, index);
    MDB_val v;
    seq_err err = get_raw(s, txn, STORE_DBI_L1, key, sizeof key, &v);
    if (err == SEQ_OK &&
        (store_attestation_decode(out, v.mv_data, v.mv_size) != SEQ_OK || out->stmt.index != index))
        err = corrupt(STORE_DBI_L1, key, sizeof key, v.mv_size);
    return err;
}

static bool attestations_equal(const wire_attestation *a, const wire_attestation *b)
{
    const seq_attestation_stmt *x = &a->stmt, *y = &b->stmt;
    return x->l2_chain_id == y->l2_chain_id && x->index == y->index &&
           seq_hash_equal(&x->prev_batch_hash, &y->prev_batch_hash) &&
           seq_hash_equal(&x->data_hash, &y->data_hash) && x->first_height == y->first_height &&
           x->last_height == y->last_height && x->forced_cursor == y->forced_cursor &&
           seq_addr_equal(&a->signer, &b->signer) && memcmp(a->sig.b, b->sig.b, SEQ_SIG_BYTES) == 0;
}

seq_err store_attestation_put(store *s, const wire_attestation *a)
{
    SEQ_ASSERT(s != NULL && a != NULL);
    if (a->stmt.first_height > a->stmt.last_height)
        return refuse("attestation breaks a record rule", SEQ_ERR_INVALID_ARG);
    /* s->record is written inside the write transaction only: LMDB's writer
     * lock keeps the loop's store_apply and the L1 thread apart. */
    MDB_txn *txn;
    int rc = mdb_txn_begin(s->env, NULL, 0, &txn);
    if (rc != MDB_SUCCESS)
        return lmdb_failed(rc, "txn_begin");
    wire_attestation stored;
    seq_err err = attestation_read(s, txn, &stored, a->stmt.index);
    if (err == SEQ_OK) {
        mdb_txn_abort(txn);
        if (attestations_equal(&stored, a))
            return SEQ_OK;
        SEQ_LOG(SEQ_LOG_ERROR, "attestation_refused", SEQ_F_U64("index", a->stmt.index),
                SEQ_F_STR("reason", "another attestation for this index is stored"),
                SEQ_F_ERR(SEQ_ERR_EXISTS));
        return SEQ_ERR_EXISTS;
    }
    if (err != SEQ_ERR_NOT_FOUND) {
        mdb_txn_abort(txn);
        return err;
    }
    uint8_t key[ATTESTATION_KEY_BYTES];
    attestation_key(key, a->stmt.index);
    size_t len;
    err = store_attestation_encode(s->record, STORE_RECORD_BYTES_MAX, &len, a);
    SEQ_ASSERT(err == SEQ_OK); /* checked above */
    err = put_record(s, txn, STORE_DBI_L1, key, sizeof key, len, false);
    if (err != SEQ_OK) {
        mdb_txn_abort(txn);
        return err;
    }
    rc = mdb_txn_commit(txn);
    if (rc != MDB_SUCCESS)
        return lmdb_failed(rc, "txn_commit");
    return SEQ_OK;
}

seq_err store_attestation_get(const store *s, wire_attestation *out, uint64_t index)
{
    SEQ_ASSERT(s != NULL && out != NULL);
    memset(out, 0, sizeof *out);
    MDB_txn *txn;
    seq_err err = read_begin(s, &txn);
    if (err != SEQ_OK)
        return err;
    err = attestation_read(s, txn, out, index);
    mdb_txn_abort(txn);
    if (err != SEQ_OK)
        memset(out, 0, sizeof *out);
    return err;
}
