/* net.c — the peer transport: the net and its API, the per-peer send
 * queues, the inbox, accepting and dialling, and the timer thread that
 * enforces handshake and idle deadlines, releases delayed messages, sends
 * keepalives, redials with backoff and reaps closed connections. One
 * connection's protocol is in net_conn.c, its cryptography in
 * net_handshake.c; node/README.md ("Transport") has the design.
 *
 * nng errors are translated here and in net_conn.c only. */
#include "internal.h"

#include <nng/nng.h>
#include <nng/supplemental/util/platform.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

static const char *const net_close_reason_names[] = {
#define NET_CLOSE_NAME_(name, text) text,
    NET_CLOSE_REASON_TABLE(NET_CLOSE_NAME_)
#undef NET_CLOSE_NAME_
};
_Static_assert(SEQ_ARRAY_LEN(net_close_reason_names) == NET_CLOSE_REASON_COUNT_,
               "one name per close reason");

const char *net_close_reason_name(net_close_reason reason)
{
    return (unsigned)reason < NET_CLOSE_REASON_COUNT_ ? net_close_reason_names[reason] : "unknown";
}

static seq_err err_from_nng(int rv)
{
    switch (rv) {
    case 0:
        return SEQ_OK;
    case NNG_ENOMEM:
        return SEQ_ERR_NO_MEMORY;
    case NNG_EADDRINUSE:
    case NNG_EADDRINVAL:
    case NNG_EPERM:
        return SEQ_ERR_UNAVAILABLE;
    case NNG_EINVAL:
    case NNG_ENOTSUP:
        return SEQ_ERR_INVALID_ARG;
    case NNG_ETIMEDOUT:
        return SEQ_ERR_TIMEOUT;
    default:
        return SEQ_ERR_INTERNAL;
    }
}

/* ------------------------------------------------------------- helpers */

uint64_t net_rng_next(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

uint32_t net_backoff_ms(const net_limits *limits, uint32_t attempts, uint64_t *rng)
{
    SEQ_ASSERT(limits != NULL && rng != NULL);
    SEQ_ASSERT(limits->backoff_base_ms > 0 && limits->backoff_base_ms <= limits->backoff_max_ms);
    uint64_t delay = limits->backoff_base_ms;
    for (uint32_t i = 0; i < attempts && delay < limits->backoff_max_ms; i++)
        delay *= 2;
    delay = SEQ_MIN(delay, (uint64_t)limits->backoff_max_ms);
    /* Jitter over the upper half keeps peers that lost a link at the same
     * moment from redialling in lockstep, and the growth intact. */
    uint64_t half = delay / 2;
    uint64_t out = delay - half + net_rng_next(rng) % (half + 1);
    SEQ_ASSERT(out >= 1 && out <= limits->backoff_max_ms);
    return (uint32_t)out;
}

void net_redial_later_locked(net *n, net_peer *p, uint64_t now_ms)
{
    uint64_t delay = net_backoff_ms(&n->limits, p->dial_attempts, &n->rng);
    /* The lower index's dial wins the tie-break; the higher side waits a
     * little longer so that both dialling at once is the exception. */
    if (p->index < n->self)
        delay += n->limits.backoff_base_ms;
    p->dial_at_ms = now_ms + delay;
    if (p->dial_attempts < 32)
        p->dial_attempts++;
}

uint32_t net_peer_find(const net *n, const seq_addr *address)
{
    for (uint32_t i = 0; i < n->peer_count; i++) {
        if (seq_addr_equal(&n->peers[i].address, address))
            return i;
    }
    return NET_PEER_NONE;
}

void net_sign_locked(net *n, uint8_t sig[NET_SIGNATURE_BYTES], const uint8_t *msg, size_t msg_len)
{
    /* Protection worked at net_new; a failure now is a broken process. */
    int rc = sodium_mprotect_readonly(n->secret_key);
    SEQ_ASSERT(rc == 0);
    crypto_sign_detached(sig, NULL, msg, msg_len, n->secret_key);
    rc = sodium_mprotect_noaccess(n->secret_key);
    SEQ_ASSERT(rc == 0);
}

static bool reason_is_auth_failure(net_close_reason reason)
{
    switch (reason) {
    case NET_CLOSE_MALFORMED:
    case NET_CLOSE_GENESIS_MISMATCH:
    case NET_CLOSE_UNKNOWN_VALIDATOR:
    case NET_CLOSE_WRONG_KEY:
    case NET_CLOSE_BAD_SIGNATURE:
    case NET_CLOSE_WRONG_PEER:
    case NET_CLOSE_DECRYPT_FAILED:
        return true;
    default:
        return false;
    }
}

void net_close_note_locked(net *n, const net_conn *c, net_close_reason reason, uint64_t now_ms)
{
    SEQ_ASSERT(reason < NET_CLOSE_REASON_COUNT_);
    n->counters.closed[reason]++;
    uint32_t peer = c != NULL ? c->peer : NET_PEER_NONE;
    bool handshake = c == NULL || c->state != NET_CONN_OPEN;
    bool hostile = reason_is_auth_failure(reason) || reason == NET_CLOSE_FRAME_SIZE;
    if (peer != NET_PEER_NONE && hostile) {
        if (handshake || reason == NET_CLOSE_DECRYPT_FAILED)
            n->peers[peer].counters.auth_failures++;
        else
            n->peers[peer].counters.protocol_errors++;
    }
    if (reason == NET_CLOSE_DUPLICATE || reason == NET_CLOSE_SHUTDOWN)
        return;
    /* One line per reason and interval; the next line says how many were
     * left out, so a flood of garbage cannot flood the log. */
    if (n->log_at_ms[reason] != 0 && now_ms < n->log_at_ms[reason] + NET_LOG_INTERVAL_MS) {
        n->log_suppressed[reason]++;
        return;
    }
    SEQ_LOG(hostile ? SEQ_LOG_WARN : SEQ_LOG_INFO, "net_conn_closed",
            SEQ_F_STR("reason", net_close_reason_name(reason)),
            SEQ_F_I64("peer", peer == NET_PEER_NONE ? -1 : (int64_t)peer),
            SEQ_F_BOOL("dialed", c != NULL && c->dialed), SEQ_F_BOOL("handshake", handshake),
            SEQ_F_U64("suppressed", n->log_suppressed[reason]));
    n->log_at_ms[reason] = now_ms;
    n->log_suppressed[reason] = 0;
}

/* ---------------------------------------------------- queues and inbox */

static net_msg *msg_new(const uint8_t *bytes, size_t len)
{
    net_msg *m = malloc(sizeof *m + len);
    if (m == NULL)
        return NULL;
    m->refs = 1;
    m->len = (uint32_t)len;
    memcpy(m->bytes, bytes, len);
    return m;
}

void net_msg_unref_locked(net_msg *m)
{
    SEQ_ASSERT(m != NULL && m->refs > 0);
    if (--m->refs == 0)
        free(m);
}

static seq_err queue_init(net_queue *q, uint32_t cap)
{
    q->msgs = calloc(cap, sizeof *q->msgs);
    q->due_ms = calloc(cap, sizeof *q->due_ms);
    q->cap = cap;
    return q->msgs != NULL && q->due_ms != NULL ? SEQ_OK : SEQ_ERR_NO_MEMORY;
}

/* Only from net_free, when no other thread is left: the mtx is not needed. */
static void queue_free(net_queue *q)
{
    for (uint32_t i = 0; i < q->count; i++)
        net_msg_unref_locked(q->msgs[(q->head + i) % q->cap]);
    free(q->msgs);
    free(q->due_ms);
    *q = (net_queue){0};
}

/* Adds a reference to m at the tail; false when a bound would be passed. */
static bool queue_push(net_queue *q, net_msg *m, uint64_t due_ms, uint64_t bytes_max)
{
    if (q->count == q->cap || q->bytes + m->len > bytes_max)
        return false;
    uint32_t at = (q->head + q->count) % q->cap;
    q->msgs[at] = m;
    q->due_ms[at] = due_ms;
    q->count++;
    q->bytes += m->len;
    m->refs++;
    return true;
}

static bool queue_head_due(const net_queue *q, uint64_t now_ms)
{
    return q->count > 0 && q->due_ms[q->head] <= now_ms;
}

net_msg *net_queue_pop_due(net_queue *q, uint64_t now_ms)
{
    if (!queue_head_due(q, now_ms))
        return NULL;
    net_msg *m = q->msgs[q->head];
    q->msgs[q->head] = NULL;
    q->head = (q->head + 1) % q->cap;
    q->count--;
    q->bytes -= m->len;
    return m;
}

static bool inbox_push_locked(net *n, const net_item *item)
{
    if (n->inbox_count == n->limits.inbox_depth ||
        n->inbox_bytes + item->len > n->limits.inbox_bytes)
        return false;
    n->inbox[(n->inbox_head + n->inbox_count) % n->limits.inbox_depth] = *item;
    n->inbox_count++;
    n->inbox_bytes += item->len;
    nng_cv_wake1(n->inbox_cv);
    return true;
}

bool net_inbox_offer_locked(net *n, net_item *item)
{
    /* Connections already waiting go first: a peer that floods cannot
     * starve the others of inbox room. */
    return n->paused_head == NULL && inbox_push_locked(n, item);
}

void net_paused_add_locked(net *n, net_conn *c)
{
    c->paused_next = NULL;
    if (n->paused_tail != NULL)
        n->paused_tail->paused_next = c;
    else
        n->paused_head = c;
    n->paused_tail = c;
}

static void inbox_refill_locked(net *n, uint64_t now_ms);

void net_paused_remove_locked(net *n, net_conn *c)
{
    net_conn *prev = NULL;
    for (net_conn *at = n->paused_head; at != NULL; prev = at, at = at->paused_next) {
        if (at != c)
            continue;
        if (prev != NULL)
            prev->paused_next = c->paused_next;
        else
            n->paused_head = c->paused_next;
        if (n->paused_tail == c)
            n->paused_tail = prev;
        c->paused_next = NULL;
        /* Those behind c may have waited only for c, not for room. */
        inbox_refill_locked(n, nng_clock());
        return;
    }
    SEQ_ASSERT(false); /* a paused connection is on the list */
}

/* Moves parked frames of paused connections into the inbox while it has
 * room, in the order they paused, and lets them read again. */
static void inbox_refill_locked(net *n, uint64_t now_ms)
{
    while (n->paused_head != NULL && inbox_push_locked(n, &n->paused_head->parked)) {
        net_conn *c = n->paused_head;
        n->paused_head = c->paused_next;
        if (n->paused_head == NULL)
            n->paused_tail = NULL;
        c->paused_next = NULL;
        net_conn_resume_locked(c, now_ms);
    }
}

/* ------------------------------------------------------------ net_new */

static seq_err url_check(const char *url, bool peer)
{
    if (url == NULL)
        return SEQ_ERR_INVALID_ARG;
    size_t len = strnlen(url, NET_URL_BYTES_MAX);
    if (len == 0 || len >= NET_URL_BYTES_MAX)
        return SEQ_ERR_INVALID_ARG;
    nng_url *u = NULL;
    if (nng_url_parse(&u, url) != 0)
        return SEQ_ERR_INVALID_ARG;
    bool ok = strcmp(u->u_scheme, "tcp") == 0 || strcmp(u->u_scheme, "tcp4") == 0 ||
              strcmp(u->u_scheme, "tcp6") == 0;
    if (peer)
        ok = ok && u->u_hostname != NULL && u->u_hostname[0] != '\0' && u->u_port != NULL &&
             u->u_port[0] != '\0' && strcmp(u->u_port, "0") != 0;
    nng_url_free(u);
    return ok ? SEQ_OK : SEQ_ERR_INVALID_ARG;
}

static seq_err config_check(const net_config *config)
{
    if (config->peers == NULL || config->peer_count == 0 || config->peer_count > NET_PEERS_MAX ||
        config->self_index >= config->peer_count)
        return SEQ_ERR_INVALID_ARG;
    for (size_t i = 0; i < config->peer_count; i++) {
        const net_peer_config *p = &config->peers[i];
        if (url_check(p->url, true) != SEQ_OK)
            return SEQ_ERR_INVALID_ARG;
        for (size_t j = 0; j < i; j++) {
            if (seq_addr_equal(&p->address, &config->peers[j].address) ||
                memcmp(p->transport_public_key, config->peers[j].transport_public_key,
                       NET_PUBLIC_KEY_BYTES) == 0)
                return SEQ_ERR_INVALID_ARG;
        }
    }
    if (config->listen_url != NULL && url_check(config->listen_url, false) != SEQ_OK)
        return SEQ_ERR_INVALID_ARG;
    return SEQ_OK;
}

static bool in_range(uint64_t v, uint64_t lo, uint64_t hi)
{
    return v >= lo && v <= hi;
}

static seq_err limits_resolve(net_limits *out, const net_limits *in)
{
    *out = *in;
#define NET_DEFAULT_(field, value) \
    if (out->field == 0)           \
    out->field = (value)
    NET_DEFAULT_(send_queue_depth, NET_SEND_QUEUE_DEPTH_DEFAULT);
    NET_DEFAULT_(send_queue_bytes, NET_SEND_QUEUE_BYTES_DEFAULT);
    NET_DEFAULT_(inbox_depth, NET_INBOX_DEPTH_DEFAULT);
    NET_DEFAULT_(inbox_bytes, NET_INBOX_BYTES_DEFAULT);
    NET_DEFAULT_(handshake_timeout_ms, NET_HANDSHAKE_TIMEOUT_MS_DEFAULT);
    NET_DEFAULT_(idle_timeout_ms, NET_IDLE_TIMEOUT_MS_DEFAULT);
    NET_DEFAULT_(backoff_base_ms, NET_BACKOFF_BASE_MS_DEFAULT);
    NET_DEFAULT_(backoff_max_ms, NET_BACKOFF_MAX_MS_DEFAULT);
    NET_DEFAULT_(pending_max, NET_PENDING_DEFAULT);
#undef NET_DEFAULT_
    bool ok = out->send_queue_depth <= NET_SEND_QUEUE_DEPTH_MAX &&
              in_range(out->send_queue_bytes, NET_MSG_BYTES_MAX, NET_QUEUE_BYTES_MAX) &&
              out->inbox_depth <= NET_INBOX_DEPTH_MAX &&
              in_range(out->inbox_bytes, NET_MSG_BYTES_MAX, NET_QUEUE_BYTES_MAX) &&
              in_range(out->handshake_timeout_ms, NET_TIMEOUT_MS_MIN, NET_TIMEOUT_MS_MAX) &&
              in_range(out->idle_timeout_ms, NET_TIMEOUT_MS_MIN, NET_TIMEOUT_MS_MAX) &&
              in_range(out->backoff_base_ms, NET_TIMEOUT_MS_MIN, NET_TIMEOUT_MS_MAX) &&
              in_range(out->backoff_max_ms, out->backoff_base_ms, NET_TIMEOUT_MS_MAX) &&
              out->pending_max <= NET_PENDING_MAX;
    return ok ? SEQ_OK : SEQ_ERR_INVALID_ARG;
}

/* Derives the key pair from the seed (the first 32 bytes of a libsodium
 * secret key too) straight into guarded memory, so no copy of the secret
 * lands on the stack. */
static seq_err key_load(net *n, const net_config *config)
{
    size_t len = config->transport_secret_key_len;
    if (config->transport_secret_key == NULL ||
        (len != NET_SEED_BYTES && len != NET_SECRET_KEY_BYTES))
        return SEQ_ERR_BAD_KEY;
    n->secret_key = sodium_malloc(NET_SECRET_KEY_BYTES);
    if (n->secret_key == NULL)
        return SEQ_ERR_NO_MEMORY;
    crypto_sign_seed_keypair(n->public_key, n->secret_key, config->transport_secret_key);
    if (len == NET_SECRET_KEY_BYTES &&
        sodium_memcmp(n->secret_key, config->transport_secret_key, NET_SECRET_KEY_BYTES) != 0)
        return SEQ_ERR_BAD_KEY;
    if (sodium_memcmp(n->public_key, config->peers[config->self_index].transport_public_key,
                      NET_PUBLIC_KEY_BYTES) != 0)
        return SEQ_ERR_BAD_KEY;
    if (sodium_mprotect_noaccess(n->secret_key) != 0)
        return SEQ_ERR_INTERNAL;
    return SEQ_OK;
}

static seq_err peers_init(net *n, const net_config *config)
{
    n->peers = calloc(n->peer_count, sizeof *n->peers);
    if (n->peers == NULL)
        return SEQ_ERR_NO_MEMORY;
    for (uint32_t i = 0; i < n->peer_count; i++) {
        net_peer *p = &n->peers[i];
        const net_peer_config *pc = &config->peers[i];
        p->n = n;
        p->index = i;
        p->address = pc->address;
        memcpy(p->public_key, pc->transport_public_key, NET_PUBLIC_KEY_BYTES);
        memcpy(p->url, pc->url, strlen(pc->url) + 1); /* checked < NET_URL_BYTES_MAX */
        if (i != n->self && queue_init(&p->queue, n->limits.send_queue_depth) != SEQ_OK)
            return SEQ_ERR_NO_MEMORY;
    }
    return SEQ_OK;
}

static seq_err sync_init(net *n)
{
    if (nng_mtx_alloc(&n->mtx) != 0)
        return SEQ_ERR_NO_MEMORY;
    if (nng_cv_alloc(&n->inbox_cv, n->mtx) != 0 || nng_cv_alloc(&n->timer_cv, n->mtx) != 0)
        return SEQ_ERR_NO_MEMORY;
    n->inbox = calloc(n->limits.inbox_depth, sizeof *n->inbox);
    return n->inbox != NULL ? SEQ_OK : SEQ_ERR_NO_MEMORY;
}

seq_err net_new(net **out, const net_config *config)
{
    SEQ_ASSERT(out != NULL && config != NULL);
    *out = NULL;
    if (sodium_init() < 0)
        return SEQ_ERR_INTERNAL;
    seq_err err = config_check(config);
    if (err != SEQ_OK)
        return err;
    net *n = calloc(1, sizeof *n);
    if (n == NULL)
        return SEQ_ERR_NO_MEMORY;
    n->self = config->self_index;
    n->peer_count = (uint32_t)config->peer_count;
    n->genesis_hash = config->genesis_hash;
    n->faults_enabled = config->faults_enabled;
    if (config->faults_enabled)
        n->rng = config->fault_seed; /* replayable faults and jitter */
    else
        randombytes_buf(&n->rng, sizeof n->rng);
    const char *listen = config->listen_url ? config->listen_url : config->peers[n->self].url;
    memcpy(n->listen_url, listen, strlen(listen) + 1); /* checked < NET_URL_BYTES_MAX */
    err = limits_resolve(&n->limits, &config->limits);
    if (err == SEQ_OK)
        err = peers_init(n, config);
    if (err == SEQ_OK)
        err = key_load(n, config);
    if (err == SEQ_OK)
        err = sync_init(n);
    if (err != SEQ_OK)
        goto free_net;
    *out = n;
    return SEQ_OK;

free_net:
    net_free(n); /* undoes whatever part was built */
    return err;
}

/* ---------------------------------------------------- accept and dial */

static void net_accept_done(void *arg)
{
    net *n = arg;
    int rv = nng_aio_result(n->accept_aio);
    nng_stream *stream = rv == 0 ? nng_aio_get_output(n->accept_aio, 0) : NULL;
    nng_mtx_lock(n->mtx);
    uint64_t now = nng_clock();
    n->accept_armed = false;
    if (n->stopping)
        goto unlock;
    if (rv != 0) {
        /* Out of descriptors, or the client gave up: retry on a tick
         * rather than spin. */
        n->accept_at_ms = now + NET_ACCEPT_RETRY_MS;
        goto unlock;
    }
    n->counters.accepted++;
    if (n->pending >= n->limits.pending_max) {
        net_close_note_locked(n, NULL, NET_CLOSE_PENDING_FULL, now);
    } else {
        if (net_conn_start_locked(n, stream, false, NET_PEER_NONE, now) != SEQ_OK)
            net_close_note_locked(n, NULL, NET_CLOSE_NO_MEMORY, now);
        stream = NULL; /* taken, or freed by the failed start */
    }
    n->accept_armed = true;
    nng_stream_listener_accept(n->listener, n->accept_aio);
unlock:
    nng_mtx_unlock(n->mtx);
    if (stream != NULL)
        nng_stream_free(stream);
}

static void net_dial_done(void *arg)
{
    net_peer *p = arg;
    net *n = p->n;
    int rv = nng_aio_result(p->dial_aio);
    nng_stream *stream = rv == 0 ? nng_aio_get_output(p->dial_aio, 0) : NULL;
    nng_mtx_lock(n->mtx);
    uint64_t now = nng_clock();
    if (n->stopping) {
        p->dialing = false;
        goto unlock;
    }
    if (rv != 0) {
        p->dialing = false;
        n->counters.dial_failures++;
        net_redial_later_locked(n, p, now);
        goto unlock;
    }
    /* p->dialing stays set until this connection opens or closes. */
    if (net_conn_start_locked(n, stream, true, p->index, now) != SEQ_OK) {
        p->dialing = false;
        net_redial_later_locked(n, p, now);
    }
    stream = NULL;
unlock:
    nng_mtx_unlock(n->mtx);
    if (stream != NULL)
        nng_stream_free(stream);
}

/* --------------------------------------------------------------- timer */

static void timer_conns_locked(net *n, uint64_t now)
{
    uint64_t idle = n->limits.idle_timeout_ms;
    net_conn *next = NULL;
    for (net_conn *c = n->conns; c != NULL; c = next) {
        next = c->next; /* closing unlinks c only */
        if (c->state != NET_CONN_OPEN) {
            if (now >= c->deadline_ms)
                net_conn_close_locked(c, NET_CLOSE_HANDSHAKE_TIMEOUT);
            continue;
        }
        /* A paused connection is silent because we stopped reading; a
         * write that makes no progress for as long means a stuck peer. */
        if ((!c->paused && now >= c->in_ms + idle) ||
            (c->sending && now >= c->tx_started_ms + idle)) {
            net_conn_close_locked(c, NET_CLOSE_IDLE_TIMEOUT);
            continue;
        }
        if (queue_head_due(&n->peers[c->peer].queue, now) || now >= c->out_ms + idle / 4)
            net_conn_kick_locked(c);
    }
}

static void timer_peers_locked(net *n, uint64_t now)
{
    for (uint32_t i = 0; i < n->peer_count; i++) {
        net_peer *p = &n->peers[i];
        if (i == n->self || p->active != NULL || p->dialing || now < p->dial_at_ms)
            continue;
        p->dialing = true;
        n->counters.dials++;
        nng_stream_dialer_dial(p->dialer, p->dial_aio);
    }
    if (!n->accept_armed && now >= n->accept_at_ms) {
        n->accept_armed = true;
        nng_stream_listener_accept(n->listener, n->accept_aio);
    }
}

static void reap_all(net_conn *dead)
{
    while (dead != NULL) {
        net_conn *next = dead->next;
        net_conn_reap(dead);
        dead = next;
    }
}

static void net_timer_run(void *arg)
{
    net *n = arg;
    nng_mtx_lock(n->mtx);
    while (!n->stopping) {
        uint64_t now = nng_clock();
        timer_conns_locked(n, now);
        timer_peers_locked(n, now);
        net_conn *dead = n->dead;
        n->dead = NULL;
        if (dead != NULL) {
            nng_mtx_unlock(n->mtx);
            reap_all(dead); /* waits for their callbacks: never under mtx */
            nng_mtx_lock(n->mtx);
        }
        if (!n->stopping)
            (void)nng_cv_until(n->timer_cv, now + NET_TICK_MS);
    }
    nng_mtx_unlock(n->mtx);
}

/* ----------------------------------------------------------- net_start */

static seq_err endpoints_open(net *n)
{
    /* Consensus messages are small and latency-bound: no Nagle delay (a
     * vote held back waiting for an ACK the peer delays costs ~40 ms). */
    int rv = nng_stream_listener_alloc(&n->listener, n->listen_url);
    if (rv == 0)
        rv = nng_stream_listener_set_bool(n->listener, NNG_OPT_TCP_NODELAY, true);
    if (rv == 0)
        rv = nng_stream_listener_listen(n->listener);
    if (rv == 0)
        rv = nng_aio_alloc(&n->accept_aio, net_accept_done, n);
    for (uint32_t i = 0; rv == 0 && i < n->peer_count; i++) {
        net_peer *p = &n->peers[i];
        if (i == n->self)
            continue;
        rv = nng_stream_dialer_alloc(&p->dialer, p->url);
        if (rv == 0)
            rv = nng_stream_dialer_set_bool(p->dialer, NNG_OPT_TCP_NODELAY, true);
        if (rv == 0)
            rv = nng_aio_alloc(&p->dial_aio, net_dial_done, p);
        if (rv == 0)
            nng_aio_set_timeout(p->dial_aio, (nng_duration)n->limits.handshake_timeout_ms);
    }
    if (rv != 0)
        SEQ_LOG(SEQ_LOG_ERROR, "net_listen_failed", SEQ_F_STR("url", n->listen_url),
                SEQ_F_STR("nng", nng_strerror(rv)));
    return err_from_nng(rv);
}

seq_err net_start(net *n)
{
    SEQ_ASSERT(n != NULL && n->mtx != NULL);
    SEQ_ASSERT(!n->started);
    n->started = true; /* even a failed start leaves net_free something to stop */
    seq_err err = endpoints_open(n);
    if (err != SEQ_OK)
        return err;
    nng_mtx_lock(n->mtx);
    uint64_t now = nng_clock();
    for (uint32_t i = 0; i < n->peer_count; i++) /* lower indices after a pause, as redials */
        n->peers[i].dial_at_ms = now + (i < n->self ? n->limits.backoff_base_ms : 0);
    n->accept_armed = true;
    nng_stream_listener_accept(n->listener, n->accept_aio);
    nng_mtx_unlock(n->mtx);
    if (nng_thread_create(&n->timer, net_timer_run, n) != 0)
        return SEQ_ERR_NO_MEMORY;
    nng_thread_set_name(n->timer, "seqd-net");
    SEQ_LOG(SEQ_LOG_INFO, "net_started", SEQ_F_STR("listen", n->listen_url),
            SEQ_F_U64("self", n->self), SEQ_F_U64("peers", n->peer_count));
    return SEQ_OK;
}

/* ------------------------------------------------------------ the API */

static seq_err enqueue_locked(net *n, net_peer *p, net_msg *m, uint64_t now)
{
    net_fault_plan plan = {.copies = 1, .due_ms = now};
    if (n->faults_enabled)
        net_fault_apply(&plan, &p->fault, &n->rng, now);
    if (plan.copies == 0) {
        p->counters.drops_fault++;
        return SEQ_OK;
    }
    if (!queue_push(&p->queue, m, plan.due_ms, n->limits.send_queue_bytes)) {
        p->counters.drops_queue_full++;
        return SEQ_ERR_NO_SPACE;
    }
    if (plan.copies == 2 && !queue_push(&p->queue, m, plan.due_ms, n->limits.send_queue_bytes))
        p->counters.drops_queue_full++; /* the message itself went */
    if (p->active != NULL && plan.due_ms <= now)
        net_conn_kick_locked(p->active);
    return SEQ_OK;
}

static seq_err send_check(const net *n, const uint8_t *bytes, size_t len)
{
    SEQ_ASSERT(n != NULL);
    SEQ_ASSERT(bytes != NULL || len == 0);
    if (len == 0)
        return SEQ_ERR_INVALID_ARG; /* an empty frame is a keepalive */
    if (len > NET_MSG_BYTES_MAX)
        return SEQ_ERR_TOO_LARGE;
    return SEQ_OK;
}

seq_err net_send(net *n, uint32_t peer, const uint8_t *bytes, size_t len)
{
    seq_err err = send_check(n, bytes, len);
    if (err != SEQ_OK)
        return err;
    if (peer >= n->peer_count || peer == n->self)
        return SEQ_ERR_INVALID_ARG;
    net_msg *m = msg_new(bytes, len); /* copied before the lock */
    if (m == NULL)
        return SEQ_ERR_NO_MEMORY;
    nng_mtx_lock(n->mtx);
    err = enqueue_locked(n, &n->peers[peer], m, nng_clock());
    net_msg_unref_locked(m);
    nng_mtx_unlock(n->mtx);
    return err;
}

seq_err net_broadcast(net *n, const uint8_t *bytes, size_t len)
{
    seq_err err = send_check(n, bytes, len);
    if (err != SEQ_OK)
        return err;
    net_msg *m = msg_new(bytes, len); /* one copy shared by every queue */
    if (m == NULL)
        return SEQ_ERR_NO_MEMORY;
    nng_mtx_lock(n->mtx);
    uint64_t now = nng_clock();
    for (uint32_t i = 0; i < n->peer_count; i++) {
        if (i == n->self)
            continue;
        seq_err one = enqueue_locked(n, &n->peers[i], m, now);
        if (err == SEQ_OK)
            err = one;
    }
    net_msg_unref_locked(m);
    nng_mtx_unlock(n->mtx);
    return err;
}

seq_err net_recv(net *n, uint32_t *from, uint8_t *buf, size_t cap, size_t *len, uint32_t timeout_ms)
{
    SEQ_ASSERT(n != NULL && from != NULL && len != NULL);
    SEQ_ASSERT(buf != NULL || cap == 0);
    *from = 0;
    *len = 0;
    nng_time deadline = nng_clock() + timeout_ms;
    nng_mtx_lock(n->mtx);
    while (n->inbox_count == 0 && !n->stopping && !n->woken) {
        if (nng_cv_until(n->inbox_cv, deadline) == NNG_ETIMEDOUT)
            break;
    }
    n->woken = false;
    if (n->inbox_count == 0) {
        nng_mtx_unlock(n->mtx);
        return SEQ_ERR_TIMEOUT;
    }
    net_item item = n->inbox[n->inbox_head];
    if (item.len > cap) {
        nng_mtx_unlock(n->mtx);
        *len = item.len;
        return SEQ_ERR_NO_SPACE;
    }
    n->inbox[n->inbox_head] = (net_item){0};
    n->inbox_head = (n->inbox_head + 1) % n->limits.inbox_depth;
    n->inbox_count--;
    n->inbox_bytes -= item.len;
    inbox_refill_locked(n, nng_clock());
    nng_mtx_unlock(n->mtx);
    memcpy(buf, item.buf, item.len); /* the item is ours now: copy unlocked */
    free(item.buf);
    *from = item.from;
    *len = item.len;
    return SEQ_OK;
}

void net_wake(net *n)
{
    SEQ_ASSERT(n != NULL);
    nng_mtx_lock(n->mtx);
    n->woken = true;
    nng_cv_wake(n->inbox_cv);
    nng_mtx_unlock(n->mtx);
}

seq_err net_peer_stats(net *n, net_peer_counters *out, uint32_t peer)
{
    SEQ_ASSERT(n != NULL && out != NULL);
    memset(out, 0, sizeof *out);
    if (peer >= n->peer_count || peer == n->self)
        return SEQ_ERR_INVALID_ARG;
    nng_mtx_lock(n->mtx);
    const net_peer *p = &n->peers[peer];
    *out = p->counters;
    out->connected = p->active != NULL;
    out->queue_depth = p->queue.count;
    out->queue_bytes = p->queue.bytes;
    nng_mtx_unlock(n->mtx);
    return SEQ_OK;
}

void net_stats(net *n, net_counters *out)
{
    SEQ_ASSERT(n != NULL && out != NULL);
    nng_mtx_lock(n->mtx);
    *out = n->counters;
    out->inbox_depth = n->inbox_count;
    out->inbox_bytes = n->inbox_bytes;
    nng_mtx_unlock(n->mtx);
}

uint32_t net_peer_count(const net *n)
{
    SEQ_ASSERT(n != NULL && n->self < n->peer_count);
    return n->peer_count;
}

uint32_t net_self_index(const net *n)
{
    SEQ_ASSERT(n != NULL && n->self < n->peer_count);
    return n->self;
}

/* ------------------------------------------------------------ net_free */

/* Stops the timer thread, the listener and the dialers, then closes and
 * reaps every connection. */
static void net_stop(net *n)
{
    nng_mtx_lock(n->mtx);
    n->stopping = true;
    nng_cv_wake(n->timer_cv);
    nng_cv_wake(n->inbox_cv);
    nng_mtx_unlock(n->mtx);
    if (n->timer != NULL)
        nng_thread_destroy(n->timer); /* joins */
    n->timer = NULL;
    if (n->listener != NULL)
        nng_stream_listener_close(n->listener);
    for (uint32_t i = 0; i < n->peer_count; i++) {
        if (n->peers[i].dialer != NULL)
            nng_stream_dialer_close(n->peers[i].dialer);
    }
    if (n->accept_aio != NULL)
        nng_aio_stop(n->accept_aio);
    for (uint32_t i = 0; i < n->peer_count; i++) {
        if (n->peers[i].dial_aio != NULL)
            nng_aio_stop(n->peers[i].dial_aio);
    }
    nng_mtx_lock(n->mtx);
    while (n->conns != NULL)
        net_conn_close_locked(n->conns, NET_CLOSE_SHUTDOWN);
    net_conn *dead = n->dead;
    n->dead = NULL;
    nng_mtx_unlock(n->mtx);
    reap_all(dead);
}

static void peers_free(net *n)
{
    for (uint32_t i = 0; n->peers != NULL && i < n->peer_count; i++) {
        net_peer *p = &n->peers[i];
        if (p->dial_aio != NULL)
            nng_aio_free(p->dial_aio);
        if (p->dialer != NULL)
            nng_stream_dialer_free(p->dialer);
        queue_free(&p->queue);
    }
    free(n->peers);
}

void net_free(net *n)
{
    if (n == NULL)
        return;
    if (n->started)
        net_stop(n);
    if (n->accept_aio != NULL)
        nng_aio_free(n->accept_aio);
    if (n->listener != NULL)
        nng_stream_listener_free(n->listener);
    peers_free(n);
    for (uint32_t i = 0; n->inbox != NULL && i < n->inbox_count; i++)
        free(n->inbox[(n->inbox_head + i) % n->limits.inbox_depth].buf);
    free(n->inbox);
    if (n->secret_key != NULL) {
        if (sodium_mprotect_readwrite(n->secret_key) == 0)
            sodium_memzero(n->secret_key, NET_SECRET_KEY_BYTES);
        sodium_free(n->secret_key);
    }
    if (n->timer_cv != NULL)
        nng_cv_free(n->timer_cv);
    if (n->inbox_cv != NULL)
        nng_cv_free(n->inbox_cv);
    if (n->mtx != NULL)
        nng_mtx_free(n->mtx);
    free(n);
}
