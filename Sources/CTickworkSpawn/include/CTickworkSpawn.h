#ifndef CTICKWORKSPAWN_H
#define CTICKWORKSPAWN_H
/* Process calls for command jobs that Swift's Glibc module does not show
   (posix_spawn's session flag, closefrom and chdir actions, pipe2, pidfds,
   the child subreaper): they need _GNU_SOURCE. Linux only. */

/* Starts `path` with `argv` and `envp` in a new session (its own process
   group, pgid = pid): the signal mask emptied and every signal at its
   default, stdin from /dev/null, stdout and stderr into two new pipes, no
   other descriptor (closefrom 3), in `cwd` when it is not NULL. On success
   returns 0 and sets the pid, a pidfd for it and the read ends of the two
   pipes (all close-on-exec); otherwise returns an errno value and leaves
   nothing open. */
int ctw_spawn(const char *path, char *const argv[], char *const envp[], const char *cwd,
              int *pid, int *pidfd, int *out_fd, int *err_fd);

/* Reaps the process behind `pidfd` if it has ended: 1 and its end (`kind`
   1 exited with `code`, 2 killed by signal `code`), 0 while it runs, -1 on
   error (errno set). */
int ctw_pidfd_reap(int pidfd, int *kind, int *code);

/* Reaps one ended child of process group `pgid` other than `leader`
   (whose end its pidfd reports) without blocking: its pid, 0 when none has
   ended, -1 when no child of ours is in the group or on error. */
int ctw_reap_group_member(int pgid, int leader);

/* The signal's abbreviation ("KILL"), or NULL if unknown. */
const char *ctw_signal_name(int sig);

/* 1 while some process is in group `pgid`, 0 once none is. */
int ctw_group_alive(int pgid);

/* Makes this process the reaper of its orphaned descendants
   (PR_SET_CHILD_SUBREAPER): a killed job's grandchildren come back to us
   to be reaped, not to a PID 1 that may never reap them. 0 on success. */
int ctw_become_subreaper(void);

/* Sends `sig` to group `pgid`; 0, or an errno value (ESRCH: none left). */
int ctw_signal_group(int pgid, int sig);

/* The floor a command run is measured against: posix_spawn with stdin,
   stdout and stderr on /dev/null, then waitpid. Returns the exit status,
   or -1 when the spawn failed. */
int ctw_spawn_and_reap_bare(const char *path, char *const argv[], char *const envp[]);
#endif
