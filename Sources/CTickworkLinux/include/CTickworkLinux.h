#ifndef CTICKWORKLINUX_H
#define CTICKWORKLINUX_H
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

/* Prefetches the storage a timer wheel slot's array points to: reads the
   slot's buffer reference without the wheel's lock. A stale reference is
   harmless (a prefetch of any address is only a hint), so the racy read is
   deliberate and hidden from ThreadSanitizer. */
__attribute__((no_sanitize("thread")))
static inline void ctw_prefetch_slot(void *const *slots, long i) {
    const char *storage = (const char *)slots[i];
    __builtin_prefetch(storage, 1, 3);
}

/* Prefetches where the next entry of a wheel slot's array goes: Swift array
   storage is a 16-byte object header, the count, the capacity, then 8-byte
   elements. Reads the count, so call it once `ctw_prefetch_slot` had time to
   bring the header in. Racy by design, as above. */
__attribute__((no_sanitize("thread")))
static inline void ctw_prefetch_slot_end(void *const *slots, long i) {
    const char *storage = (const char *)slots[i];
    long count = *(const long *)(storage + 16);
    __builtin_prefetch(storage + 32 + 8 * count, 1, 3);
}
#endif
