import Testing
#if canImport(Glibc)
import Glibc
#endif
@testable import Router

/// The writer's WAL, checkpointed by a thread of its own: pages reach the database file without the
/// writer checkpointing, and the WAL stays bounded while commits keep coming.
struct CheckpointerTests {
    private func size(_ path: String) -> Int {
        var st = stat()
        return stat(path, &st) == 0 ? Int(st.st_size) : 0
    }

    @Test func theThreadCopiesTheWALAndTheWriterRestartsIt() throws {
        let path = temporaryDirectory() + "/t.db"
        let writer = try SQLiteEventStore.open(path: path)
        try writer.execute("PRAGMA synchronous = NORMAL")  // as the store's writer
        try writer.execute("CREATE TABLE t (b BLOB NOT NULL)")
        let checkpointer = try Checkpointer(path: path)
        defer { checkpointer.close() }
        checkpointer.attach(to: writer)
        let insert = try writer.prepare("INSERT INTO t (b) VALUES (zeroblob(4000))")  // a page per commit at least
        let before = size(path)
        for _ in 0..<(2 * Checkpointer.pages) { try insert.run() }
        // Only a checkpoint writes the database file in WAL mode; the writer did none (below inlinePages).
        var waited = 0
        while size(path) < before + Checkpointer.pages * 4096, waited < 5000 {
            usleep(10_000)
            waited += 10
        }
        #expect(size(path) >= before + Checkpointer.pages * 4096, "the background checkpoint copied the first pages")
        for _ in 0..<(3 * Checkpointer.inlinePages / 2) { try insert.run() }
        // Restarted once it passed inlinePages: the file is reused from its start, never much larger.
        let walLimit = (Checkpointer.inlinePages + 4 * Checkpointer.pages) * (4096 + 24)
        #expect(size(path + "-wal") <= walLimit)
        #expect(try writer.scalar("SELECT count(*) FROM t") == Int64(2 * Checkpointer.pages + 3 * Checkpointer.inlinePages / 2))
    }

    @Test func aWALASnapshotGrewIsCutBackOnceItRestarts() throws {
        let path = temporaryDirectory() + "/t.db"
        let writer = try SQLiteEventStore.open(path: path)
        try writer.execute("PRAGMA synchronous = NORMAL")
        try writer.execute("CREATE TABLE t (b BLOB NOT NULL)")
        let checkpointer = try Checkpointer(path: path)
        defer { checkpointer.close() }
        checkpointer.attach(to: writer)
        // A reader's snapshot: no checkpoint can pass it, so the WAL only grows.
        let reader = try SQLiteDatabase(path: path, readOnly: true)
        try reader.execute("BEGIN")
        _ = try reader.scalar("SELECT count(*) FROM t")
        let insert = try writer.prepare("INSERT INTO t (b) VALUES (zeroblob(1000000))")
        for _ in 0..<80 { try insert.run() }
        #expect(size(path + "-wal") > SQLiteEventStore.walSizeLimit, "the snapshot held the WAL")
        try reader.execute("COMMIT")
        // The next checkpoints pass, the WAL restarts, and the commit after the restart cuts the file.
        let small = try writer.prepare("INSERT INTO t (b) VALUES (zeroblob(100))")
        var waited = 0
        while size(path + "-wal") > SQLiteEventStore.walSizeLimit, waited < 5000 {
            try writer.execute("PRAGMA wal_checkpoint(PASSIVE)")
            try small.run()
            usleep(10_000)
            waited += 10
        }
        #expect(size(path + "-wal") <= SQLiteEventStore.walSizeLimit, "the WAL kept the space the snapshot made it take")
    }
}
