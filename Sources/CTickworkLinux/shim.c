#define _GNU_SOURCE
#include "CTickworkLinux.h"
#include <pthread.h>
#include <unistd.h>
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
