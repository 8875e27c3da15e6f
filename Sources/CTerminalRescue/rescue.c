#include "CTerminalRescue.h"
#include <signal.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

static int saved_fd = -1;
static struct termios saved_modes;
static char restore_bytes[256];
static size_t restore_len = 0;
static volatile sig_atomic_t armed = 0;
static const int fatal_signals[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP };
#define FATAL_COUNT (sizeof(fatal_signals) / sizeof(fatal_signals[0]))

int twr_save_modes(int fd) {
    if (tcgetattr(fd, &saved_modes) != 0) return -1;
    saved_fd = fd;
    return 0;
}

void twr_set_restore_sequence(const char *bytes) {
    size_t n = strlen(bytes);
    if (n >= sizeof(restore_bytes)) n = sizeof(restore_bytes) - 1;
    memcpy(restore_bytes, bytes, n);
    restore_bytes[n] = 0;
    restore_len = n;
}

static void restore_now(void) {
    if (saved_fd < 0) return;
    if (restore_len > 0) { ssize_t w = write(saved_fd, restore_bytes, restore_len); (void)w; }
    tcsetattr(saved_fd, TCSANOW, &saved_modes);
}

static void on_fatal(int sig) {
    static const char note[] = "\r\ntickwork: crashed on a fatal signal; the terminal was restored.\r\n";
    if (armed) {
        armed = 0;
        restore_now();
        ssize_t w = write(2, note, sizeof(note) - 1); (void)w;
    }
    /* Die of the same signal, with its default action (and core, if enabled).
       Swift's own backtracer is skipped on purpose: in a terminal it can
       wait 30 s at an interactive prompt. */
    signal(sig, SIG_DFL);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, sig);
    pthread_sigmask(SIG_UNBLOCK, &set, 0);
    raise(sig);
}

void twr_arm(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_fatal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESETHAND | SA_NODEFER;
    for (size_t i = 0; i < FATAL_COUNT; i++) sigaction(fatal_signals[i], &sa, 0);
    armed = 1;
}

void twr_disarm(void) {
    armed = 0;
    for (size_t i = 0; i < FATAL_COUNT; i++) signal(fatal_signals[i], SIG_DFL);
}
