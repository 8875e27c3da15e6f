#ifndef CNCURSESW_SHIM_H
#define CNCURSESW_SHIM_H
/* The wide-character API must be requested before curses.h is included;
   SwiftPM drops pkg-config's -D flags, so the shim defines it itself. */
#define NCURSES_WIDECHAR 1
#define _XOPEN_SOURCE_EXTENDED 1
#if __has_include(<ncursesw/curses.h>)
#include <ncursesw/curses.h>
#include <ncursesw/term.h>
#else
#include <curses.h>
#include <term.h>
#endif

/* Macros built from NCURSES_BITS and C globals are not imported (or are
   rejected by Swift 6 as shared mutable state): expose them as functions. */
static inline attr_t nc_A_BOLD(void)      { return A_BOLD; }
static inline attr_t nc_A_DIM(void)       { return A_DIM; }
static inline attr_t nc_A_REVERSE(void)   { return A_REVERSE; }
static inline attr_t nc_A_UNDERLINE(void) { return A_UNDERLINE; }
static inline int    nc_KEY_F(int n)      { return KEY_F(n); }
static inline WINDOW *nc_stdscr(void)     { return stdscr; }
static inline WINDOW *nc_curscr(void)     { return curscr; }
static inline int nc_lines(void)          { return LINES; }
static inline int nc_cols(void)           { return COLS; }
static inline int nc_colors(void)         { return COLORS; }
/* tigetstr returns (char *)-1 for "not a string capability". */
static inline const char *nc_tigetstr(const char *cap) {
    char *s = tigetstr((char *)cap);
    return (s == (char *)-1) ? 0 : s;
}
#endif
