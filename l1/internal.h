/* internal.h — shared between the files of l1/ only; never included from
 * another folder. */
#ifndef SEQ_L1_INTERNAL_H
#define SEQ_L1_INTERNAL_H

#include <jansson.h>

#include "l1.h"

/* Checks the JSON-RPC 2.0 envelope of a response to request id (see
 * l1_rpc_parse for what is refused). On SEQ_OK *root owns the document (the
 * caller json_decref()s it) and *result borrows the "result" member. On
 * L1_RPC_ERR_REMOTE out->error is filled; on any failure *root and *result
 * are NULL and out->detail says why. */
SEQ_MUST_USE seq_err l1_rpc_envelope(json_t **root, json_t **result, l1_rpc_result *out,
                                     uint64_t id, const uint8_t *body, size_t body_len);

#endif /* SEQ_L1_INTERNAL_H */
