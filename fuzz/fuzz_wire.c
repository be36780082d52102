/* libFuzzer target: the wire decoder. Oracle: a decode either fails with a
 * defined error and a zeroed output, or yields a message that re-encodes to
 * exactly the input bytes (canonical form) and equals itself after a second
 * round trip. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "wire.h"

static uint8_t *arena_mem, *scratch_mem, *enc;
static size_t arena_bytes;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (arena_mem == NULL) {
        arena_bytes = WIRE_DECODE_ARENA_BYTES(WIRE_MSG_BYTES_MAX);
        arena_mem = malloc(arena_bytes);
        scratch_mem = malloc(WIRE_ENCODE_ARENA_BYTES);
        enc = malloc(WIRE_MSG_BYTES_MAX);
        SEQ_ASSERT(arena_mem && scratch_mem && enc);
    }
    seq_arena arena, scratch;
    seq_arena_init(&arena, arena_mem, arena_bytes);
    seq_arena_init(&scratch, scratch_mem, WIRE_ENCODE_ARENA_BYTES);
    wire_msg msg;
    seq_err err = wire_decode(&msg, &arena, data, size);
    if (err != SEQ_OK) {
        static const wire_msg zero;
        SEQ_ASSERT(err < SEQ_ERR_COUNT_);
        SEQ_ASSERT(memcmp(&msg, &zero, sizeof msg) == 0);
        return 0;
    }
    size_t len = 0;
    SEQ_ASSERT(wire_encode(enc, WIRE_MSG_BYTES_MAX, &len, &scratch, &msg) == SEQ_OK);
    SEQ_ASSERT(len == size && memcmp(enc, data, size) == 0);
    wire_msg again;
    SEQ_ASSERT(wire_decode(&again, &scratch, enc, len) == SEQ_OK);
    SEQ_ASSERT(wire_msg_equal(&msg, &again));
    return 0;
}
