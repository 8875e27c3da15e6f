#ifndef CTICKWORKLINUX_H
#define CTICKWORKLINUX_H
#include <stdint.h>
/* Linux calls the Glibc module does not import (they need _GNU_SOURCE). */
int ctw_gettid(void);
/* Names the calling thread (15 bytes at most); 0 on success. */
int ctw_set_thread_name(const char *name);
/* Sets the calling thread's timer slack in ns; 0 on success. */
int ctw_set_timer_slack(unsigned long ns);

/* A hint to start loading the cache line at `p` (never faults, never
   blocks). The engine issues it for memory it will touch a little later, so
   the miss overlaps other work instead of stalling it. */
static inline void ctw_prefetch(const void *p) { __builtin_prefetch(p, 1, 3); }

/* Prefetches the block a timer wheel slot appends to next: reads the
   slot's last block number, then asks for both cache lines of that block
   (chunk `block >> chunk_bits`, `block_bytes` per block). Reads without the
   wheel's lock: a stale number still names a block in a live chunk, and a
   prefetch of any address is only a hint, so the race is deliberate and
   hidden from ThreadSanitizer. */
__attribute__((no_sanitize("thread")))
static inline void ctw_prefetch_wheel_block(const int32_t *tails, const void *const *chunks, long slot,
                                            int chunk_bits, long block_bytes) {
    int32_t block = tails[slot];
    if (block < 0) return;
    const char *chunk = (const char *)chunks[block >> chunk_bits];
    if (!chunk) return;
    const char *p = chunk + (long)(block & ((1 << chunk_bits) - 1)) * block_bytes;
    __builtin_prefetch(p, 1, 3);
    __builtin_prefetch(p + 64, 1, 3);
}
#endif
