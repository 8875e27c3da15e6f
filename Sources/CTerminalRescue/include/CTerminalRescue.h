#ifndef CTERMINALRESCUE_H
#define CTERMINALRESCUE_H
/* Restores the terminal when the process dies on a fatal signal (a Swift
   trap is SIGILL or SIGTRAP), which ncurses does not do. Everything the
   handler does is async-signal-safe: write(2) of bytes prepared in advance
   and tcsetattr(3). */

/* Saves the terminal's current modes (call before curses changes them). */
int twr_save_modes(int fd);
/* Sets the bytes written on a crash (leave the alternate screen, show the
   cursor, reset attributes); copied, at most 255 bytes. */
void twr_set_restore_sequence(const char *bytes);
/* Installs handlers for SIGSEGV SIGBUS SIGILL SIGFPE SIGABRT SIGTRAP. */
void twr_arm(void);
/* Uninstalls the handlers (default actions again). */
void twr_disarm(void);
#endif
