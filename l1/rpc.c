/* rpc.c — the L1 JSON-RPC client: one libcurl easy handle per endpoint
 * (kept-alive connection, bounded response buffer), requests built with
 * jansson, responses read by the pure parser of rpc_parse.c.
 *
 * A call is: build the request text once, then attempt it up to
 * 1 + retries times (rpc_exchange decides whether another attempt is safe),
 * then describe the outcome in one line (rpc_describe). */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <sodium.h>

#include "internal.h"

#define RPC_BODY_INITIAL_BYTES (16u * 1024u)
#define RPC_BODY_KEEP_BYTES    (1u << 20) /* a larger buffer is freed after its call */
#define RPC_METHOD_BYTES_MAX   64u
#define RPC_REASON_BYTES       (CURL_ERROR_SIZE + 64u)
#define RPC_HTTP_TOO_MANY      429
#define RPC_HTTP_SERVER_ERROR  500

_Static_assert(L1_RPC_CONNECT_TIMEOUT_MS_DEFAULT <= L1_RPC_TIMEOUT_MS_DEFAULT,
               "the default connect timeout fits the default attempt timeout");
_Static_assert(L1_RPC_TIMEOUT_MS_DEFAULT <= L1_RPC_TIMEOUT_MS_MAX, "default timeout in range");
_Static_assert(L1_RPC_RETRIES_DEFAULT <= L1_RPC_RETRIES_MAX, "default retries in range");
_Static_assert(L1_RPC_BACKOFF_MS_BASE_DEFAULT <= L1_RPC_BACKOFF_MS_MAX_DEFAULT &&
                   L1_RPC_BACKOFF_MS_MAX_DEFAULT <= L1_RPC_BACKOFF_MS_MAX,
               "default backoff in range");
_Static_assert(L1_RPC_RESPONSE_BYTES_MIN <= L1_RPC_RESPONSE_BYTES_DEFAULT &&
                   L1_RPC_RESPONSE_BYTES_DEFAULT <= L1_RPC_RESPONSE_BYTES_MAX,
               "default response cap in range");
_Static_assert(L1_RPC_RESPONSE_BYTES_MAX <= SIZE_MAX / 2, "doubling the buffer cannot overflow");
_Static_assert(L1_RPC_TIMEOUT_MS_MAX <= 0x7fffffff, "timeouts fit curl's long");

struct l1_rpc {
    CURL *curl;
    struct curl_slist *headers;
    l1_rpc_options options;
    char endpoint[L1_RPC_URL_BYTES_MAX]; /* scheme://host:port, for messages */
    uint64_t id_last;
    uint8_t *body; /* the response of the current attempt */
    size_t body_len;
    size_t body_cap;
    bool body_over; /* it passed options.response_bytes_max */
    bool body_no_memory;
    char curl_message[CURL_ERROR_SIZE];
    char reason[RPC_REASON_BYTES]; /* why the last attempt failed in transport */
    char error_text[L1_RPC_ERROR_TEXT_BYTES];
    bool has_remote;
    l1_rpc_error remote;
};

/* What a call wants from the response: a shape, or (l1_rpc_call) the result
 * as JSON text. res always receives the error details. */
typedef struct {
    l1_rpc_result *res;
    const l1_rpc_space *space;
    l1_rpc_shape shape;
    char **json_out;
} rpc_want;

/* ----------------------------------------------------------- lifecycle */

static pthread_once_t rpc_once = PTHREAD_ONCE_INIT;
static bool rpc_global_ok;

static void rpc_global_init(void)
{
    /* libsodium provides the backoff jitter. */
    rpc_global_ok = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK && sodium_init() >= 0;
}

void l1_rpc_options_default(l1_rpc_options *out)
{
    SEQ_ASSERT(out != NULL);
    *out = (l1_rpc_options){
        .connect_timeout_ms = L1_RPC_CONNECT_TIMEOUT_MS_DEFAULT,
        .timeout_ms = L1_RPC_TIMEOUT_MS_DEFAULT,
        .retries = L1_RPC_RETRIES_DEFAULT,
        .backoff_ms_base = L1_RPC_BACKOFF_MS_BASE_DEFAULT,
        .backoff_ms_max = L1_RPC_BACKOFF_MS_MAX_DEFAULT,
        .response_bytes_max = L1_RPC_RESPONSE_BYTES_DEFAULT,
    };
}

static bool rpc_options_valid(const l1_rpc_options *o)
{
    return o->timeout_ms >= 1 && o->timeout_ms <= L1_RPC_TIMEOUT_MS_MAX &&
           o->connect_timeout_ms >= 1 && o->connect_timeout_ms <= o->timeout_ms &&
           o->retries <= L1_RPC_RETRIES_MAX && o->backoff_ms_max <= L1_RPC_BACKOFF_MS_MAX &&
           o->backoff_ms_base <= o->backoff_ms_max &&
           o->response_bytes_max >= L1_RPC_RESPONSE_BYTES_MIN &&
           o->response_bytes_max <= L1_RPC_RESPONSE_BYTES_MAX;
}

/* Checks url (http or https, with a host) and keeps scheme://host:port of
 * it: the path and query often carry an API key and never go to logs. */
static seq_err rpc_endpoint(l1_rpc *c, const char *url)
{
    seq_err err = SEQ_ERR_INVALID_ARG;
    char *scheme = NULL, *host = NULL, *port = NULL;
    CURLU *u = curl_url();
    if (u == NULL)
        return SEQ_ERR_NO_MEMORY;
    if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) != CURLUE_OK)
        goto free_url;
    if (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0)
        goto free_url;
    snprintf(c->endpoint, sizeof(c->endpoint), "%s://%s:%s", scheme, host, port);
    err = SEQ_OK;
free_url:
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    curl_url_cleanup(u);
    return err;
}

/* Appends each response chunk to c->body, refusing to pass the cap. */
static size_t rpc_write(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    l1_rpc *c = userdata;
    size_t n = size * nmemb; /* size is always 1 */
    size_t cap_max = c->options.response_bytes_max;
    if (n > cap_max - c->body_len) {
        c->body_over = true;
        return 0; /* aborts the transfer */
    }
    if (n > c->body_cap - c->body_len) {
        size_t want = SEQ_MAX(SEQ_MAX(c->body_len + n, 2 * c->body_cap), RPC_BODY_INITIAL_BYTES);
        want = SEQ_MIN(want, cap_max);
        uint8_t *grown = realloc(c->body, want);
        if (grown == NULL) {
            c->body_no_memory = true;
            return 0;
        }
        c->body = grown;
        c->body_cap = want;
    }
    memcpy(c->body + c->body_len, ptr, n);
    c->body_len += n;
    return n;
}

static seq_err rpc_configure(l1_rpc *c, const char *url)
{
    static const char *const lines[] = {"Content-Type: application/json",
                                        "Accept: application/json", "Expect:"};
    for (size_t i = 0; i < SEQ_ARRAY_LEN(lines); i++) {
        struct curl_slist *next = curl_slist_append(c->headers, lines[i]);
        if (next == NULL)
            return SEQ_ERR_NO_MEMORY;
        c->headers = next;
    }
    CURL *h = c->curl;
    const l1_rpc_options *o = &c->options;
    bool ok =
        curl_easy_setopt(h, CURLOPT_URL, url) == CURLE_OK &&
        curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https") == CURLE_OK &&
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, c->headers) == CURLE_OK &&
        curl_easy_setopt(h, CURLOPT_USERAGENT, "seqd/" SEQ_VERSION) == CURLE_OK &&
        curl_easy_setopt(h, CURLOPT_POST, 1L) == CURLE_OK &&
        curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L) == CURLE_OK &&
        curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)o->connect_timeout_ms) == CURLE_OK &&
        curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)o->timeout_ms) == CURLE_OK &&
        curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)o->response_bytes_max) ==
            CURLE_OK &&
        curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, rpc_write) == CURLE_OK &&
        curl_easy_setopt(h, CURLOPT_WRITEDATA, c) == CURLE_OK &&
        curl_easy_setopt(h, CURLOPT_ERRORBUFFER, c->curl_message) == CURLE_OK;
    return ok ? SEQ_OK : SEQ_ERR_INTERNAL;
}

seq_err l1_rpc_new(l1_rpc **out, const char *url, const l1_rpc_options *options)
{
    SEQ_ASSERT(out != NULL);
    SEQ_ASSERT(url != NULL);
    *out = NULL;
    l1_rpc_options defaults;
    if (options == NULL) {
        l1_rpc_options_default(&defaults);
        options = &defaults;
    }
    if (!rpc_options_valid(options) || strnlen(url, L1_RPC_URL_BYTES_MAX) >= L1_RPC_URL_BYTES_MAX)
        return SEQ_ERR_INVALID_ARG;
    int rc = pthread_once(&rpc_once, rpc_global_init);
    SEQ_ASSERT(rc == 0);
    if (!rpc_global_ok)
        return SEQ_ERR_INTERNAL;
    l1_rpc *c = calloc(1, sizeof(*c));
    if (c == NULL)
        return SEQ_ERR_NO_MEMORY;
    c->options = *options;
    seq_err err = rpc_endpoint(c, url);
    if (err != SEQ_OK)
        goto free_client;
    c->curl = curl_easy_init();
    if (c->curl == NULL) {
        err = SEQ_ERR_NO_MEMORY;
        goto free_client;
    }
    err = rpc_configure(c, url);
    if (err != SEQ_OK)
        goto free_client;
    *out = c;
    return SEQ_OK;
free_client:
    l1_rpc_free(c);
    return err;
}

void l1_rpc_free(l1_rpc *c)
{
    if (c == NULL)
        return;
    if (c->curl != NULL)
        curl_easy_cleanup(c->curl);
    curl_slist_free_all(c->headers);
    free(c->body);
    free(c);
}

const char *l1_rpc_last_error(const l1_rpc *c)
{
    SEQ_ASSERT(c != NULL);
    return c->error_text;
}

const l1_rpc_error *l1_rpc_last_remote(const l1_rpc *c)
{
    SEQ_ASSERT(c != NULL);
    return c->has_remote ? &c->remote : NULL;
}

l1_rpc_kind l1_rpc_last_kind(const l1_rpc *c)
{
    SEQ_ASSERT(c != NULL);
    return c->has_remote ? c->remote.kind : L1_RPC_KIND_NONE;
}

/* ------------------------------------------------------------ transport */

static seq_err rpc_curl_error(l1_rpc *c, CURLcode rc)
{
    if (c->body_over || rc == CURLE_FILESIZE_EXCEEDED) {
        snprintf(c->reason, sizeof(c->reason), "the response exceeds %zu bytes",
                 c->options.response_bytes_max);
        return SEQ_ERR_MALFORMED;
    }
    if (c->body_no_memory || rc == CURLE_OUT_OF_MEMORY) {
        snprintf(c->reason, sizeof(c->reason), "out of memory for the response");
        return SEQ_ERR_NO_MEMORY;
    }
    const char *text = c->curl_message[0] != '\0' ? c->curl_message : curl_easy_strerror(rc);
    snprintf(c->reason, sizeof(c->reason), "%s", text);
    return rc == CURLE_OPERATION_TIMEDOUT ? SEQ_ERR_TIMEOUT : SEQ_ERR_UNAVAILABLE;
}

/* One POST. On SEQ_OK the body is in c->body and the HTTP status in
 * *status. *reached tells whether any of the request may have reached the
 * server: false only when nothing was sent (no connection, no name). */
static seq_err rpc_attempt(l1_rpc *c, long *status, bool *reached, const char *request,
                           size_t request_len)
{
    c->body_len = 0;
    c->body_over = false;
    c->body_no_memory = false;
    c->curl_message[0] = '\0';
    c->reason[0] = '\0';
    *status = 0;
    *reached = false;
    if (curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, request) != CURLE_OK ||
        curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)request_len) != CURLE_OK)
        return SEQ_ERR_INTERNAL;
    CURLcode rc = curl_easy_perform(c->curl);
    long sent = 0;
    if (curl_easy_getinfo(c->curl, CURLINFO_REQUEST_SIZE, &sent) != CURLE_OK)
        sent = 1; /* unknown: assume it went out */
    bool no_connection = rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST ||
                         rc == CURLE_COULDNT_RESOLVE_PROXY;
    *reached = sent > 0 && !no_connection;
    if (rc != CURLE_OK)
        return rpc_curl_error(c, rc);
    if (curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, status) != CURLE_OK)
        return SEQ_ERR_INTERNAL;
    return SEQ_OK;
}

static seq_err rpc_parse_want(const rpc_want *want, uint64_t id, const uint8_t *body,
                              size_t body_len)
{
    if (want->json_out == NULL)
        return l1_rpc_parse(want->res, want->space, want->shape, id, body, body_len);
    memset(want->res, 0, sizeof(*want->res));
    json_t *root = NULL, *result = NULL;
    seq_err err = l1_rpc_envelope(&root, &result, want->res, id, body, body_len);
    if (err != SEQ_OK)
        return err;
    *want->json_out = json_dumps(result, JSON_COMPACT | JSON_ENCODE_ANY);
    json_decref(root);
    return *want->json_out != NULL ? SEQ_OK : SEQ_ERR_NO_MEMORY;
}

/* Reads an HTTP answer. A 2xx body is parsed as the call wants; under any
 * other status only a JSON-RPC error object counts (some providers send
 * "nonce too low" with a 4xx or 5xx), otherwise the endpoint is
 * unavailable, worth another attempt for 429 and 5xx only. */
static seq_err rpc_judge(l1_rpc *c, bool *retryable, const rpc_want *want, uint64_t id, long status)
{
    const uint8_t *body = c->body != NULL ? c->body : (const uint8_t *)"";
    *retryable = false;
    if (status >= 200 && status < 300)
        return rpc_parse_want(want, id, body, c->body_len);
    memset(want->res, 0, sizeof(*want->res));
    json_t *root = NULL, *result = NULL;
    seq_err err = l1_rpc_envelope(&root, &result, want->res, id, body, c->body_len);
    json_decref(root);
    if (err == L1_RPC_ERR_REMOTE)
        return err;
    memset(want->res, 0, sizeof(*want->res));
    *retryable = status == RPC_HTTP_TOO_MANY || status >= RPC_HTTP_SERVER_ERROR;
    snprintf(c->reason, sizeof(c->reason), "HTTP status %ld", status);
    return SEQ_ERR_UNAVAILABLE;
}

static void rpc_backoff(const l1_rpc *c, uint32_t attempt)
{
    uint64_t delay = c->options.backoff_ms_base;
    for (uint32_t i = 1; i < attempt && delay < c->options.backoff_ms_max; i++)
        delay *= 2;
    delay = SEQ_MIN(delay, (uint64_t)c->options.backoff_ms_max);
    /* Drawn from [delay - delay/2, delay] so that clients do not retry in
     * step. */
    uint64_t half = delay / 2;
    uint64_t ms = delay - half + randombytes_uniform((uint32_t)half + 1);
    struct timespec ts = {.tv_sec = (time_t)(ms / 1000), .tv_nsec = (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        continue;
}

/* Attempts the request until it succeeds, fails for good, or the retries
 * are spent. Only UNAVAILABLE and TIMEOUT are retried, and a request that
 * is not idempotent only when nothing of it reached the server. */
static seq_err rpc_exchange(l1_rpc *c, uint32_t *attempts, const rpc_want *want, const char *method,
                            const char *request, uint64_t id, bool idempotent)
{
    seq_err err = SEQ_ERR_INTERNAL;
    uint32_t attempt = 0;
    for (;;) {
        long status = 0;
        bool reached = false, retryable = false;
        err = rpc_attempt(c, &status, &reached, request, strlen(request));
        if (err == SEQ_OK)
            err = rpc_judge(c, &retryable, want, id, status);
        else
            retryable = err == SEQ_ERR_UNAVAILABLE || err == SEQ_ERR_TIMEOUT;
        attempt++;
        if (!retryable || (!idempotent && reached) || attempt > c->options.retries)
            break;
        SEQ_LOG(SEQ_LOG_DEBUG, "l1_rpc_retry", SEQ_F_STR("method", method),
                SEQ_F_STR("endpoint", c->endpoint), SEQ_F_U64("attempt", attempt), SEQ_F_ERR(err),
                SEQ_F_STR("reason", c->reason));
        rpc_backoff(c, attempt);
    }
    *attempts = attempt;
    return err;
}

/* ------------------------------------------------------------- outcome */

static void rpc_reset(l1_rpc *c)
{
    c->error_text[0] = '\0';
    c->has_remote = false;
    memset(&c->remote, 0, sizeof(c->remote));
}

__attribute__((format(printf, 3, 4))) static seq_err rpc_fail(l1_rpc *c, seq_err err,
                                                              const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->error_text, sizeof(c->error_text), fmt, ap);
    va_end(ap);
    return err;
}

static seq_err rpc_describe(l1_rpc *c, const l1_rpc_result *res, const char *method, seq_err err,
                            uint32_t attempts)
{
    const char *why = c->reason[0] != '\0' ? c->reason : res->detail;
    switch (err) {
    case SEQ_OK:
        c->error_text[0] = '\0';
        return err;
    case L1_RPC_ERR_REMOTE:
        c->has_remote = true;
        c->remote = res->error;
        return rpc_fail(c, err, "%s: %s answered error %lld (%s): %s", method, c->endpoint,
                        (long long)res->error.code, l1_rpc_kind_name(res->error.kind),
                        res->error.message);
    case SEQ_ERR_MALFORMED:
        return rpc_fail(c, err, "%s: malformed response from %s: %s", method, c->endpoint, why);
    case SEQ_ERR_UNAVAILABLE:
        return rpc_fail(c, err, "%s: %s unavailable after %u attempt(s): %s", method, c->endpoint,
                        attempts, why);
    case SEQ_ERR_TIMEOUT:
        return rpc_fail(c, err, "%s: %s timed out after %u attempt(s) of %u ms: %s", method,
                        c->endpoint, attempts, c->options.timeout_ms, why);
    default:
        return rpc_fail(c, err, "%s: %s: %s", method, seq_strerror(err), why);
    }
}

/* Sends method(params) and reads the answer into want. params is stolen;
 * NULL means building it ran out of memory. */
static seq_err rpc_request(l1_rpc *c, const rpc_want *want, const char *method, json_t *params,
                           bool idempotent)
{
    rpc_reset(c);
    memset(want->res, 0, sizeof(*want->res));
    c->reason[0] = '\0';
    uint64_t id = ++c->id_last;
    json_t *doc = json_object();
    bool ok = doc != NULL && params != NULL &&
              json_object_set_new(doc, "jsonrpc", json_string("2.0")) == 0 &&
              json_object_set_new(doc, "id", json_integer((json_int_t)id)) == 0 &&
              json_object_set_new(doc, "method", json_string(method)) == 0;
    if (ok)
        ok = json_object_set_new(doc, "params", params) == 0; /* steals params */
    else
        json_decref(params);
    char *request = ok ? json_dumps(doc, JSON_COMPACT) : NULL;
    json_decref(doc);
    if (request == NULL)
        return rpc_fail(c, SEQ_ERR_NO_MEMORY, "%s: out of memory for the request", method);
    uint32_t attempts = 0;
    seq_err err = rpc_exchange(c, &attempts, want, method, request, id, idempotent);
    free(request);
    if (c->body_cap > RPC_BODY_KEEP_BYTES) {
        free(c->body);
        c->body = NULL;
        c->body_cap = 0;
    }
    c->body_len = 0;
    return rpc_describe(c, want->res, method, err, attempts);
}

/* ----------------------------------------------------------- parameters */

/* A JSON array of items[0..n), which are stolen (also on failure); NULL if
 * any item is NULL or memory runs out. */
static json_t *rpc_params(size_t n, json_t *const items[])
{
    json_t *array = json_array();
    bool ok = array != NULL;
    for (size_t i = 0; i < n; i++) {
        if (ok && items[i] != NULL) {
            ok = json_array_append_new(array, items[i]) == 0; /* steals items[i] */
            continue;
        }
        ok = false;
        json_decref(items[i]);
    }
    if (!ok) {
        json_decref(array);
        return NULL;
    }
    return array;
}

/* Sets obj[key] = value (stolen); false if ok already was, or on failure. */
static bool rpc_set(json_t *obj, const char *key, json_t *value, bool ok)
{
    if (!ok || value == NULL) {
        json_decref(value);
        return false;
    }
    return json_object_set_new(obj, key, value) == 0;
}

static json_t *rpc_quantity(uint64_t value)
{
    char text[L1_QUANTITY_U64_CHARS];
    l1_quantity_format_u64(text, value);
    return json_string(text);
}

static json_t *rpc_quantity_u256(const uint8_t value[32])
{
    char text[L1_QUANTITY_U256_CHARS];
    l1_quantity_format_u256(text, value);
    return json_string(text);
}

/* "0x" and the hex digits of p[0..len). */
static json_t *rpc_hex(const uint8_t *p, size_t len)
{
    size_t cap = 2 * len + 3;
    char *text = malloc(cap);
    if (text == NULL)
        return NULL;
    seq_err err = l1_hex_encode(text, cap, p, len);
    SEQ_ASSERT(err == SEQ_OK);
    json_t *value = json_stringn_nocheck(text, cap - 1);
    free(text);
    return value;
}

static const char *rpc_tag(l1_block_tag tag)
{
    switch (tag) {
    case L1_TAG_LATEST:
        return "latest";
    case L1_TAG_SAFE:
        return "safe";
    case L1_TAG_FINALIZED:
        return "finalized";
    case L1_TAG_PENDING:
        return "pending";
    case L1_TAG_EARLIEST:
        return "earliest";
    }
    SEQ_ASSERT(false);
    return "latest";
}

static json_t *rpc_topic(const l1_rpc_log_filter *f, size_t position)
{
    size_t n = f->topics[position].count;
    SEQ_ASSERT(n <= L1_LOG_FILTER_CHOICES_MAX);
    if (n == 0)
        return json_null();
    if (n == 1)
        return rpc_hex(f->topics[position].choices[0].b, SEQ_HASH_BYTES);
    json_t *items[L1_LOG_FILTER_CHOICES_MAX];
    for (size_t i = 0; i < n; i++)
        items[i] = rpc_hex(f->topics[position].choices[i].b, SEQ_HASH_BYTES);
    return rpc_params(n, items);
}

static json_t *rpc_filter(const l1_rpc_log_filter *f)
{
    SEQ_ASSERT(f->from_block <= f->to_block);
    SEQ_ASSERT(f->address_count <= L1_LOG_FILTER_ADDRESSES_MAX);
    size_t topic_len = 0; /* positions up to the last one that filters */
    for (size_t i = 0; i < L1_LOG_TOPICS_MAX; i++) {
        if (f->topics[i].count > 0)
            topic_len = i + 1;
    }
    json_t *obj = json_object();
    bool ok = obj != NULL;
    ok = rpc_set(obj, "fromBlock", rpc_quantity(f->from_block), ok);
    ok = rpc_set(obj, "toBlock", rpc_quantity(f->to_block), ok);
    if (f->address_count > 0) {
        json_t *addresses[L1_LOG_FILTER_ADDRESSES_MAX];
        for (size_t i = 0; i < f->address_count; i++)
            addresses[i] = rpc_hex(f->addresses[i].b, SEQ_ADDR_BYTES);
        ok = rpc_set(obj, "address", rpc_params(f->address_count, addresses), ok);
    }
    if (topic_len > 0) {
        json_t *topics[L1_LOG_TOPICS_MAX];
        for (size_t i = 0; i < topic_len; i++)
            topics[i] = rpc_topic(f, i);
        ok = rpc_set(obj, "topics", rpc_params(topic_len, topics), ok);
    }
    if (!ok) {
        json_decref(obj);
        return NULL;
    }
    return obj;
}

static json_t *rpc_tx_object(const l1_rpc_tx_request *r)
{
    SEQ_ASSERT(r->data != NULL || r->data_len == 0);
    SEQ_ASSERT(r->data_len <= L1_TX_DATA_BYTES_MAX);
    json_t *obj = json_object();
    bool ok = obj != NULL;
    ok = rpc_set(obj, "from", rpc_hex(r->from.b, SEQ_ADDR_BYTES), ok);
    if (r->has_to)
        ok = rpc_set(obj, "to", rpc_hex(r->to.b, SEQ_ADDR_BYTES), ok);
    ok = rpc_set(obj, "value", rpc_quantity_u256(r->value), ok);
    ok = rpc_set(obj, "data", rpc_hex(r->data, r->data_len), ok);
    if (!ok) {
        json_decref(obj);
        return NULL;
    }
    return obj;
}

/* ---------------------------------------------------------------- calls */

static seq_err rpc_call_shape(l1_rpc *c, l1_rpc_result *res, l1_rpc_shape shape, const char *method,
                              json_t *params, bool idempotent)
{
    rpc_want want = {.res = res, .shape = shape};
    return rpc_request(c, &want, method, params, idempotent);
}

static seq_err rpc_u64(l1_rpc *c, uint64_t *out, const char *method, json_t *params)
{
    SEQ_ASSERT(c != NULL);
    SEQ_ASSERT(out != NULL);
    *out = 0;
    l1_rpc_result res;
    seq_err err = rpc_call_shape(c, &res, L1_RPC_SHAPE_U64, method, params, true);
    if (err == SEQ_OK)
        *out = res.v.u64;
    return err;
}

seq_err l1_rpc_chain_id(l1_rpc *c, uint64_t *out)
{
    return rpc_u64(c, out, "eth_chainId", json_array());
}

seq_err l1_rpc_block_number(l1_rpc *c, uint64_t *out)
{
    return rpc_u64(c, out, "eth_blockNumber", json_array());
}

seq_err l1_rpc_max_priority_fee(l1_rpc *c, uint64_t *out)
{
    return rpc_u64(c, out, "eth_maxPriorityFeePerGas", json_array());
}

seq_err l1_rpc_nonce(l1_rpc *c, uint64_t *out, const seq_addr *account, l1_block_tag tag)
{
    SEQ_ASSERT(account != NULL);
    json_t *items[] = {rpc_hex(account->b, SEQ_ADDR_BYTES), json_string(rpc_tag(tag))};
    return rpc_u64(c, out, "eth_getTransactionCount", rpc_params(SEQ_ARRAY_LEN(items), items));
}

seq_err l1_rpc_balance(l1_rpc *c, uint8_t out[32], const seq_addr *account, l1_block_tag tag)
{
    SEQ_ASSERT(c != NULL && out != NULL && account != NULL);
    memset(out, 0, 32);
    json_t *items[] = {rpc_hex(account->b, SEQ_ADDR_BYTES), json_string(rpc_tag(tag))};
    l1_rpc_result res;
    seq_err err = rpc_call_shape(c, &res, L1_RPC_SHAPE_U256, "eth_getBalance",
                                 rpc_params(SEQ_ARRAY_LEN(items), items), true);
    if (err == SEQ_OK)
        memcpy(out, res.v.u256, 32);
    return err;
}

static seq_err rpc_block(l1_rpc *c, l1_rpc_block *out, json_t *which, const char *label)
{
    SEQ_ASSERT(c != NULL && out != NULL);
    memset(out, 0, sizeof(*out));
    json_t *items[] = {which, json_false()};
    l1_rpc_result res;
    seq_err err = rpc_call_shape(c, &res, L1_RPC_SHAPE_BLOCK, "eth_getBlockByNumber",
                                 rpc_params(SEQ_ARRAY_LEN(items), items), true);
    if (err != SEQ_OK)
        return err;
    if (res.is_null)
        return rpc_fail(c, SEQ_ERR_NOT_FOUND, "eth_getBlockByNumber: %s has no block %s",
                        c->endpoint, label);
    *out = res.v.block;
    return SEQ_OK;
}

seq_err l1_rpc_block_by_number(l1_rpc *c, l1_rpc_block *out, uint64_t number)
{
    char label[L1_QUANTITY_U64_CHARS];
    l1_quantity_format_u64(label, number);
    seq_err err = rpc_block(c, out, json_string(label), label);
    if (err == SEQ_OK && out->number != number) {
        uint64_t got = out->number;
        memset(out, 0, sizeof(*out));
        return rpc_fail(c, SEQ_ERR_MALFORMED,
                        "eth_getBlockByNumber: %s returned block %llu for block %llu", c->endpoint,
                        (unsigned long long)got, (unsigned long long)number);
    }
    return err;
}

seq_err l1_rpc_block_by_tag(l1_rpc *c, l1_rpc_block *out, l1_block_tag tag)
{
    SEQ_ASSERT(tag != L1_TAG_PENDING); /* its hash may be null */
    return rpc_block(c, out, json_string(rpc_tag(tag)), rpc_tag(tag));
}

static bool rpc_log_matches(const l1_rpc_log *log, const l1_rpc_log_filter *f)
{
    if (log->block_number < f->from_block || log->block_number > f->to_block)
        return false;
    bool address_ok = f->address_count == 0;
    for (size_t i = 0; i < f->address_count; i++)
        address_ok = address_ok || seq_addr_equal(&log->address, &f->addresses[i]);
    if (!address_ok)
        return false;
    for (size_t i = 0; i < L1_LOG_TOPICS_MAX; i++) {
        if (f->topics[i].count == 0)
            continue;
        bool topic_ok = false;
        for (size_t j = 0; j < f->topics[i].count && log->topic_count > i; j++)
            topic_ok = topic_ok || seq_hash_equal(&log->topics[i], &f->topics[i].choices[j]);
        if (!topic_ok)
            return false;
    }
    return true;
}

seq_err l1_rpc_logs(l1_rpc *c, l1_rpc_log *logs, size_t logs_cap, size_t *log_count,
                    seq_arena *arena, const l1_rpc_log_filter *filter)
{
    SEQ_ASSERT(c != NULL && log_count != NULL && arena != NULL && filter != NULL);
    SEQ_ASSERT(logs != NULL || logs_cap == 0);
    *log_count = 0;
    l1_rpc_space space = {.logs = logs, .logs_cap = logs_cap, .arena = arena};
    l1_rpc_result res;
    rpc_want want = {.res = &res, .space = &space, .shape = L1_RPC_SHAPE_LOGS};
    json_t *items[] = {rpc_filter(filter)};
    seq_err err =
        rpc_request(c, &want, "eth_getLogs", rpc_params(SEQ_ARRAY_LEN(items), items), true);
    if (err != SEQ_OK)
        return err;
    size_t count = res.v.log_count;
    for (size_t i = 0; i < count; i++) {
        if (!rpc_log_matches(&logs[i], filter)) {
            memset(logs, 0, count * sizeof(logs[0]));
            return rpc_fail(c, SEQ_ERR_MALFORMED,
                            "eth_getLogs: %s returned log %zu, which the filter excludes",
                            c->endpoint, i);
        }
    }
    *log_count = count;
    return SEQ_OK;
}

seq_err l1_rpc_fee_history(l1_rpc *c, l1_rpc_fees *out, uint64_t block_count,
                           const double *percentiles, size_t percentile_count)
{
    SEQ_ASSERT(c != NULL && out != NULL);
    SEQ_ASSERT(block_count >= 1 && block_count <= L1_FEE_HISTORY_BLOCKS_MAX);
    SEQ_ASSERT(percentile_count <= L1_FEE_PERCENTILES_MAX);
    SEQ_ASSERT(percentiles != NULL || percentile_count == 0);
    memset(out, 0, sizeof(*out));
    json_t *reals[L1_FEE_PERCENTILES_MAX];
    for (size_t i = 0; i < percentile_count; i++) {
        SEQ_ASSERT(percentiles[i] >= 0.0 && percentiles[i] <= 100.0);
        SEQ_ASSERT(i == 0 || percentiles[i] >= percentiles[i - 1]);
        reals[i] = json_real(percentiles[i]);
    }
    json_t *items[] = {rpc_quantity(block_count), json_string("latest"),
                       rpc_params(percentile_count, reals)};
    l1_rpc_result res;
    seq_err err = rpc_call_shape(c, &res, L1_RPC_SHAPE_FEE_HISTORY, "eth_feeHistory",
                                 rpc_params(SEQ_ARRAY_LEN(items), items), true);
    if (err != SEQ_OK)
        return err;
    const l1_rpc_fees *fh = &res.v.fee_history;
    if (fh->block_count > block_count ||
        (fh->block_count > 0 && fh->percentile_count != percentile_count))
        return rpc_fail(c, SEQ_ERR_MALFORMED,
                        "eth_feeHistory: %s returned %zu blocks of %zu percentiles for %llu "
                        "blocks of %zu",
                        c->endpoint, fh->block_count, fh->percentile_count,
                        (unsigned long long)block_count, percentile_count);
    *out = *fh;
    return SEQ_OK;
}

seq_err l1_rpc_estimate_gas(l1_rpc *c, uint64_t *out, const l1_rpc_tx_request *request)
{
    SEQ_ASSERT(request != NULL);
    json_t *items[] = {rpc_tx_object(request)};
    return rpc_u64(c, out, "eth_estimateGas", rpc_params(SEQ_ARRAY_LEN(items), items));
}

seq_err l1_rpc_send_raw_tx(l1_rpc *c, seq_hash *out, const uint8_t *raw, size_t raw_len)
{
    SEQ_ASSERT(c != NULL && out != NULL && raw != NULL);
    SEQ_ASSERT(raw_len > 0 && raw_len <= L1_TX_BYTES_MAX);
    memset(out, 0, sizeof(*out));
    json_t *items[] = {rpc_hex(raw, raw_len)};
    l1_rpc_result res;
    seq_err err = rpc_call_shape(c, &res, L1_RPC_SHAPE_HASH, "eth_sendRawTransaction",
                                 rpc_params(SEQ_ARRAY_LEN(items), items), false);
    if (err != SEQ_OK)
        return err;
    seq_hash want;
    l1_keccak256(&want, raw, raw_len);
    if (!seq_hash_equal(&want, &res.v.hash))
        return rpc_fail(c, SEQ_ERR_MALFORMED,
                        "eth_sendRawTransaction: %s returned a hash that is not the "
                        "transaction's",
                        c->endpoint);
    *out = want;
    return SEQ_OK;
}

seq_err l1_rpc_receipt(l1_rpc *c, l1_rpc_tx_receipt *out, const seq_hash *tx_hash)
{
    SEQ_ASSERT(c != NULL && out != NULL && tx_hash != NULL);
    memset(out, 0, sizeof(*out));
    json_t *items[] = {rpc_hex(tx_hash->b, SEQ_HASH_BYTES)};
    l1_rpc_result res;
    seq_err err = rpc_call_shape(c, &res, L1_RPC_SHAPE_RECEIPT, "eth_getTransactionReceipt",
                                 rpc_params(SEQ_ARRAY_LEN(items), items), true);
    if (err != SEQ_OK)
        return err;
    char hex[2 * SEQ_HASH_BYTES + 3];
    err = l1_hex_encode(hex, sizeof(hex), tx_hash->b, SEQ_HASH_BYTES);
    SEQ_ASSERT(err == SEQ_OK);
    if (res.is_null)
        return rpc_fail(c, SEQ_ERR_NOT_FOUND,
                        "eth_getTransactionReceipt: %s has no receipt for %s (pending, dropped "
                        "or unknown)",
                        c->endpoint, hex);
    if (!seq_hash_equal(&res.v.receipt.tx_hash, tx_hash))
        return rpc_fail(c, SEQ_ERR_MALFORMED,
                        "eth_getTransactionReceipt: %s returned the receipt of another "
                        "transaction than %s",
                        c->endpoint, hex);
    *out = res.v.receipt;
    return SEQ_OK;
}

static bool rpc_method_valid(const char *method)
{
    size_t len = strnlen(method, RPC_METHOD_BYTES_MAX);
    if (len == 0 || len == RPC_METHOD_BYTES_MAX)
        return false;
    for (size_t i = 0; i < len; i++) {
        char ch = method[i];
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                  (ch >= '0' && ch <= '9') || ch == '_';
        if (!ok)
            return false;
    }
    return true;
}

seq_err l1_rpc_call(l1_rpc *c, char **result_json, const char *method, const char *params_json)
{
    SEQ_ASSERT(c != NULL && result_json != NULL && method != NULL);
    *result_json = NULL;
    rpc_reset(c);
    if (!rpc_method_valid(method))
        return rpc_fail(c, SEQ_ERR_INVALID_ARG,
                        "l1_rpc_call: a method name is 1 to %u letters, digits or '_'",
                        RPC_METHOD_BYTES_MAX - 1);
    json_error_t jerr;
    json_t *params =
        json_loads(params_json != NULL ? params_json : "[]", JSON_REJECT_DUPLICATES, &jerr);
    if (!json_is_array(params)) {
        json_decref(params);
        return rpc_fail(c, SEQ_ERR_INVALID_ARG, "%s: params are not a JSON array", method);
    }
    l1_rpc_result res;
    rpc_want want = {.res = &res, .json_out = result_json};
    return rpc_request(c, &want, method, params, false);
}

/* ------------------------------------------------------ data results */

/* method(params) whose result is a hex data string, decoded into
 * out[0..*out_len). */
static seq_err rpc_data(l1_rpc *c, uint8_t *out, size_t out_cap, size_t *out_len,
                        const char *method, json_t *params)
{
    SEQ_ASSERT(c != NULL && out_len != NULL);
    SEQ_ASSERT(out != NULL || out_cap == 0);
    *out_len = 0;
    char *json = NULL;
    l1_rpc_result res;
    rpc_want want = {.res = &res, .json_out = &json};
    seq_err err = rpc_request(c, &want, method, params, true);
    if (err != SEQ_OK)
        return err;
    size_t n = strlen(json);
    bool quoted =
        n >= 4 && json[0] == '"' && json[n - 1] == '"' && json[1] == '0' && json[2] == 'x';
    size_t written = 0;
    err = quoted ? l1_hex_decode(out, out_cap, &written, json + 1, n - 2) : SEQ_ERR_MALFORMED;
    free(json);
    if (err == SEQ_ERR_NO_SPACE)
        return rpc_fail(c, err, "%s: %s returned %zu bytes, room for %zu", method, c->endpoint,
                        (n - 4) / 2, out_cap);
    if (err != SEQ_OK) {
        if (out_cap > 0)
            memset(out, 0, out_cap);
        return rpc_fail(c, SEQ_ERR_MALFORMED, "%s: malformed response from %s: not hex data",
                        method, c->endpoint);
    }
    *out_len = written;
    return SEQ_OK;
}

seq_err l1_rpc_eth_call(l1_rpc *c, uint8_t *out, size_t out_cap, size_t *out_len,
                        const l1_rpc_tx_request *request, l1_block_tag tag)
{
    SEQ_ASSERT(request != NULL);
    SEQ_ASSERT(tag == L1_TAG_LATEST || tag == L1_TAG_PENDING);
    json_t *items[] = {rpc_tx_object(request), json_string(rpc_tag(tag))};
    return rpc_data(c, out, out_cap, out_len, "eth_call", rpc_params(SEQ_ARRAY_LEN(items), items));
}

seq_err l1_rpc_code(l1_rpc *c, uint8_t *out, size_t out_cap, size_t *out_len,
                    const seq_addr *account, l1_block_tag tag)
{
    SEQ_ASSERT(account != NULL);
    json_t *items[] = {rpc_hex(account->b, SEQ_ADDR_BYTES), json_string(rpc_tag(tag))};
    return rpc_data(c, out, out_cap, out_len, "eth_getCode",
                    rpc_params(SEQ_ARRAY_LEN(items), items));
}

seq_err l1_rpc_revert_data(const l1_rpc *c, uint8_t *out, size_t out_cap, size_t *out_len)
{
    SEQ_ASSERT(c != NULL && out_len != NULL);
    SEQ_ASSERT(out != NULL || out_cap == 0);
    *out_len = 0;
    if (!c->has_remote || c->remote.kind != L1_RPC_KIND_REVERTED || c->remote.data[0] == '\0')
        return SEQ_ERR_NOT_FOUND;
    const char *data = c->remote.data;
    size_t n = strnlen(data, sizeof(c->remote.data));
    if (n >= sizeof(c->remote.data) - 1)
        return SEQ_ERR_TOO_LARGE; /* cut to fit: the tail is missing */
    if (n < 2 || data[0] != '0' || data[1] != 'x')
        return SEQ_ERR_MALFORMED;
    size_t written = 0;
    seq_err err = l1_hex_decode(out, out_cap, &written, data, n);
    if (err != SEQ_OK) {
        if (out_cap > 0)
            memset(out, 0, out_cap);
        return err;
    }
    *out_len = written;
    return SEQ_OK;
}
