import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A file of allocated space kept in the data directory so that a disk the store's own events filled
/// can still be purged. Deleting events writes too (SQLite's WAL), and on a disk with no byte left a
/// shortened retention could not free anything: every purge batch failed with `SQLITE_FULL`. When a
/// purge meets a full disk the writer releases this file and tries again; new events are then refused
/// (503) until the disk has room for the reserve and as much again, and the file is made anew.
///
/// Used by the store's writer thread only.
final class DiskReserve {
    static let fileName = "disk-reserve"
    /// Enough for many purge batches' WAL pages before the first emptied segment's file goes.
    static let defaultBytes: Int64 = 16 << 20

    enum State: Equatable {
        /// The file is there, its space allocated.
        case held
        /// Released for a purge on a full disk: new events wait until it is made again.
        case released
        /// Not made: disabled, or there was no room for it (it is tried again; new events are not held up).
        case absent
    }

    /// The size `serve` uses: `HOOKROUTER_RESERVE_BYTES` (0 turns the reserve off), else the default.
    static func bytes(_ environment: [String: String]) -> Int64 {
        guard let text = environment["HOOKROUTER_RESERVE_BYTES"], let n = Int64(text), n >= 0 else { return defaultBytes }
        return n
    }

    let path: String
    let directory: String
    let bytes: Int64
    private(set) var state: State = .absent {
        didSet { releasedFlag.store(state == .released, ordering: .relaxed) }
    }
    private let releasedFlag = Atomic<Bool>(false)
    /// `state == .released`, readable from any thread (`/metrics`).
    var isReleased: Bool { releasedFlag.load(ordering: .relaxed) }
    /// Free bytes on the directory's file system (a parameter so a test can say the disk is full).
    private let available: (String) -> Int64?

    /// Makes (or resizes) `DIRECTORY/disk-reserve`; with `bytes` 0, removes one left by an earlier run.
    /// `released`: it was deleted at start on a full disk (`releaseAtStart`), and new events wait.
    init(directory: String, bytes: Int64, released: Bool = false, available: @escaping (String) -> Int64? = FileSystem.availableBytes) {
        self.directory = directory
        self.path = directory + "/" + Self.fileName
        self.bytes = bytes
        self.available = available
        guard bytes > 0 else {
            unlink(path)
            return
        }
        if released {
            state = .released
            releasedFlag.store(true, ordering: .relaxed)  // an initializer's assignment runs no didSet
            return
        }
        if let failure = make() {
            Log.warn("no disk reserve: there was no room for it; free that much space (or lower HOOKROUTER_RESERVE_BYTES) and restart, or a disk the store's own events fill may need room made by hand before a shorter retention can purge",
                     ["path": path, "bytes": String(bytes), "error": failure])
        }
    }

    /// Deletes a reserve before the store is open, when the disk is too full to start (a router that
    /// crashed on a full disk could not write its pid file); false when there was none.
    static func releaseAtStart(directory: String) -> Bool {
        let path = directory + "/" + fileName
        guard unlink(path) == 0 else { return false }
        logReleased("so the router can start", path: path)
        return true
    }

    /// The line an operator greps for, whatever the reserve was released for.
    static func logReleased(_ purpose: String, path: String) {
        Log.warn("the disk is full: the disk reserve is released \(purpose); new events are answered 503 until the disk has room for the reserve twice over",
                 ["path": path])
    }

    /// Deletes the file so a purge can write; false when there was none to give.
    func release() -> Bool {
        guard state == .held else { return false }
        guard unlink(path) == 0 || errno == ENOENT else {
            Log.error("could not release the disk reserve", ["path": path, "error": String(cString: strerror(errno))])
            return false
        }
        state = .released
        return true
    }

    /// Makes the file again if it is missing and the disk has room for it and as much again (so new
    /// events do not fill the disk again at once). True when it is held afterwards.
    @discardableResult
    func remakeIfRoom() -> Bool {
        guard state != .held, bytes > 0 else { return state == .held }
        guard let free = available(directory), free >= 2 * bytes else { return false }
        let was = state
        if make() == nil, was == .released {
            Log.info("the disk has room again: the disk reserve is made anew and new events are accepted", ["path": path, "bytes": String(bytes)])
        }
        return state == .held
    }

    /// Allocates the file's blocks (not a sparse file: the space must really be taken). Nil on success,
    /// else why not, with no partial file left.
    private func make() -> String? {
        let fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return String(cString: strerror(errno)) }
        defer { close(fd) }
        let rc = posix_fallocate(fd, 0, off_t(bytes))
        guard rc == 0 else {
            unlink(path)
            return String(cString: strerror(rc))
        }
        // A smaller size than an earlier run's: give the rest back.
        var st = stat()
        if fstat(fd, &st) == 0, Int64(st.st_size) > bytes { _ = ftruncate(fd, off_t(bytes)) }
        state = .held
        return nil
    }
}
