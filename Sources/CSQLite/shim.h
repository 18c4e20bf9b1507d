#include <sqlite3.h>

// SQLITE_TRANSIENT is a cast macro that Swift does not import.
static inline int hr_sqlite3_bind_text_transient(sqlite3_stmt *s, int i, const char *v, int n) {
    return sqlite3_bind_text(s, i, v, n, SQLITE_TRANSIENT);
}
// SQLITE_STATIC (a null destructor): SQLite reads the caller's bytes in place, no copy, no allocation.
static inline int hr_sqlite3_bind_text_static(sqlite3_stmt *s, int i, const char *v, int n) {
    return sqlite3_bind_text(s, i, v, n, SQLITE_STATIC);
}
static inline int hr_sqlite3_bind_blob_transient(sqlite3_stmt *s, int i, const void *v, int n) {
    return sqlite3_bind_blob(s, i, v, n, SQLITE_TRANSIENT);
}

// sqlite3_config is variadic. Memory statistics off: with them on, every allocation SQLite makes takes
// a process-wide mutex (about 50 lock/unlock pairs per stored event), and nothing here reads them.
static inline int hr_sqlite3_disable_memstatus(void) {
    return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}
