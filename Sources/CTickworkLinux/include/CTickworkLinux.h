#ifndef CTICKWORKLINUX_H
#define CTICKWORKLINUX_H
/* Linux calls the Glibc module does not import (they need _GNU_SOURCE). */
int ctw_gettid(void);
/* Names the calling thread (15 bytes at most); 0 on success. */
int ctw_set_thread_name(const char *name);
/* Sets the calling thread's timer slack in ns; 0 on success. */
int ctw_set_timer_slack(unsigned long ns);
#endif
