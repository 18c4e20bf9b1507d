import CSQLite

/// A failed SQLite call: the result code and SQLite's own message.
struct SQLiteError: Error, CustomStringConvertible {
    let code: Int32
    let message: String

    /// The disk is full or failing: the store is unavailable, the process is fine (answer 503).
    var isStorageFault: Bool {
        let primary = code & 0xff
        return primary == SQLITE_FULL || primary == SQLITE_IOERR || primary == SQLITE_CANTOPEN || primary == SQLITE_READONLY
            || primary == SQLITE_BUSY || primary == SQLITE_LOCKED || primary == SQLITE_CORRUPT
    }

    /// No room left on the disk (the disk reserve's cue, `DiskReserve`).
    var isDiskFull: Bool { code & 0xff == SQLITE_FULL }

    var description: String { "SQLite error \(code): \(message)" }
}

/// One SQLite connection. Not thread-safe: each thread that touches the store has its own.
final class SQLiteDatabase {
    let handle: OpaquePointer
    let path: String

    /// Process-wide settings, made once before the first connection (`sqlite3_config` refuses them after).
    private static let configured: Void = {
        _ = hr_sqlite3_disable_memstatus()
        _ = sqlite3_initialize()
    }()

    init(path: String, readOnly: Bool = false) throws(SQLiteError) {
        _ = Self.configured
        var db: OpaquePointer?
        let flags = (readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) | SQLITE_OPEN_NOMUTEX
        let rc = sqlite3_open_v2(path, &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            if let db { sqlite3_close_v2(db) }
            throw SQLiteError(code: rc, message: "\(message) (\(path))")
        }
        handle = db
        self.path = path
        sqlite3_extended_result_codes(db, 1)
        sqlite3_busy_timeout(db, 5000)
    }

    deinit { sqlite3_close_v2(handle) }

    func execute(_ sql: String) throws(SQLiteError) {
        let rc = sqlite3_exec(handle, sql, nil, nil, nil)
        guard rc == SQLITE_OK else { throw error(rc) }
    }

    func prepare(_ sql: String) throws(SQLiteError) -> SQLiteStatement {
        var stmt: OpaquePointer?
        let rc = sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &stmt, nil)
        guard rc == SQLITE_OK, let stmt else { throw error(rc) }
        return SQLiteStatement(stmt, database: self)
    }

    /// The one integer a query returns (`PRAGMA user_version`, `SELECT count(*)`).
    func scalar(_ sql: String) throws(SQLiteError) -> Int64 {
        let s = try prepare(sql)
        guard try s.step() else { return 0 }
        return s.int64(0)
    }

    /// What `onCommit` was given, kept by the connection so it outlives the hook (`deinit` closes
    /// the handle before its properties go).
    private final class CommitHook {
        let body: (Int) -> Void
        init(_ body: @escaping (Int) -> Void) { self.body = body }
    }
    private var commitHook: CommitHook?

    /// Runs `body` with the number of frames in the WAL after each commit of this connection, in place
    /// of SQLite's automatic checkpoint (`sqlite3_wal_hook` replaces it); `body` may call
    /// `checkpointPassive()` there and then, as the automatic one did.
    func onCommit(_ body: @escaping (Int) -> Void) {
        let hook = CommitHook(body)
        commitHook = hook
        sqlite3_wal_hook(handle, { context, _, _, frames in
            guard let context else { return SQLITE_OK }
            Unmanaged<CommitHook>.fromOpaque(context).takeUnretainedValue().body(Int(frames))
            return SQLITE_OK
        }, Unmanaged.passUnretained(hook).toOpaque())
    }

    /// Copies what it can of the WAL into the database without waiting for readers or writers
    /// (SQLITE_BUSY while another connection checkpoints). `done` is the WAL frame copied up to.
    func checkpointPassive() -> (rc: Int32, done: Int) {
        var frames: Int32 = 0, done: Int32 = 0
        let rc = sqlite3_wal_checkpoint_v2(handle, nil, SQLITE_CHECKPOINT_PASSIVE, &frames, &done)
        return (rc, Int(done))
    }

    var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }
    var changes: Int { Int(sqlite3_changes(handle)) }

    func error(_ rc: Int32) -> SQLiteError {
        SQLiteError(code: rc, message: String(cString: sqlite3_errmsg(handle)))
    }
}

/// A prepared statement, reused: `reset()` after each use.
final class SQLiteStatement {
    let stmt: OpaquePointer
    unowned let database: SQLiteDatabase

    init(_ stmt: OpaquePointer, database: SQLiteDatabase) {
        self.stmt = stmt
        self.database = database
    }

    deinit { sqlite3_finalize(stmt) }

    func bind(_ i: Int32, _ v: Int64) { sqlite3_bind_int64(stmt, i, v) }
    func bind(_ i: Int32, _ v: Int) { sqlite3_bind_int64(stmt, i, Int64(v)) }
    func bindNull(_ i: Int32) { sqlite3_bind_null(stmt, i) }

    func bind(_ i: Int32, _ v: String) {
        var s = v
        s.withUTF8 { utf8 in
            utf8.withMemoryRebound(to: CChar.self) { c in
                if let base = c.baseAddress {
                    _ = hr_sqlite3_bind_text_transient(stmt, i, base, Int32(c.count))
                } else {
                    // A null pointer would bind NULL; an empty string must stay an empty string.
                    _ = hr_sqlite3_bind_text_transient(stmt, i, "", 0)
                }
            }
        }
    }

    /// Binds `count` bytes at `text` to `i` as text, without a copy (SQLITE_STATIC): the caller keeps
    /// them unchanged until the statement is reset.
    func bindStatic(_ i: Int32, _ text: UnsafeRawPointer, count: Int) {
        _ = hr_sqlite3_bind_text_static(stmt, i, text.assumingMemoryBound(to: CChar.self), Int32(count))
    }

    func bind(_ i: Int32, _ v: String?) {
        if let v { bind(i, v) } else { bindNull(i) }
    }

    func bind(_ i: Int32, blob v: [UInt8]) {
        v.withUnsafeBytes { buf in
            if let base = buf.baseAddress {
                _ = hr_sqlite3_bind_blob_transient(stmt, i, base, Int32(buf.count))
            } else {
                sqlite3_bind_zeroblob(stmt, i, 0)
            }
        }
    }

    /// Steps once: true with a row, false when done.
    func step() throws(SQLiteError) -> Bool {
        let rc = sqlite3_step(stmt)
        if rc == SQLITE_ROW { return true }
        if rc == SQLITE_DONE { return false }
        let e = database.error(rc)
        sqlite3_reset(stmt)
        throw e
    }

    /// Runs a statement that returns no rows, then resets it.
    func run() throws(SQLiteError) {
        defer { reset() }
        _ = try step()
    }

    func reset() {
        sqlite3_reset(stmt)
        sqlite3_clear_bindings(stmt)
    }

    func int64(_ col: Int32) -> Int64 { sqlite3_column_int64(stmt, col) }
    func int(_ col: Int32) -> Int { Int(sqlite3_column_int64(stmt, col)) }
    func isNull(_ col: Int32) -> Bool { sqlite3_column_type(stmt, col) == SQLITE_NULL }

    func string(_ col: Int32) -> String {
        guard let p = sqlite3_column_text(stmt, col) else { return "" }
        return String(decoding: UnsafeBufferPointer(start: p, count: Int(sqlite3_column_bytes(stmt, col))), as: UTF8.self)
    }

    func optionalString(_ col: Int32) -> String? { isNull(col) ? nil : string(col) }

    /// A text column's bytes, valid only inside `body` (no string is made).
    func withText<R>(_ col: Int32, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        guard let p = sqlite3_column_text(stmt, col) else { return body(UnsafeRawBufferPointer(start: nil, count: 0)) }
        return body(UnsafeRawBufferPointer(start: p, count: Int(sqlite3_column_bytes(stmt, col))))
    }

    func blob(_ col: Int32) -> [UInt8] {
        let n = Int(sqlite3_column_bytes(stmt, col))
        guard n > 0, let p = sqlite3_column_blob(stmt, col) else { return [] }
        return Array(UnsafeRawBufferPointer(start: p, count: n))
    }
}
