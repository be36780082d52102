/* fake_rpc.c — see fake_rpc.h. */
#include "fake_rpc.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define FAKE_RPC_POLL_MS    20 /* how soon the thread sees a stop */
#define FAKE_RPC_READ_S     2  /* SO_RCVTIMEO of a connection */
#define FAKE_RPC_BACKLOG    8
#define FAKE_RPC_HEAD_BYTES 256

void fake_rpc_send(int conn, const void *data, size_t len)
{
    const char *p = data;
    while (len > 0) {
        ssize_t n = send(conn, p, len, MSG_NOSIGNAL);
        if (n <= 0)
            return;
        p += n;
        len -= (size_t)n;
    }
}

void fake_rpc_respond(int conn, const char *status, const char *body)
{
    char head[FAKE_RPC_HEAD_BYTES];
    int n = snprintf(head, sizeof head,
                     "HTTP/1.1 %s\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n"
                     "Connection: close\r\n\r\n",
                     status, strlen(body));
    fake_rpc_send(conn, head, (size_t)n);
    fake_rpc_send(conn, body, strlen(body));
}

bool fake_rpc_stopping(fake_rpc *server)
{
    return atomic_load(&server->stop);
}

/* The first case-insensitive occurrence of needle in text, or NULL. */
static const char *find_nocase(const char *text, const char *needle)
{
    for (size_t n = strlen(needle); *text != '\0'; text++) {
        if (strncasecmp(text, needle, n) == 0)
            return text;
    }
    return NULL;
}

/* The body of the request on conn (headers, then Content-Length bytes),
 * parsed, or NULL. */
static json_t *request_read(fake_rpc *server, int conn)
{
    char *buf = server->request;
    size_t len = 0;
    while (len < FAKE_RPC_REQUEST_BYTES_MAX) {
        ssize_t n = recv(conn, buf + len, FAKE_RPC_REQUEST_BYTES_MAX - len, 0);
        if (n <= 0)
            return NULL;
        len += (size_t)n;
        buf[len] = '\0';
        const char *end = strstr(buf, "\r\n\r\n");
        const char *cl = find_nocase(buf, "content-length:");
        if (end == NULL || cl == NULL)
            continue;
        size_t body_len = strtoul(cl + strlen("content-length:"), NULL, 10);
        const char *body = end + 4;
        if ((size_t)(buf + len - body) >= body_len)
            return json_loadb(body, body_len, 0, NULL);
    }
    return NULL;
}

static void serve(fake_rpc *server, int conn)
{
    struct timeval tv = {.tv_sec = FAKE_RPC_READ_S};
    setsockopt(conn, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    json_t *doc = request_read(server, conn);
    const char *method = json_string_value(json_object_get(doc, "method"));
    const json_t *id = json_object_get(doc, "id");
    fake_rpc_request request = {
        .doc = doc,
        .method = method != NULL ? method : "",
        .id = json_is_integer(id) ? (long long)json_integer_value(id) : -1,
    };
    server->handler(server, conn, &request);
    json_decref(doc);
}

static void *fake_rpc_main(void *arg)
{
    fake_rpc *server = arg;
    while (!atomic_load(&server->stop)) {
        struct pollfd p = {.fd = server->fd, .events = POLLIN};
        if (poll(&p, 1, FAKE_RPC_POLL_MS) <= 0)
            continue;
        int conn = accept(server->fd, NULL, NULL);
        if (conn < 0)
            continue;
        serve(server, conn);
        close(conn);
    }
    return NULL;
}

bool fake_rpc_start(fake_rpc *server, fake_rpc_handler *handler, void *context)
{
    server->running = false;
    server->handler = handler;
    server->context = context;
    server->fd = socket(AF_INET, SOCK_STREAM, 0);
    if (server->fd < 0)
        return false;
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = 0};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t sa_len = sizeof sa;
    if (bind(server->fd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
        listen(server->fd, FAKE_RPC_BACKLOG) != 0 ||
        getsockname(server->fd, (struct sockaddr *)&sa, &sa_len) != 0)
        goto fail_close;
    server->port = ntohs(sa.sin_port);
    atomic_store(&server->stop, false);
    if (pthread_create(&server->thread, NULL, fake_rpc_main, server) != 0)
        goto fail_close;
    server->running = true;
    return true;

fail_close:
    close(server->fd);
    server->fd = -1;
    return false;
}

void fake_rpc_stop(fake_rpc *server)
{
    if (!server->running)
        return;
    atomic_store(&server->stop, true);
    pthread_join(server->thread, NULL);
    close(server->fd);
    server->running = false;
}
