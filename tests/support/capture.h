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

#endif /* SEQ_TEST_CAPTURE_H */
