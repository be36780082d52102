/* api.c — the node's HTTP API on nng's HTTP server: GET /health and
 * JSON-RPC 2.0 on POST / (seq_status, seq_getBlockByHeight). Callbacks run
 * on nng's threads; they read the runtime's status snapshot and the store,
 * never the consensus core. */
#include "internal.h"

#include <nng/supplemental/http/http.h>
#include <stdlib.h>
#include <string.h>

#include "l1.h"

/* JSON-RPC 2.0 error codes. */
#define API_PARSE_ERROR      (-32700)
#define API_INVALID_REQUEST  (-32600)
#define API_METHOD_NOT_FOUND (-32601)
#define API_INVALID_PARAMS   (-32602)
#define API_INTERNAL_ERROR   (-32603)

#define API_JSON_DEPTH_MAX 16u /* nesting accepted in a request */

struct node_api {
    nng_url *url;
    nng_http_server *server;
    node_runtime *rt;
    const store *store;
    seq_block_header genesis;
};

/* ------------------------------------------------------------- JSON */

static json_t *json_hex(const uint8_t *bytes, size_t len)
{
    char text[2 + 2 * SEQ_HASH_BYTES + 1];
    SEQ_ASSERT(len <= SEQ_HASH_BYTES);
    node_config_hex(text, 2 + 2 * len + 1, bytes, len);
    return json_string(text);
}

static json_t *json_addr(const seq_addr *addr)
{
    char text[43];
    l1_addr_checksum(text, addr);
    return json_string(text);
}

static json_t *json_u64(uint64_t v)
{
    return json_integer((json_int_t)v);
}

static json_t *status_peers(const node_status *s)
{
    json_t *peers = json_array();
    for (size_t i = 0; peers != NULL && i < s->committee_size; i++) {
        const node_peer_status *p = &s->peers[i];
        json_array_append_new(
            peers,
            json_pack("{s:I,s:o,s:b,s:b,s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "index", (json_int_t)i,
                      "address", json_addr(&p->address), "self", i == s->self_index, "connected",
                      p->connected, "framesIn", (json_int_t)p->frames_in, "framesOut",
                      (json_int_t)p->frames_out, "bytesIn", (json_int_t)p->bytes_in, "bytesOut",
                      (json_int_t)p->bytes_out, "drops", (json_int_t)p->drops, "authFailures",
                      (json_int_t)p->auth_failures, "protocolErrors",
                      (json_int_t)p->protocol_errors));
    }
    return peers;
}

static json_t *status_json(const node_status *s)
{
    const cons_stats *c = &s->stats;
    json_t *stats =
        json_pack("{s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "proposalsMade", json_u64(c->proposals_made),
                  "votesSent", json_u64(c->votes_sent), "timeoutsSent", json_u64(c->timeouts_sent),
                  "qcsFormed", json_u64(c->qcs_formed), "tcsFormed", json_u64(c->tcs_formed),
                  "blocksCommitted", json_u64(c->blocks_committed), "evidenceFound",
                  json_u64(c->evidence_found), "fetchesSent", json_u64(c->fetches_sent));
    json_t *messages =
        json_pack("{s:o,s:o,s:o,s:o}", "in", json_u64(s->messages_in), "invalid",
                  json_u64(s->messages_invalid), "ignored", json_u64(s->messages_ignored),
                  "syncServed", json_u64(s->sync_served));
    return json_pack("{s:b,s:o,s:I,s:I,s:o,s:I,s:o,s:o,s:o,s:o,s:o,s:b,s:b,s:o,s:I,s:o,s:o,s:o,"
                     "s:o}",
                     "running", s->running, "validator", json_addr(&s->validator), "validatorIndex",
                     (json_int_t)s->self_index, "committeeSize", (json_int_t)s->committee_size,
                     "view", json_u64(s->view), "leaderIndex", (json_int_t)s->leader_index,
                     "leader", json_addr(&s->leader), "height", json_u64(s->height_committed),
                     "hash", json_hex(s->hash_committed.b, SEQ_HASH_BYTES), "highQcView",
                     json_u64(s->high_qc_view), "timeoutsConsecutive",
                     json_u64(s->timeouts_consecutive), "halted", s->halted, "storeFailing",
                     s->store_failing, "uptimeMs", json_u64(s->uptime_ms), "peersConnected",
                     (json_int_t)s->peers_connected, "peers", status_peers(s), "messages", messages,
                     "stats", stats, "storeFailures", json_u64(s->store_failures));
}

static json_t *block_json(const seq_hash *hash, const seq_block_header *h, size_t tx_count,
                          size_t qc_signers, uint64_t qc_view)
{
    return json_pack(
        "{s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:I,s:I}", "l2ChainId",
        json_u64(h->l2_chain_id), "height", json_u64(h->height), "view", json_u64(h->view), "hash",
        json_hex(hash->b, SEQ_HASH_BYTES), "parentHash", json_hex(h->parent_hash.b, SEQ_HASH_BYTES),
        "txRoot", json_hex(h->tx_root.b, SEQ_HASH_BYTES), "l1OriginNumber",
        json_u64(h->l1_origin_number), "l1OriginHash",
        json_hex(h->l1_origin_hash.b, SEQ_HASH_BYTES), "forcedCursor", json_u64(h->forced_cursor),
        "timestampMs", json_u64(h->timestamp_ms), "proposer", json_addr(&h->proposer), "txCount",
        json_u64(tx_count), "qcSigners", (json_int_t)qc_signers, "qcView", (json_int_t)qc_view);
}

/* ---------------------------------------------------------- JSON-RPC */

static json_t *rpc_error(json_t *id, int code, const char *message)
{
    return json_pack("{s:s,s:O,s:{s:i,s:s}}", "jsonrpc", "2.0", "id", id != NULL ? id : json_null(),
                     "error", "code", code, "message", message);
}

static json_t *rpc_result(json_t *id, json_t *result)
{
    return json_pack("{s:s,s:O,s:o}", "jsonrpc", "2.0", "id", id, "result", result);
}

/* A height: a JSON integer or a "0x" hex string. */
static bool parse_height(uint64_t *out, const json_t *v)
{
    if (json_is_integer(v) && json_integer_value(v) >= 0) {
        *out = (uint64_t)json_integer_value(v);
        return true;
    }
    const char *text = json_string_value(v);
    if (text == NULL || strncmp(text, "0x", 2) != 0 || text[2] == '\0' || strlen(text) > 18)
        return false;
    char *end = NULL;
    unsigned long long h = strtoull(text + 2, &end, 16);
    if (*end != '\0' || text[2] == '-' || text[2] == '+' || text[2] == ' ')
        return false;
    *out = (uint64_t)h;
    return true;
}

/* The block at height with its QC, or JSON null above the tip. */
static json_t *get_block(const node_api *api, json_t *id, uint64_t height)
{
    if (height == 0) {
        seq_hash hash = {{0}};
        l1_block_hash(&hash, &api->genesis);
        return rpc_result(id, block_json(&hash, &api->genesis, 0, 0, 0));
    }
    json_t *reply = NULL;
    seq_hash hash;
    seq_err err = store_get_hash_at(api->store, &hash, height);
    if (err == SEQ_ERR_NOT_FOUND)
        return rpc_result(id, json_null());
    uint8_t *buf = malloc(STORE_BLOCK_ARENA_BYTES + STORE_QC_ARENA_BYTES);
    if (err != SEQ_OK || buf == NULL)
        goto fail;
    seq_arena block_arena, qc_arena;
    seq_arena_init(&block_arena, buf, STORE_BLOCK_ARENA_BYTES);
    seq_arena_init(&qc_arena, buf + STORE_BLOCK_ARENA_BYTES, STORE_QC_ARENA_BYTES);
    cons_block block;
    wire_qc qc = {0};
    err = store_get_block(api->store, &block, &block_arena, &hash);
    if (err == SEQ_OK) {
        seq_err qc_err = store_get_qc(api->store, &qc, &qc_arena, &hash);
        if (qc_err != SEQ_OK)
            memset(&qc, 0, sizeof qc); /* the next block's QC may still be on its way */
        reply = rpc_result(id, block_json(&hash, &block.block.header, block.block.tx_count,
                                          qc.sig_count, qc.view));
    }
fail:
    free(buf);
    if (reply == NULL)
        reply = rpc_error(id, API_INTERNAL_ERROR, seq_strerror(err));
    return reply;
}

static json_t *rpc_dispatch(const node_api *api, json_t *id, const char *method, json_t *params)
{
    if (strcmp(method, "seq_status") == 0) {
        if (params != NULL && json_array_size(params) + json_object_size(params) != 0)
            return rpc_error(id, API_INVALID_PARAMS, "seq_status takes no parameters");
        node_status *s = malloc(sizeof *s);
        if (s == NULL)
            return rpc_error(id, API_INTERNAL_ERROR, "out of memory");
        node_runtime_status(api->rt, s);
        json_t *reply = rpc_result(id, status_json(s));
        free(s);
        return reply;
    }
    if (strcmp(method, "seq_getBlockByHeight") == 0) {
        uint64_t height = 0;
        if (!json_is_array(params) || json_array_size(params) != 1 ||
            !parse_height(&height, json_array_get(params, 0)))
            return rpc_error(id, API_INVALID_PARAMS,
                             "seq_getBlockByHeight takes [height] (an integer or 0x hex)");
        return get_block(api, id, height);
    }
    return rpc_error(id, API_METHOD_NOT_FOUND, "method not found");
}

/* Returns the reply, or NULL for a notification (no id: no reply). */
static json_t *rpc_handle(const node_api *api, const char *body, size_t len)
{
    json_error_t error;
    json_t *req = json_loadb(body, len, JSON_REJECT_DUPLICATES, &error);
    if (req == NULL)
        return rpc_error(NULL, API_PARSE_ERROR, "parse error: the body is not JSON");
    json_t *reply = NULL;
    json_t *id = json_object_get(req, "id");
    json_t *params = json_object_get(req, "params");
    const char *version = json_string_value(json_object_get(req, "jsonrpc"));
    const char *method = json_string_value(json_object_get(req, "method"));
    bool id_ok = id == NULL || json_is_string(id) || json_is_integer(id) || json_is_null(id);
    if (!json_is_object(req) || version == NULL || strcmp(version, "2.0") != 0 || method == NULL ||
        !id_ok || (params != NULL && !json_is_array(params) && !json_is_object(params))) {
        reply = rpc_error(id_ok ? id : NULL, API_INVALID_REQUEST,
                          json_is_array(req) ? "invalid request: batches are not supported"
                                             : "invalid request: need jsonrpc \"2.0\", a method "
                                               "string, an id and array or object params");
    } else if (id != NULL) {
        reply = rpc_dispatch(api, id, method, params);
    }
    json_decref(req);
    return reply;
}

/* ------------------------------------------------------------- HTTP */

static void reply_http(nng_aio *aio, uint16_t status, const char *body)
{
    nng_http_res *res = NULL;
    if (nng_http_res_alloc(&res) != 0) {
        nng_aio_finish(aio, NNG_ENOMEM);
        return;
    }
    if (nng_http_res_set_status(res, status) != 0 ||
        nng_http_res_set_header(res, "Content-Type", "application/json") != 0 ||
        (body != NULL && nng_http_res_copy_data(res, body, strlen(body)) != 0)) {
        nng_http_res_free(res);
        nng_aio_finish(aio, NNG_ENOMEM);
        return;
    }
    nng_aio_set_output(aio, 0, res);
    nng_aio_finish(aio, 0);
}

static node_api *api_of(nng_aio *aio)
{
    return nng_http_handler_get_data(nng_aio_get_input(aio, 1));
}

static void health_cb(nng_aio *aio)
{
    node_api *api = api_of(aio);
    node_status *s = malloc(sizeof *s);
    if (s == NULL) {
        nng_aio_finish(aio, NNG_ENOMEM);
        return;
    }
    node_runtime_status(api->rt, s);
    char body[160];
    snprintf(body, sizeof body, "{\"status\":\"%s\",\"height\":%llu,\"view\":%llu}\n",
             s->running && !s->halted ? "ok" : "unavailable",
             (unsigned long long)s->height_committed, (unsigned long long)s->view);
    uint16_t code =
        s->running && !s->halted ? NNG_HTTP_STATUS_OK : NNG_HTTP_STATUS_SERVICE_UNAVAILABLE;
    free(s);
    reply_http(aio, code, body);
}

static void rpc_cb(nng_aio *aio)
{
    node_api *api = api_of(aio);
    nng_http_req *req = nng_aio_get_input(aio, 0);
    void *data = NULL;
    size_t len = 0;
    nng_http_req_get_data(req, &data, &len);
    json_t *reply = rpc_handle(api, data, len);
    if (reply == NULL) {
        reply_http(aio, NNG_HTTP_STATUS_NO_CONTENT, NULL);
        return;
    }
    char *text = json_dumps(reply, JSON_COMPACT);
    json_decref(reply);
    if (text == NULL) {
        nng_aio_finish(aio, NNG_ENOMEM);
        return;
    }
    reply_http(aio, NNG_HTTP_STATUS_OK, text);
    free(text);
}

static seq_err add_handler(node_api *api, const char *path, const char *method,
                           void (*cb)(nng_aio *), size_t body_max)
{
    nng_http_handler *h = NULL;
    if (nng_http_handler_alloc(&h, path, cb) != 0)
        return SEQ_ERR_NO_MEMORY;
    if (nng_http_handler_set_method(h, method) != 0 ||
        nng_http_handler_set_data(h, api, NULL) != 0 ||
        (body_max > 0 && nng_http_handler_collect_body(h, true, body_max) != 0) ||
        nng_http_server_add_handler(api->server, h) != 0) {
        nng_http_handler_free(h);
        return SEQ_ERR_INTERNAL;
    }
    return SEQ_OK;
}

seq_err node_api_start(node_api **out, node_diag *why, const char *url, node_runtime *rt,
                       const store *s, const seq_block_header *genesis)
{
    SEQ_ASSERT(out != NULL && url != NULL && rt != NULL && s != NULL && genesis != NULL);
    *out = NULL;
    node_api *api = calloc(1, sizeof *api);
    if (api == NULL)
        return node_diag_set(why, SEQ_ERR_NO_MEMORY, "out of memory");
    api->rt = rt;
    api->store = s;
    api->genesis = *genesis;
    seq_err err = SEQ_ERR_INVALID_ARG;
    if (nng_url_parse(&api->url, url) != 0 || nng_http_server_hold(&api->server, api->url) != 0)
        goto free_api;
    if ((err = add_handler(api, "/health", "GET", health_cb, 0)) != SEQ_OK ||
        (err = add_handler(api, "/", "POST", rpc_cb, NODE_API_BODY_BYTES_MAX)) != SEQ_OK)
        goto free_api;
    int rv = nng_http_server_start(api->server);
    if (rv != 0) {
        err = rv == NNG_EADDRINUSE ? SEQ_ERR_UNAVAILABLE : SEQ_ERR_INTERNAL;
        goto free_api;
    }
    *out = api;
    return SEQ_OK;
free_api:
    node_api_free(api);
    return node_diag_set(why, err, "rpc_listen %s: cannot serve the API: %s", url,
                         err == SEQ_ERR_UNAVAILABLE ? "address in use" : seq_strerror(err));
}

void node_api_free(node_api *api)
{
    if (api == NULL)
        return;
    if (api->server != NULL) {
        nng_http_server_stop(api->server);
        nng_http_server_release(api->server);
    }
    if (api->url != NULL)
        nng_url_free(api->url);
    free(api);
}
