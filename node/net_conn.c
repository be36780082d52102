/* net_conn.c — one transport connection: framing, the handshake, sealing
 * and opening frames, and the nng callbacks that drive them.
 *
 * A connection has three nng aios: one receive and one send in flight at a
 * time (the receive chain reads header, body, header, ...; the send chain
 * writes Hello, Auth, then frames from the peer's queue), and a kick that
 * moves sealing off the caller's thread. State shared with the rest of the
 * net changes under net.mtx; the bytes of the frame being read belong to
 * the receive chain and those being written to whoever set `sending`, so
 * sealing and opening (the expensive part) run without the lock.
 *
 * nng dispatches completions to its task threads and never runs a callback
 * inside the call that started the operation, so operations are started
 * with net.mtx held. A closed connection goes to net.dead; only the timer
 * thread (or net_free) reaps it, after nng_aio_stop has waited out its
 * callbacks, and no operation starts on a connection marked closing. */
#include "internal.h"

#include <nng/nng.h>
#include <nng/supplemental/util/platform.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "wire.h"

static void conn_recv_done(void *arg);
static void conn_send_done(void *arg);
static void conn_kick_done(void *arg);
static void conn_pump_locked(net_conn *c);

static net_close_reason close_reason_from_nng(int rv)
{
    switch (rv) {
    case NNG_ECLOSED:
    case NNG_ECONNRESET:
    case NNG_ECONNSHUT:
    case NNG_ECONNABORTED:
        return NET_CLOSE_PEER_CLOSED;
    case NNG_ENOMEM:
        return NET_CLOSE_NO_MEMORY;
    default:
        return NET_CLOSE_IO;
    }
}

/* ---------------------------------------------------------- lifecycle */

static net_conn *conn_alloc(net *n, nng_stream *stream, bool dialed, uint32_t peer)
{
    net_conn *c = calloc(1, sizeof *c);
    if (c == NULL)
        return NULL;
    c->n = n;
    c->stream = stream;
    c->dialed = dialed;
    c->peer = peer;
    c->session = sodium_malloc(sizeof *c->session);
    if (c->session == NULL)
        goto free_conn;
    if (nng_aio_alloc(&c->send_aio, conn_send_done, c) != 0)
        goto free_session;
    if (nng_aio_alloc(&c->recv_aio, conn_recv_done, c) != 0)
        goto free_send_aio;
    if (nng_aio_alloc(&c->kick_aio, conn_kick_done, c) != 0)
        goto free_recv_aio;
    return c;

free_recv_aio:
    nng_aio_free(c->recv_aio);
free_send_aio:
    nng_aio_free(c->send_aio);
free_session:
    sodium_free(c->session);
free_conn:
    free(c);
    return NULL;
}

static void conn_send_part_locked(net_conn *c)
{
    SEQ_ASSERT(c->sending && c->tx_done < c->tx_len);
    nng_iov iov = {.iov_buf = (void *)(c->tx_buf + c->tx_done), .iov_len = c->tx_len - c->tx_done};
    int rv = nng_aio_set_iov(c->send_aio, 1, &iov);
    SEQ_ASSERT(rv == 0); /* one vector never allocates */
    nng_stream_send(c->stream, c->send_aio);
}

/* Starts writing tx_buf[0..tx_len); mtx held, `sending` just taken. */
static void conn_send_start_locked(net_conn *c, const uint8_t *buf, size_t len, bool message)
{
    c->sending = true;
    c->tx_buf = buf;
    c->tx_len = len;
    c->tx_done = 0;
    c->tx_message = message;
    c->tx_started_ms = nng_clock();
    conn_send_part_locked(c);
}

static void conn_recv_part_locked(net_conn *c)
{
    SEQ_ASSERT(c->rx_have < c->rx_want);
    nng_iov iov = {.iov_buf = c->rx_buf + c->rx_have, .iov_len = c->rx_want - c->rx_have};
    int rv = nng_aio_set_iov(c->recv_aio, 1, &iov);
    SEQ_ASSERT(rv == 0);
    nng_stream_recv(c->stream, c->recv_aio);
}

static void conn_recv_header_locked(net_conn *c)
{
    c->rx_body = false;
    c->rx_buf = c->rx_header;
    c->rx_want = NET_FRAME_HEADER_BYTES;
    c->rx_have = 0;
    conn_recv_part_locked(c);
}

void net_conn_hello_prepare(net_conn *c)
{
    SEQ_ASSERT(c != NULL && c->n != NULL && c->session != NULL);
    net_session_init(c->session);
    seq_err err = net_hello_encode(c->hello_tx + NET_FRAME_HEADER_BYTES, NET_HANDSHAKE_BYTES_MAX,
                                   &c->hello_len, &c->n->genesis_hash, c->session->kx_public);
    SEQ_ASSERT(err == SEQ_OK); /* our own Hello always fits */
    net_frame_header(c->hello_tx, (uint32_t)c->hello_len);
    c->state = NET_CONN_HELLO;
}

seq_err net_conn_start_locked(net *n, nng_stream *stream, bool dialed, uint32_t peer,
                              uint64_t now_ms)
{
    SEQ_ASSERT(n != NULL && stream != NULL);
    SEQ_ASSERT(dialed == (peer != NET_PEER_NONE));
    net_conn *c = conn_alloc(n, stream, dialed, peer);
    if (c == NULL) {
        /* Safe under mtx: none of our aios is attached to the stream. */
        nng_stream_free(stream);
        return SEQ_ERR_NO_MEMORY;
    }
    net_conn_hello_prepare(c);
    c->deadline_ms = now_ms + n->limits.handshake_timeout_ms;
    c->in_ms = now_ms;
    c->out_ms = now_ms;
    c->next = n->conns;
    n->conns = c;
    if (!dialed)
        n->pending++;
    conn_send_start_locked(c, c->hello_tx, NET_FRAME_HEADER_BYTES + c->hello_len, false);
    conn_recv_header_locked(c);
    return SEQ_OK;
}

static void conn_unlink_locked(net *n, net_conn *c)
{
    for (net_conn **at = &n->conns; *at != NULL; at = &(*at)->next) {
        if (*at == c) {
            *at = c->next;
            c->next = NULL;
            return;
        }
    }
    SEQ_ASSERT(false); /* a live connection is always on n->conns */
}

void net_conn_close_locked(net_conn *c, net_close_reason reason)
{
    SEQ_ASSERT(c != NULL && reason < NET_CLOSE_REASON_COUNT_);
    net *n = c->n;
    if (c->closing)
        return;
    c->closing = true;
    nng_stream_close(c->stream); /* pending operations finish with NNG_ECLOSED */
    uint64_t now = nng_clock();
    conn_unlink_locked(n, c);
    c->next = n->dead;
    n->dead = c;
    if (c->paused) {
        net_paused_remove_locked(n, c);
        free(c->parked.buf);
        c->parked = (net_item){0};
        c->paused = false;
    }
    if (c->state != NET_CONN_OPEN && !c->dialed) {
        SEQ_ASSERT(n->pending > 0);
        n->pending--;
    }
    if (c->peer != NET_PEER_NONE) {
        net_peer *p = &n->peers[c->peer];
        if (p->active == c) {
            p->active = NULL;
            p->counters.disconnects++;
            net_redial_later_locked(n, p, now);
        } else if (c->dialed && c->state != NET_CONN_OPEN) {
            p->dialing = false;
            net_redial_later_locked(n, p, now);
        }
    }
    net_close_note_locked(n, c, reason, now);
}

void net_conn_reap(net_conn *c)
{
    SEQ_ASSERT(c != NULL && c->closing);
    nng_stream_close(c->stream);
    nng_aio_stop(c->send_aio);
    nng_aio_stop(c->recv_aio);
    nng_aio_stop(c->kick_aio);
    /* No callback of c runs or will run: everything below is ours. */
    nng_stream_free(c->stream);
    nng_aio_free(c->kick_aio);
    nng_aio_free(c->recv_aio);
    nng_aio_free(c->send_aio);
    free(c->tx_heap);
    free(c->rx_heap);
    free(c->parked.buf);
    sodium_free(c->session); /* wipes the session keys */
    free(c);
}

void net_conn_kick_locked(net_conn *c)
{
    SEQ_ASSERT(c != NULL);
    if (c->closing || c->sending || c->kick_pending)
        return;
    c->kick_pending = true;
    /* Completing our own aio dispatches its callback to nng's task threads
     * at once (nng_sleep_aio would go through the timer, at millisecond
     * granularity). begin fails only once reaping stopped the aio. */
    if (nng_aio_begin(c->kick_aio))
        nng_aio_finish(c->kick_aio, 0);
}

void net_conn_resume_locked(net_conn *c, uint64_t now_ms)
{
    SEQ_ASSERT(c != NULL && c->paused && !c->closing);
    c->paused = false;
    c->parked = (net_item){0};
    c->in_ms = now_ms; /* the pause was ours, not the peer's silence */
    conn_recv_header_locked(c);
}

/* -------------------------------------------------------------- sending */

/* Seals the next due message (or a keepalive when the link has been quiet
 * for a quarter of the idle timeout) and writes it. Drops mtx while
 * sealing; c stays valid because every caller is one of c's callbacks. */
static void conn_pump_locked(net_conn *c)
{
    net *n = c->n;
    if (c->closing || c->sending)
        return;
    if (c->auth_queued) {
        c->auth_queued = false;
        conn_send_start_locked(c, c->auth_tx, c->auth_tx_len, false);
        return;
    }
    if (c->state != NET_CONN_OPEN)
        return;
    uint64_t now = nng_clock();
    net_msg *m = net_queue_pop_due(&n->peers[c->peer].queue, now);
    if (m == NULL && now < c->out_ms + n->limits.idle_timeout_ms / 4)
        return;
    c->sending = true; /* the send chain, and nonce_tx, are ours */
    c->tx_started_ms = now;
    size_t plain_len = m != NULL ? m->len : 0;
    uint64_t nonce = c->nonce_tx++;
    nng_mtx_unlock(n->mtx);
    uint8_t *frame = malloc(NET_FRAME_HEADER_BYTES + plain_len + NET_AEAD_TAG_BYTES);
    if (frame != NULL)
        net_frame_seal(frame, m != NULL ? m->bytes : NULL, plain_len, c->session->key_tx, nonce);
    nng_mtx_lock(n->mtx);
    if (m != NULL)
        net_msg_unref_locked(m);
    c->sending = false;
    if (frame == NULL) {
        net_conn_close_locked(c, NET_CLOSE_NO_MEMORY); /* the nonce is spent */
        return;
    }
    if (c->closing) {
        free(frame);
        return;
    }
    c->tx_heap = frame;
    conn_send_start_locked(c, frame, NET_FRAME_HEADER_BYTES + plain_len + NET_AEAD_TAG_BYTES,
                           m != NULL);
}

static void conn_send_done(void *arg)
{
    net_conn *c = arg;
    net *n = c->n;
    int rv = nng_aio_result(c->send_aio);
    size_t sent = nng_aio_count(c->send_aio);
    nng_mtx_lock(n->mtx);
    if (c->closing)
        goto unlock;
    if (rv != 0) {
        net_conn_close_locked(c, close_reason_from_nng(rv));
        goto unlock;
    }
    c->tx_done += sent;
    if (c->peer != NET_PEER_NONE)
        n->peers[c->peer].counters.bytes_out += sent;
    if (c->tx_done < c->tx_len) {
        conn_send_part_locked(c);
        goto unlock;
    }
    if (c->tx_message)
        n->peers[c->peer].counters.frames_out++;
    free(c->tx_heap);
    c->tx_heap = NULL;
    c->tx_buf = NULL;
    c->sending = false;
    c->out_ms = nng_clock();
    conn_pump_locked(c);
unlock:
    nng_mtx_unlock(n->mtx);
}

static void conn_kick_done(void *arg)
{
    net_conn *c = arg;
    nng_mtx_lock(c->n->mtx);
    c->kick_pending = false;
    conn_pump_locked(c);
    nng_mtx_unlock(c->n->mtx);
}

/* ------------------------------------------------------------ handshake */

/* Checks the peer's Hello (in hs_rx) and derives the session; no lock:
 * everything touched belongs to the receive chain or is fixed. */
net_close_reason net_conn_hello_check(net_conn *c)
{
    SEQ_ASSERT(c != NULL && c->state == NET_CONN_HELLO);
    SEQ_ASSERT(c->rx_want >= 1 && c->rx_want <= NET_HANDSHAKE_BYTES_MAX);
    const net *n = c->n;
    wire_hello hello;
    if (net_hello_decode(&hello, c->hs_rx, c->rx_want) != SEQ_OK)
        return NET_CLOSE_MALFORMED;
    if (!seq_hash_equal(&hello.genesis_hash, &n->genesis_hash))
        return NET_CLOSE_GENESIS_MISMATCH;
    if (net_session_derive(c->session, c->transcript, c->dialed,
                           c->hello_tx + NET_FRAME_HEADER_BYTES, c->hello_len, c->hs_rx, c->rx_want,
                           hello.kx_public_key) != SEQ_OK)
        return NET_CLOSE_MALFORMED;
    return NET_CLOSE_NONE;
}

/* Signs, encodes and seals our Auth (the first frame under key_tx). */
static void conn_auth_prepare_locked(net_conn *c)
{
    net *n = c->n;
    wire_auth auth = {.validator = n->peers[n->self].address};
    memcpy(auth.transport_public_key, n->public_key, NET_PUBLIC_KEY_BYTES);
    uint8_t message[NET_AUTH_MESSAGE_BYTES];
    net_auth_message(message, c->dialed, c->transcript, &auth.validator);
    net_sign_locked(n, auth.transcript_sig, message, sizeof message);
    uint8_t plain[NET_HANDSHAKE_BYTES_MAX - NET_AEAD_TAG_BYTES];
    size_t plain_len = 0;
    seq_err err = net_auth_encode(plain, sizeof plain, &plain_len, &auth);
    SEQ_ASSERT(err == SEQ_OK); /* our own Auth always fits */
    SEQ_ASSERT(c->nonce_tx == 0);
    net_frame_seal(c->auth_tx, plain, plain_len, c->session->key_tx, c->nonce_tx++);
    c->auth_tx_len = NET_FRAME_HEADER_BYTES + plain_len + NET_AEAD_TAG_BYTES;
}

static void conn_hello_received(net_conn *c)
{
    net *n = c->n;
    net_close_reason fail = net_conn_hello_check(c);
    nng_mtx_lock(n->mtx);
    if (c->closing)
        goto unlock;
    if (fail != NET_CLOSE_NONE) {
        net_conn_close_locked(c, fail);
        goto unlock;
    }
    conn_auth_prepare_locked(c);
    c->state = NET_CONN_AUTH;
    c->auth_queued = true;
    conn_recv_header_locked(c);
    conn_pump_locked(c); /* sends the Auth now unless the Hello is still going out */
unlock:
    nng_mtx_unlock(n->mtx);
}

/* Opens and checks the peer's Auth; *peer receives the validator it names
 * when that is a committee member we may attribute the failure to. */
net_close_reason net_conn_auth_check(net_conn *c, uint32_t *peer)
{
    SEQ_ASSERT(c != NULL && peer != NULL && c->state == NET_CONN_AUTH);
    SEQ_ASSERT(c->rx_want >= NET_AEAD_TAG_BYTES && c->rx_want <= NET_HANDSHAKE_BYTES_MAX);
    const net *n = c->n;
    *peer = NET_PEER_NONE;
    if (net_frame_open(c->hs_rx, c->rx_want, c->rx_header, c->session->key_rx, c->nonce_rx) !=
        SEQ_OK)
        return NET_CLOSE_DECRYPT_FAILED;
    c->nonce_rx++;
    wire_auth auth;
    if (net_auth_decode(&auth, c->hs_rx, c->rx_want - NET_AEAD_TAG_BYTES) != SEQ_OK)
        return NET_CLOSE_MALFORMED;
    uint32_t index = net_peer_find(n, &auth.validator);
    if (index == NET_PEER_NONE)
        return NET_CLOSE_UNKNOWN_VALIDATOR;
    if (index == n->self || (c->dialed && index != c->peer))
        return NET_CLOSE_WRONG_PEER;
    *peer = index;
    const uint8_t *key = n->peers[index].public_key;
    if (sodium_memcmp(auth.transport_public_key, key, NET_PUBLIC_KEY_BYTES) != 0)
        return NET_CLOSE_WRONG_KEY;
    uint8_t message[NET_AUTH_MESSAGE_BYTES];
    net_auth_message(message, !c->dialed, c->transcript, &auth.validator);
    if (!net_signature_valid(key, auth.transcript_sig, message, sizeof message))
        return NET_CLOSE_BAD_SIGNATURE;
    return NET_CLOSE_NONE;
}

/* The tie-break: of two connections between the same two nodes, both keep
 * the one dialled by the lower committee index; between equals, the newer
 * (a restarted peer's old connection may not have noticed yet). */
static bool conn_preferred(const net_conn *c)
{
    uint32_t dialer = c->dialed ? c->n->self : c->peer;
    return dialer == SEQ_MIN(c->n->self, c->peer);
}

/* Makes c its peer's connection; returns false if c lost the tie-break and
 * was closed instead. */
static bool conn_open_locked(net_conn *c, uint64_t now_ms)
{
    net *n = c->n;
    net_peer *p = &n->peers[c->peer];
    if (c->dialed) {
        p->dialing = false;
    } else {
        SEQ_ASSERT(n->pending > 0);
        n->pending--;
    }
    c->state = NET_CONN_OPEN;
    c->in_ms = now_ms;
    c->out_ms = now_ms;
    net_conn *old = p->active;
    if (old != NULL && conn_preferred(old) && !conn_preferred(c)) {
        net_conn_close_locked(c, NET_CLOSE_DUPLICATE);
        return false;
    }
    if (old != NULL) {
        p->active = NULL; /* a replacement, not a disconnect */
        net_conn_close_locked(old, NET_CLOSE_DUPLICATE);
    } else {
        p->counters.connects++;
    }
    p->active = c;
    p->dial_attempts = 0;
    n->counters.handshakes++;
    SEQ_LOG(SEQ_LOG_INFO, "net_peer_connected", SEQ_F_U64("peer", c->peer),
            SEQ_F_BOOL("dialed", c->dialed), SEQ_F_BOOL("replaced", old != NULL));
    return true;
}

static void conn_auth_received(net_conn *c)
{
    net *n = c->n;
    uint32_t named = NET_PEER_NONE;
    net_close_reason fail = net_conn_auth_check(c, &named);
    nng_mtx_lock(n->mtx);
    if (c->closing)
        goto unlock;
    if (named != NET_PEER_NONE)
        c->peer = named; /* so a failure is counted against whom it claims to be */
    if (fail != NET_CLOSE_NONE) {
        net_conn_close_locked(c, fail);
        goto unlock;
    }
    if (!conn_open_locked(c, nng_clock()))
        goto unlock;
    conn_recv_header_locked(c);
    conn_pump_locked(c);
unlock:
    nng_mtx_unlock(n->mtx);
}

/* ------------------------------------------------------------ receiving */

net_close_reason net_conn_frame_open(net_conn *c, uint8_t *body, size_t body_len)
{
    SEQ_ASSERT(c != NULL && body != NULL && c->state == NET_CONN_OPEN);
    SEQ_ASSERT(net_frame_len_valid(c->state, (uint32_t)body_len));
    seq_err err = net_frame_open(body, body_len, c->rx_header, c->session->key_rx, c->nonce_rx);
    c->nonce_rx++; /* a failure closes the connection: the counter is spent either way */
    return err == SEQ_OK ? NET_CLOSE_NONE : NET_CLOSE_DECRYPT_FAILED;
}

static void conn_frame_received(net_conn *c)
{
    net *n = c->n;
    uint8_t *body = c->rx_heap;
    size_t body_len = c->rx_want;
    net_close_reason fail = net_conn_frame_open(c, body, body_len);
    nng_mtx_lock(n->mtx);
    c->rx_heap = NULL;
    if (c->closing || fail != NET_CLOSE_NONE) {
        free(body);
        if (!c->closing)
            net_conn_close_locked(c, fail);
        goto unlock;
    }
    c->in_ms = nng_clock();
    net_peer *p = &n->peers[c->peer];
    net_item item = {
        .from = c->peer, .len = (uint32_t)(body_len - NET_AEAD_TAG_BYTES), .buf = body};
    if (item.len > 0)
        p->counters.frames_in++; /* an empty frame is a keepalive */
    if (item.len == 0 || p->fault.block_recv) {
        if (item.len > 0)
            p->counters.drops_fault++;
        free(body);
    } else if (!net_inbox_offer_locked(n, &item)) {
        /* The inbox is full: keep the frame and stop reading until
         * net_recv makes room; TCP pushes back on the sender meanwhile. */
        c->parked = item;
        c->paused = true;
        net_paused_add_locked(n, c);
        goto unlock;
    }
    conn_recv_header_locked(c);
unlock:
    nng_mtx_unlock(n->mtx);
}

static void conn_body_done(net_conn *c)
{
    switch (c->state) {
    case NET_CONN_HELLO:
        conn_hello_received(c);
        return;
    case NET_CONN_AUTH:
        conn_auth_received(c);
        return;
    case NET_CONN_OPEN:
        conn_frame_received(c);
        return;
    }
    SEQ_ASSERT(false);
}

/* Checks a length prefix against the cap of the connection's state before
 * anything is allocated for the body. */
static void conn_header_done(net_conn *c)
{
    net *n = c->n;
    uint32_t len = net_frame_body_len(c->rx_header);
    bool open = c->state == NET_CONN_OPEN; /* only this chain changes state */
    net_close_reason fail = NET_CLOSE_NONE;
    uint8_t *heap = NULL;
    if (!net_frame_len_valid(c->state, len))
        fail = NET_CLOSE_FRAME_SIZE;
    else if (open && (heap = malloc(len)) == NULL)
        fail = NET_CLOSE_NO_MEMORY;
    nng_mtx_lock(n->mtx);
    if (c->closing || fail != NET_CLOSE_NONE) {
        free(heap);
        if (!c->closing)
            net_conn_close_locked(c, fail);
        goto unlock;
    }
    c->rx_heap = heap;
    c->rx_body = true;
    c->rx_buf = open ? heap : c->hs_rx;
    c->rx_want = len;
    c->rx_have = 0;
    conn_recv_part_locked(c);
unlock:
    nng_mtx_unlock(n->mtx);
}

static void conn_recv_done(void *arg)
{
    net_conn *c = arg;
    net *n = c->n;
    int rv = nng_aio_result(c->recv_aio);
    size_t got = nng_aio_count(c->recv_aio);
    nng_mtx_lock(n->mtx);
    if (c->closing)
        goto unlock;
    if (rv != 0) {
        net_conn_close_locked(c, close_reason_from_nng(rv));
        goto unlock;
    }
    c->rx_have += got;
    if (c->peer != NET_PEER_NONE)
        n->peers[c->peer].counters.bytes_in += got;
    if (c->rx_have < c->rx_want) {
        conn_recv_part_locked(c);
        goto unlock;
    }
    nng_mtx_unlock(n->mtx);
    if (c->rx_body)
        conn_body_done(c);
    else
        conn_header_done(c);
    return;
unlock:
    nng_mtx_unlock(n->mtx);
}
