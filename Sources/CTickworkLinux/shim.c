#define _GNU_SOURCE
#include "CTickworkLinux.h"
#include <pthread.h>
#include <malloc.h>
#include <errno.h>
#include <stdint.h>
#ifdef __linux__
#include <sys/timerfd.h>
#endif
#include <unistd.h>
#include <sys/socket.h>
#ifdef __linux__
#include <sys/prctl.h>
#include <sys/syscall.h>
#endif

int ctw_gettid(void) {
#ifdef __linux__
    return (int)syscall(SYS_gettid);
#else
    return 0;
#endif
}

int ctw_set_thread_name(const char *name) {
#ifdef __linux__
    return pthread_setname_np(pthread_self(), name);
#else
    return -1;
#endif
}

int ctw_set_timer_slack(unsigned long ns) {
#ifdef __linux__
    return prctl(PR_SET_TIMERSLACK, ns, 0, 0, 0);
#else
    return -1;
#endif
}

int ctw_trim_heap(void) {
#if defined(__GLIBC__)
    return malloc_trim(0);
#else
    return 0;
#endif
}

int ctw_limit_malloc_arenas(int n) {
#if defined(__GLIBC__)
    return mallopt(M_ARENA_MAX, n);
#else
    (void)n;
    return 0;
#endif
}

#ifdef __linux__
static int ctw_wall_watch_arm(int fd) {
    struct itimerspec spec = {0};
    spec.it_value.tv_sec = (time_t)1 << 40;   /* tens of thousands of years ahead */
    return timerfd_settime(fd, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET, &spec, NULL);
}
#endif

int ctw_wall_watch_open(void) {
#ifdef __linux__
    int fd = timerfd_create(CLOCK_REALTIME, TFD_CLOEXEC);
    if (fd < 0) return -1;
    if (ctw_wall_watch_arm(fd) < 0) { close(fd); return -1; }
    return fd;
#else
    return -1;
#endif
}

int ctw_wall_watch_wait(int fd) {
#ifdef __linux__
    uint64_t ticks;
    for (;;) {
        ssize_t n = read(fd, &ticks, sizeof ticks);
        if (n < 0 && errno == ECANCELED) return ctw_wall_watch_arm(fd) < 0 ? -1 : 1;
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return -1;
        /* Expired (the far-ahead instant came): arm it again. */
        if (ctw_wall_watch_arm(fd) < 0) return -1;
    }
#else
    errno = ENOSYS;
    return -1;
#endif
}

long long ctw_heap_in_use(void) {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
    struct mallinfo2 info = mallinfo2();
    return (long long)(info.uordblks + info.hblkhd);
#else
    return -1;
#endif
}

int ctw_peer_credentials(int fd, uint32_t *uid, int32_t *pid) {
#ifdef __linux__
    struct ucred cred;
    socklen_t len = sizeof cred;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) return -1;
    *uid = (uint32_t)cred.uid;
    *pid = (int32_t)cred.pid;
    return 0;
#else
    errno = ENOSYS;
    return -1;
#endif
}

int ctw_accept_cloexec(int fd) {
#ifdef __linux__
    return accept4(fd, NULL, NULL, SOCK_CLOEXEC);
#else
    return accept(fd, NULL, NULL);
#endif
}
