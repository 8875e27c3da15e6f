#define _GNU_SOURCE
#include "CTickworkSpawn.h"
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

static void close_pair(int p[2]) {
    if (p[0] >= 0) close(p[0]);
    if (p[1] >= 0) close(p[1]);
}

int ctw_spawn(const char *path, char *const argv[], char *const envp[], const char *cwd,
              int *pid_out, int *pidfd_out, int *out_fd, int *err_fd) {
    int out[2] = {-1, -1}, err[2] = {-1, -1};
    if (pipe2(out, O_CLOEXEC) != 0) return errno;
    if (pipe2(err, O_CLOEXEC) != 0) { int e = errno; close_pair(out); return e; }

    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attr;
    int rc = posix_spawn_file_actions_init(&actions);
    if (rc != 0) { close_pair(out); close_pair(err); return rc; }
    rc = posix_spawnattr_init(&attr);
    if (rc != 0) { posix_spawn_file_actions_destroy(&actions); close_pair(out); close_pair(err); return rc; }

    /* exec resets caught signals to their default by itself; only ignored
       ones survive it, so only those need resetting (all 64 cost the child
       64 sigaction calls before exec). */
    sigset_t none, all;
    sigemptyset(&none);
    sigemptyset(&all);
    for (int sig = 1; sig < NSIG; sig++) {
        struct sigaction old;
        if (sigaction(sig, NULL, &old) == 0 && old.sa_handler == SIG_IGN) sigaddset(&all, sig);
    }
    if (rc == 0) rc = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    if (rc == 0) rc = posix_spawnattr_setsigmask(&attr, &none);
    if (rc == 0) rc = posix_spawnattr_setsigdefault(&attr, &all);
    if (rc == 0) rc = posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    if (rc == 0) rc = posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    if (rc == 0) rc = posix_spawn_file_actions_adddup2(&actions, err[1], 2);
    if (rc == 0) rc = posix_spawn_file_actions_addclosefrom_np(&actions, 3);
    if (rc == 0 && cwd) rc = posix_spawn_file_actions_addchdir_np(&actions, cwd);

    pid_t pid = -1;
    if (rc == 0) rc = posix_spawn(&pid, path, &actions, &attr, argv, envp);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    close(out[1]); out[1] = -1;
    close(err[1]); err[1] = -1;
    if (rc != 0) { close_pair(out); close_pair(err); return rc; }

    /* Nothing else reaps our children, so the pid cannot be reused before
       the pidfd is open, even if the child has already ended. */
    int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
    if (pidfd < 0) {
        int e = errno;
        kill(-pid, SIGKILL);
        waitpid(pid, NULL, 0);
        close_pair(out); close_pair(err);
        return e;
    }
    fcntl(pidfd, F_SETFD, FD_CLOEXEC);
    *pid_out = pid;
    *pidfd_out = pidfd;
    *out_fd = out[0];
    *err_fd = err[0];
    return 0;
}

int ctw_pidfd_reap(int pidfd, int *kind, int *code) {
    siginfo_t info = {0};
    if (waitid((idtype_t)P_PIDFD, (id_t)pidfd, &info, WEXITED | WNOHANG) != 0) return -1;
    if (info.si_pid == 0) return 0;
    if (info.si_code == CLD_EXITED) { *kind = 1; *code = info.si_status; }
    else { *kind = 2; *code = info.si_status; }
    return 1;
}

int ctw_reap_group_member(int pgid, int leader) {
    siginfo_t info = {0};
    /* Look first (WNOWAIT): the leader's status belongs to its pidfd. */
    if (waitid(P_PGID, (id_t)pgid, &info, WEXITED | WNOHANG | WNOWAIT) != 0) return -1;
    if (info.si_pid == 0 || info.si_pid == leader) return 0;
    if (waitpid(info.si_pid, NULL, WNOHANG) < 0) return -1;
    return info.si_pid;
}

const char *ctw_signal_name(int sig) {
    return sigabbrev_np(sig);
}

int ctw_group_alive(int pgid) {
    return kill(-pgid, 0) == 0 || errno != ESRCH;
}

int ctw_become_subreaper(void) {
    return prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0 ? 0 : errno;
}

int ctw_signal_group(int pgid, int sig) {
    return kill(-pgid, sig) == 0 ? 0 : errno;
}

int ctw_spawn_and_reap_bare(const char *path, char *const argv[], char *const envp[]) {
    posix_spawn_file_actions_t actions;
    if (posix_spawn_file_actions_init(&actions) != 0) return -1;
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    pid_t pid;
    int rc = posix_spawn(&pid, path, &actions, NULL, argv, envp);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) return -1;
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
