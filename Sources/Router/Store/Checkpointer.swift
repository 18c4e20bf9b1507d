import CSQLite
import HTTPServer
import Synchronization

/// Checkpoints the writer's WAL on a thread of its own. SQLite's automatic checkpoint runs inside the
/// commit that crosses `wal_autocheckpoint` pages: copying the pages into the database and its two
/// fsyncs held that batch's answers and left the writer, and with it the core, waiting on the disk
/// (~10 % of the workload's time in iowait). Here the writer's commits only report the WAL's size
/// (`SQLiteDatabase.onCommit`); once `pages` frames wait, this thread runs a PASSIVE checkpoint on its
/// own connection while the writer goes on.
///
/// A PASSIVE checkpoint never waits for the writer, so with commits landing all the time the WAL is
/// rarely caught up at the moment a write could restart it; past `inlinePages` frames the writer
/// checkpoints inline as before (a short one: the frames the last background pass left), which
/// restarts the WAL and bounds it at about `inlinePages` pages. The two never run at once: a
/// checkpoint finding another one running gives up (SQLITE_BUSY), and the writer losing that race
/// commit after commit on a slow disk let the WAL grow past its bound, so the writer waits for the
/// background pass in progress instead.
final class Checkpointer: @unchecked Sendable {
    /// Frames not yet copied that start a background checkpoint (the old `wal_autocheckpoint`).
    static let pages = SQLiteEventStore.walCheckpointPages
    /// WAL frames at which the writer checkpoints itself: 16 MiB of WAL at 4 KiB pages.
    static let inlinePages = 16 * pages

    /// What the writer's commits and the thread share.
    private final class Shared: Sendable {
        let requests = BlockingQueue<Void>()
        /// The WAL frame the last background checkpoint copied up to (0 after a restart of the WAL).
        let copied = Atomic<Int>(0)
        /// Held by whichever of the thread and the writer is checkpointing.
        let checkpointing = Mutex<Void>(())
    }
    private let shared = Shared()
    private var thread: OSThread?

    /// Opens a connection of its own to the database at `path` and starts the thread.
    init(path: String) throws(SQLiteError) {
        /// The connection moves to the thread and is used there only.
        struct Connection: @unchecked Sendable { let db: SQLiteDatabase }
        // Opened as the store's connections are: a connection that has not read the database yet
        // does not know it is in WAL mode, and its checkpoints would do nothing.
        let connection = Connection(db: try SQLiteEventStore.open(path: path))
        let shared = self.shared
        thread = OSThread(name: "checkpointer") {
            let db = connection.db
            var lastError: Int64?
            while shared.requests.popBatch(max: .max) != nil {
                let (rc, done) = shared.checkpointing.withLock { _ in db.checkpointPassive() }
                let now = MonotonicClock.milliseconds()
                if rc == SQLITE_OK {
                    shared.copied.store(done, ordering: .relaxed)
                } else if rc & 0xff != SQLITE_BUSY, lastError.map({ now - $0 > 60_000 }) ?? true {
                    // Once a minute at most: the writer's inline checkpoint still bounds the WAL.
                    lastError = now
                    Log.error("background WAL checkpoint failed; retrying at the next commits", ["error": db.error(rc).description])
                }
            }
        }
    }

    /// Has `writer`'s commits report to this checkpointer instead of checkpointing themselves.
    func attach(to writer: SQLiteDatabase) {
        let shared = self.shared
        var last = 0  // the WAL's frames at the previous commit (the hook runs on the writer's thread only)
        writer.onCommit { [unowned writer] frames in
            // Fewer frames than last time: the WAL restarted, and nothing of it is copied yet.
            if frames < last { shared.copied.store(0, ordering: .relaxed) }
            last = frames
            if frames >= Self.inlinePages {
                // A failure leaves the WAL to the next commit's, as SQLite's own automatic checkpoint.
                _ = shared.checkpointing.withLock { _ in writer.checkpointPassive() }
                return
            }
            // More copied than there are frames: a checkpoint of the WAL before its restart reported late.
            let copied = shared.copied.load(ordering: .relaxed)
            if frames - (copied > frames ? 0 : copied) >= Self.pages { shared.requests.push(()) }
        }
    }

    /// Stops the thread after the checkpoint it may be running. The writer must be done.
    func close() {
        shared.requests.close()
        thread?.join()
        thread = nil
    }
}
