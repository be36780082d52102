/* libFuzzer target: an evidence file as `seqctl evidence submit --file`
 * reads it (node_ctl_evidence_from_json on one JSON record, the format
 * seq_getEvidence and `seqctl evidence show --json` write). Input: JSON
 * text. Oracles: only SEQ_OK, SEQ_ERR_MALFORMED or SEQ_ERR_INVALID_ARG; a
 * refusal explains itself (a non-empty why naming the file) and zeroes
 * both outputs; an accepted record has a known kind whose statements
 * re-encode (ABI) and decode back to themselves. */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "../node/internal.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *root = json_loadb((const char *)data, size, JSON_DECODE_ANY, NULL);
    if (root == NULL)
        return 0;
    l1_evidence e;
    seq_addr validator;
    node_diag why;
    seq_err err = node_ctl_evidence_from_json(&e, &validator, &why, "fuzz.json", "", root);
    json_decref(root);
    if (err != SEQ_OK) {
        static const l1_evidence zero_e;
        static const seq_addr zero_a;
        if ((err != SEQ_ERR_MALFORMED && err != SEQ_ERR_INVALID_ARG) ||
            strncmp(why.text, "fuzz.json", 9) != 0 || memcmp(&e, &zero_e, sizeof e) != 0 ||
            memcmp(&validator, &zero_a, sizeof validator) != 0)
            abort();
        return 0;
    }
    size_t want = l1_evidence_stmt_bytes(e.kind);
    if (want == 0)
        abort();
    const l1_statement *both[2] = {&e.a, &e.b};
    for (size_t k = 0; k < 2; k++) {
        uint8_t abi[L1_EVIDENCE_STMT_BYTES_MAX];
        l1_statement back;
        if (l1_evidence_stmt_encode(abi, e.kind, both[k]) != want ||
            l1_evidence_stmt_decode(&back, e.kind, abi, want) != SEQ_OK ||
            memcmp(&back, both[k], sizeof back) != 0)
            abort();
    }
    return 0;
}
