/* fake_rpc.h — a fake JSON-RPC server over HTTP for unit tests: a thread
 * listening on a free 127.0.0.1 port that takes one connection at a time,
 * reads one request from it (headers, then Content-Length bytes of JSON
 * body, each read waiting at most 2 s), hands it to the test's handler to
 * answer, and closes the connection. */
#ifndef SEQ_TEST_FAKE_RPC_H
#define SEQ_TEST_FAKE_RPC_H

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FAKE_RPC_REQUEST_BYTES_MAX (512u << 10)

/* One request: doc is its body parsed, NULL when the request did not
 * arrive whole (the client hung up or went silent) or its body is not
 * JSON; method is doc's "method" ("" when missing), id its integer "id"
 * (-1 when missing). Valid during the handler's call only. */
typedef struct {
    const json_t *doc;
    const char *method;
    long long id;
} fake_rpc_request;

typedef struct fake_rpc fake_rpc;

/* Answers request on conn (with fake_rpc_respond or fake_rpc_send, or not
 * at all); the server closes conn when it returns. Called on the server's
 * thread for every connection, also when request->doc is NULL. */
typedef void fake_rpc_handler(fake_rpc *server, int conn, const fake_rpc_request *request);

/* Set by fake_rpc_start; the test reads port and context only. */
struct fake_rpc {
    uint16_t port; /* where it listens */
    void *context; /* the handler's, as given to fake_rpc_start */
    fake_rpc_handler *handler;
    int fd;
    pthread_t thread;
    bool running;
    atomic_bool stop;
    char request[FAKE_RPC_REQUEST_BYTES_MAX + 1];
};

/* Starts server listening on a free loopback port, answering with handler
 * (context goes to server->context). Returns false, with nothing left
 * running, if it cannot. */
bool fake_rpc_start(fake_rpc *server, fake_rpc_handler *handler, void *context);

/* Stops the thread and closes the port; returns once a handler running
 * now has returned. Idempotent, also before a start. */
void fake_rpc_stop(fake_rpc *server);

/* True once fake_rpc_stop was called: a handler that waits should stop
 * waiting. */
bool fake_rpc_stopping(fake_rpc *server);

/* Sends the len bytes at data on conn, giving up quietly on an error (the
 * client may have hung up). */
void fake_rpc_send(int conn, const void *data, size_t len);

/* Sends an HTTP/1.1 response with status (e.g. "200 OK") and body, typed
 * application/json (whatever it holds), with its Content-Length and
 * Connection: close. */
void fake_rpc_respond(int conn, const char *status, const char *body);

#endif /* SEQ_TEST_FAKE_RPC_H */
