#ifndef CTICKWORKLINUX_H
#define CTICKWORKLINUX_H
#include <stdint.h>
/* Linux calls the Glibc module does not import (they need _GNU_SOURCE). */
int ctw_gettid(void);
/* Names the calling thread (15 bytes at most); 0 on success. */
int ctw_set_thread_name(const char *name);
/* Sets the calling thread's timer slack in ns; 0 on success. */
int ctw_set_timer_slack(unsigned long ns);
/* Gives free heap memory back to the kernel (glibc's malloc_trim(0), which
   releases free pages inside the heap too, in every arena); 1 if some was. */
int ctw_trim_heap(void);
/* Caps glibc's malloc arenas at n (mallopt M_ARENA_MAX); call before the
   first thread starts. 1 on success, 0 where unsupported. */
int ctw_limit_malloc_arenas(int n);
/* Bytes malloc has handed out and not had back (glibc's mallinfo2: in use
   in the arenas plus mmapped chunks); -1 where unknown. */
long long ctw_heap_in_use(void);
/* A timerfd on CLOCK_REALTIME armed far ahead with TFD_TIMER_CANCEL_ON_SET:
   the kernel cancels it whenever the wall clock is set or the machine
   resumes from suspend. Returns the fd, or -1. */
int ctw_wall_watch_open(void);
/* Blocks until the wall clock is set or the machine resumes (returns 1,
   the timer re-armed), or an error (-1, errno set). */
int ctw_wall_watch_wait(int fd);

/* The uid and pid of the process at the other end of a Unix socket
   (SO_PEERCRED, as the kernel recorded them at connect); 0 on success,
   -1 with errno set. */
int ctw_peer_credentials(int fd, uint32_t *uid, int32_t *pid);

/* accept4(fd, NULL, NULL, SOCK_CLOEXEC): the connection is close-on-exec
   from the start, so a command spawned meanwhile never inherits it. */
int ctw_accept_cloexec(int fd);

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
