/* fuzz.h — the libFuzzer entry point every target defines. Built with
 * -fsanitize=fuzzer in the fuzz preset, or linked with replay.c elsewhere so
 * that ctest replays the seed corpus under the dev preset's sanitizers. */
#ifndef SEQ_FUZZ_H
#define SEQ_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif /* SEQ_FUZZ_H */
