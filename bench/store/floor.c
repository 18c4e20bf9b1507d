// The floor of a durable store on this host: CPU per event (user + system, getrusage) to write events
// of a webhook's size in group commits, each batch flushed before it would be answered.
//   log      append the batch to a file (one write) and fdatasync it: what an append-only log costs
//   log-pre  the same into a file allocated and written once beforehand (no file growth per flush)
//   sqlite   the events table hookrouter uses (WAL, synchronous=FULL, wal_autocheckpoint=256): one
//            INSERT per event (plus DELIVERIES rows in hookrouter's deliveries table), one
//            transaction per batch
// Build: gcc -O2 -o /tmp/store-floor bench/store/floor.c -lsqlite3
// Run:   taskset -c 0 /tmp/store-floor DIR [EVENTS] [BATCH] [BODY_BYTES] [ids: seq|random] [DELIVERIES]
#define _GNU_SOURCE
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

static double cpu_seconds(void) {
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    return u.ru_utime.tv_sec + u.ru_stime.tv_sec + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

static void die(const char *what) { perror(what); exit(1); }

static void event_id(char *out, long i, int random_ids) {
    if (random_ids) sprintf(out, "%08lx-%04lx-4%03lx-%04lx-%012lx", random() & 0xffffffffL, random() & 0xffffL,
                            random() & 0xfffL, 0x8000 | (random() & 0x3fffL), ((long)random() << 16) ^ random());
    else sprintf(out, "852772514-%ld", i);
}

static double run_log(const char *dir, long events, int batch, int body, int preallocate) {
    char path[4096];
    snprintf(path, sizeof path, "%s/log-%d", dir, preallocate);
    int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0600);
    if (fd < 0) die("open");
    size_t record = (size_t)body + 256;  // body plus headers and the row's other fields
    char *buf = malloc(record * batch);
    memset(buf, 'x', record * batch);
    if (preallocate) {
        for (long off = 0; off < events * (long)record; off += record * batch)
            if (pwrite(fd, buf, record * batch, off) < 0) die("pwrite");
        if (fsync(fd) < 0) die("fsync");
    }
    double start = cpu_seconds();
    long off = 0;
    for (long i = 0; i < events; i += batch) {
        if (pwrite(fd, buf, record * batch, off) < 0) die("pwrite");
        off += record * batch;
        if (fdatasync(fd) < 0) die("fdatasync");
    }
    double cpu = cpu_seconds() - start;
    close(fd);
    unlink(path);
    return cpu;
}

static void check(int rc, sqlite3 *db, const char *what) {
    if (rc != SQLITE_OK && rc != SQLITE_DONE) { fprintf(stderr, "%s: %s\n", what, sqlite3_errmsg(db)); exit(1); }
}

static double run_sqlite(const char *dir, long events, int batch, int body, int random_ids, int deliveries) {
    char path[4096];
    snprintf(path, sizeof path, "%s/floor.db", dir);
    unlink(path);
    sqlite3 *db;
    check(sqlite3_open(path, &db), db, "open");
    check(sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA wal_autocheckpoint=256;"
                           "CREATE TABLE events (seq INTEGER PRIMARY KEY, source TEXT NOT NULL, event_id TEXT NOT NULL,"
                           " type TEXT NOT NULL, time_ms INTEGER NOT NULL, received_ms INTEGER NOT NULL, content_type TEXT NOT NULL,"
                           " headers BLOB NOT NULL, attributes BLOB NOT NULL, body BLOB NOT NULL, sealed INTEGER NOT NULL DEFAULT 0,"
                           " UNIQUE (source, event_id));"
                           "CREATE INDEX events_received ON events (received_ms);"
                           "CREATE TABLE deliveries (id INTEGER PRIMARY KEY, event_seq INTEGER NOT NULL, route TEXT NOT NULL, target TEXT NOT NULL,"
                           " status TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, next_attempt_ms INTEGER NOT NULL, created_ms INTEGER NOT NULL,"
                           " updated_ms INTEGER NOT NULL, last_status INTEGER, last_error TEXT, attempt_base INTEGER NOT NULL DEFAULT 0);"
                           "CREATE INDEX deliveries_event ON deliveries (event_seq);"
                           "CREATE INDEX deliveries_target ON deliveries (target, id);"
                           "CREATE INDEX deliveries_due ON deliveries (target, next_attempt_ms) WHERE status = 'pending';", 0, 0, 0), db, "schema");
    sqlite3_stmt *insert;
    check(sqlite3_prepare_v2(db, "INSERT INTO events (source, event_id, type, time_ms, received_ms, content_type, headers, attributes, body)"
                                 " VALUES ('fiscal', ?1, 'nfe_importada', ?2, ?2, 'application/json', ?3, '{}', ?4)"
                                 " ON CONFLICT (source, event_id) DO NOTHING", -1, &insert, 0), db, "prepare");
    sqlite3_stmt *delivery;
    check(sqlite3_prepare_v2(db, "INSERT INTO deliveries (event_seq, route, target, status, next_attempt_ms, created_ms, updated_ms)"
                                 " VALUES (?1, 'erp', ?3, 'pending', ?2, ?2, ?2)", -1, &delivery, 0), db, "prepare");
    char *bytes = malloc(body);
    memset(bytes, 'x', body);
    char headers[124];
    memset(headers, 'h', sizeof headers);
    char id[64];
    double start = cpu_seconds();
    for (long i = 0; i < events; i += batch) {
        check(sqlite3_exec(db, "BEGIN IMMEDIATE", 0, 0, 0), db, "begin");
        for (int j = 0; j < batch; j++) {
            event_id(id, i + j, random_ids);
            sqlite3_bind_text(insert, 1, id, -1, SQLITE_STATIC);
            sqlite3_bind_int64(insert, 2, 1795000000000LL + i + j);
            sqlite3_bind_blob(insert, 3, headers, sizeof headers, SQLITE_STATIC);
            sqlite3_bind_blob(insert, 4, bytes, body, SQLITE_STATIC);
            check(sqlite3_step(insert), db, "insert");
            sqlite3_reset(insert);
            for (int k = 0; k < deliveries; k++) {
                char target[24];
                snprintf(target, sizeof target, "target-%d", k);
                sqlite3_bind_int64(delivery, 1, sqlite3_last_insert_rowid(db));
                sqlite3_bind_int64(delivery, 2, 1795000000000LL + i + j);
                sqlite3_bind_text(delivery, 3, target, -1, SQLITE_TRANSIENT);
                check(sqlite3_step(delivery), db, "delivery");
                sqlite3_reset(delivery);
            }
        }
        check(sqlite3_exec(db, "COMMIT", 0, 0, 0), db, "commit");
    }
    double cpu = cpu_seconds() - start;
    sqlite3_finalize(insert);
    sqlite3_finalize(delivery);
    sqlite3_close(db);
    char wal[4200];
    unlink(path);
    snprintf(wal, sizeof wal, "%s-wal", path); unlink(wal);
    snprintf(wal, sizeof wal, "%s-shm", path); unlink(wal);
    return cpu;
}

int main(int argc, char **argv) {
    if (argc < 2) { fprintf(stderr, "usage: %s DIR [EVENTS] [BATCH] [BODY_BYTES] [seq|random] [DELIVERIES]\n", argv[0]); return 2; }
    const char *dir = argv[1];
    long events = argc > 2 ? atol(argv[2]) : 100000;
    int batch = argc > 3 ? atoi(argv[3]) : 23;
    int body = argc > 4 ? atoi(argv[4]) : 1285;
    int random_ids = argc > 5 && strcmp(argv[5], "random") == 0;
    int deliveries = argc > 6 ? atoi(argv[6]) : 0;
    printf("%ld events, batches of %d, %d-byte bodies, %s ids, %d deliveries each: CPU µs per event\n", events, batch, body,
           random_ids ? "random" : "ordered", deliveries);
    printf("  log      %6.2f\n", run_log(dir, events, batch, body, 0) * 1e6 / events);
    printf("  log-pre  %6.2f\n", run_log(dir, events, batch, body, 1) * 1e6 / events);
    printf("  sqlite   %6.2f\n", run_sqlite(dir, events, batch, body, random_ids, deliveries) * 1e6 / events);
    return 0;
}
