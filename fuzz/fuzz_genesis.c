/* libFuzzer target: the genesis file parser (node/genesis.c), which reads
 * an operator-supplied JSON file before anything else runs. Oracles: no
 * crash or sanitizer report; only the documented errors; an accepted genesis
 * passes validation on its own and hashes deterministically. */
#include <string.h>

#include "fuzz.h"
#include "node.h"

static node_genesis genesis; /* large: keep it off the stack */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    node_diag why;
    seq_err err = node_genesis_parse(&genesis, &why, "fuzz", (const char *)data, size);
    SEQ_ASSERT(err == SEQ_OK || err == SEQ_ERR_MALFORMED || err == SEQ_ERR_BAD_VERSION ||
               err == SEQ_ERR_INVALID_ARG || err == SEQ_ERR_TOO_LARGE);
    if (err != SEQ_OK)
        return 0;
    SEQ_ASSERT(node_genesis_validate(&why, &genesis) == SEQ_OK);
    seq_hash a, b;
    node_genesis_hash(&a, &genesis);
    node_genesis_hash(&b, &genesis);
    SEQ_ASSERT(seq_hash_equal(&a, &b));
    return 0;
}
