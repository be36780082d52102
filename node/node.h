/* node.h — the seqd daemon and the seqctl command-line tool.
 *
 * Both programs are thin main() wrappers around the functions below, so
 * their behaviour (arguments, output, exit codes) is tested in-process. */
#ifndef SEQ_NODE_H
#define SEQ_NODE_H

#include <stdio.h>

#include "seq.h"

/* Exit codes shared by seqd and seqctl. */
#define NODE_EXIT_OK      0
#define NODE_EXIT_FAILURE 1 /* the command ran and failed */
#define NODE_EXIT_USAGE   2 /* bad arguments */

/* Writes one line "seqd 0.1.0 (wire v1; libsodium X, nng Y, ...)" with the
 * versions of the libraries actually linked, NUL-terminated and truncated
 * to out_len. */
void node_version_line(char *out, size_t out_len);

/* Runs the seqd daemon with argv; writes normal output to out and
 * diagnostics to err; returns a NODE_EXIT_* code. */
int node_seqd_main(int argc, char **argv, FILE *out, FILE *err);

/* Runs one seqctl command with argv; same conventions. */
int node_seqctl_main(int argc, char **argv, FILE *out, FILE *err);

#endif /* SEQ_NODE_H */
