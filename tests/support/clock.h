/* clock.h — monotonic time for tests that wait on real processes and
 * sockets. */
#ifndef SEQ_TEST_CLOCK_H
#define SEQ_TEST_CLOCK_H

#include <stdint.h>

/* Milliseconds of CLOCK_MONOTONIC. */
uint64_t test_now_ms(void);

/* Sleeps ms milliseconds, resuming after signals. */
void test_sleep_ms(uint32_t ms);

#endif /* SEQ_TEST_CLOCK_H */
