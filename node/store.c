/* store.c — the node's LMDB store: one environment, named databases, one
 * durable write transaction per consensus update, reads that copy out of
 * the map. Record formats are in store_codec.c; the layout, durability
 * rules and error behaviour are documented in node/README.md.
 *
 * LMDB results are translated into seq_err here and nowhere else, and
 * logged once where they happen. */
#include <errno.h>
#include <fcntl.h>
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
    [STORE_DBI_META] = "meta",         [STORE_DBI_SAFETY] = "safety",
    [STORE_DBI_BLOCKS] = "blocks",     [STORE_DBI_QCS] = "qcs",
    [STORE_DBI_HEIGHTS] = "heights",   [STORE_DBI_TXS] = "txs",
    [STORE_DBI_EVIDENCE] = "evidence", [STORE_DBI_L1] = "l1",
    [STORE_DBI_L1_TXS] = "l1_txs",
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

static seq_err env_open(store *s, const char *dir, const store_options *o)
{
    int rc = mdb_env_create(&s->env);
    if (rc != MDB_SUCCESS) {
        s->env = NULL;
        return lmdb_failed(rc, "env_create");
    }
    rc = mdb_env_set_maxdbs(s->env, STORE_DBIS_MAX);
    if (rc == MDB_SUCCESS)
        rc = mdb_env_set_mapsize(s->env, (size_t)o->map_bytes);
    if (rc == MDB_SUCCESS)
        rc = mdb_env_open(s->env, dir, o->env_flags, STORE_FILE_MODE);
    if (rc != MDB_SUCCESS)
        return lmdb_failed(rc, "env_open");
    /* What LMDB actually runs with is what counts. */
    unsigned int flags = 0;
    rc = mdb_env_get_flags(s->env, &flags);
    if (rc != MDB_SUCCESS)
        return lmdb_failed(rc, "env_get_flags");
    if ((flags & STORE_FLAGS_NONDURABLE) != 0)
        return refuse("environment opened with non-durable flags", SEQ_ERR_UNSUPPORTED);
    return SEQ_OK;
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

static seq_err meta_check(const store *s, MDB_txn *txn, const seq_hash *genesis_hash)
{
    MDB_val v;
    seq_err err = get_raw(s, txn, STORE_DBI_META, meta_key, sizeof meta_key - 1, &v);
    if (err != SEQ_OK)
        return err;
    store_meta meta;
    if (store_meta_decode(&meta, v.mv_data, v.mv_size) != SEQ_OK)
        return corrupt(STORE_DBI_META, meta_key, sizeof meta_key - 1, v.mv_size);
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
    err = SEQ_ERR_NO_MEMORY;
    s->record = malloc(STORE_RECORD_BYTES_MAX);
    s->tx_hashes = malloc(WIRE_BLOCK_TXS_MAX * sizeof *s->tx_hashes);
    if (s->record == NULL || s->tx_hashes == NULL)
        goto close_store;
    err = lock_take(s, dir);
    if (err == SEQ_OK)
        err = env_open(s, dir, &o);
    if (err == SEQ_OK)
        err = schema_prepare(s, genesis_hash);
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
    if (s->env != NULL)
        mdb_env_close(s->env);
    if (s->lock_fd >= 0)
        close(s->lock_fd); /* releases the flock */
    free(s->record);
    free(s->tx_hashes);
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

/* Indexes the txs of a committed block: keccak256(raw) -> (height, i).
 * The hashes are taken before the first put, which may move the pages the
 * view points into. */
static seq_err index_txs(store *s, MDB_txn *txn, const store_block_view *v)
{
    store_tx_cursor cursor;
    store_tx_cursor_init(&cursor, v);
    for (size_t i = 0; i < v->tx_count; i++) {
        seq_bytes tx = store_tx_cursor_next(&cursor);
        l1_keccak256(&s->tx_hashes[i], tx.ptr, tx.len);
    }
    for (size_t i = 0; i < v->tx_count; i++) {
        store_tx_location loc = {.height = v->header.height, .index = (uint32_t)i};
        size_t len;
        seq_err err = store_tx_encode(s->record, STORE_RECORD_BYTES_MAX, &len, &loc);
        SEQ_ASSERT(err == SEQ_OK);
        err = put_record(s, txn, STORE_DBI_TXS, s->tx_hashes[i].b, SEQ_HASH_BYTES, len, false);
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
    err = index_txs(s, txn, &v);
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

static seq_err apply_evidence(store *s, MDB_txn *txn, const cons_update *u)
{
    for (size_t i = 0; i < u->evidence_count; i++) {
        const wire_evidence *e = &u->evidence[i];
        size_t len;
        seq_err err = store_evidence_encode(s->record, STORE_RECORD_BYTES_MAX, &len, e);
        if (err != SEQ_OK)
            return refuse("evidence is not two conflicting statements", err);
        uint8_t key[STORE_EVIDENCE_KEY_BYTES];
        store_evidence_key(key, e);
        err = put_record(s, txn, STORE_DBI_EVIDENCE, key, sizeof key, len, false);
        if (err != SEQ_OK)
            return err;
    }
    return SEQ_OK;
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
    MDB_txn *txn;
    int rc = mdb_txn_begin(s->env, NULL, 0, &txn);
    if (rc != MDB_SUCCESS)
        return lmdb_failed(rc, "txn_begin");
    seq_err err = u->safety != NULL ? apply_safety(s, txn, u->safety) : SEQ_OK;
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
    if (rc != MDB_SUCCESS)
        return lmdb_failed(rc, "txn_commit");
    return SEQ_OK;

abort_txn:
    mdb_txn_abort(txn);
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

seq_err store_get_tx(const store *s, store_tx_location *out, const seq_hash *tx_hash)
{
    SEQ_ASSERT(s != NULL && out != NULL && tx_hash != NULL);
    memset(out, 0, sizeof *out);
    MDB_txn *txn;
    seq_err err = read_begin(s, &txn);
    if (err != SEQ_OK)
        return err;
    MDB_val v;
    err = get_raw(s, txn, STORE_DBI_TXS, tx_hash->b, SEQ_HASH_BYTES, &v);
    if (err == SEQ_OK && store_tx_decode(out, v.mv_data, v.mv_size) != SEQ_OK)
        err = corrupt(STORE_DBI_TXS, tx_hash->b, SEQ_HASH_BYTES, v.mv_size);
    mdb_txn_abort(txn);
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
static seq_err sync_add(const store *s, MDB_txn *txn, wire_certified_block *out, seq_arena *arena,
                        size_t *budget, const seq_hash *hash)
{
    store_block_view v;
    seq_err err = block_view_read(s, txn, &v, hash);
    if (err == SEQ_OK)
        err = qc_read(s, txn, &out->qc, arena, hash);
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
            err = sync_add(s, txn, &blocks[out->count], arena, &budget, &hash);
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
        err = sync_add(s, txn, &blocks[0], arena, &budget, &request->block_hash);
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
