/* capture.h — text in and out of code under test, for cmocka tests: JSON
 * parsed from a literal, and what a function writes to a FILE captured in
 * memory. A failure fails the running cmocka test. */
#ifndef SEQ_TEST_CAPTURE_H
#define SEQ_TEST_CAPTURE_H

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

/* text parsed as JSON (any value; json_decref it); fails the test, naming
 * the position, unless it is JSON. */
json_t *test_json_parse(const char *text);

/* An in-memory stream: test_capture_begin opens it and returns the FILE to
 * write to; test_capture_end closes it and returns what was written
 * (NUL-terminated, malloc'd: free it). */
typedef struct {
    FILE *file;
    char *text;
    size_t len;
} test_capture;

FILE *test_capture_begin(test_capture *c);
char *test_capture_end(test_capture *c);

/* A command-line tool's main with its streams (node_seqctl_main). */
typedef int (*test_main_fn)(int argc, char **argv, FILE *out, FILE *err);
#define TEST_RUN_ARGS_MAX 48u

/* Runs fn on argv0 followed by args (NULL-terminated, at most
 * TEST_RUN_ARGS_MAX), in process, with both streams captured into
 * out[0..out_cap) and err[0..err_cap) (NUL-terminated, cut to fit).
 * Returns fn's result. */
int test_run_captured(test_main_fn fn, const char *argv0, char *out, size_t out_cap, char *err,
                      size_t err_cap, const char *const *args);

/* Fails the running test, showing text, unless it contains needle. */
void test_expect_in(const char *text, const char *needle);

#endif /* SEQ_TEST_CAPTURE_H */
