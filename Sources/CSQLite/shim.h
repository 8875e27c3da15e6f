#include <sqlite3.h>

// SQLITE_TRANSIENT is a cast of -1 to a destructor pointer, which Swift
// cannot import: bound text and blobs are copied by SQLite.
static inline sqlite3_destructor_type ctw_sqlite_transient(void) { return SQLITE_TRANSIENT; }
