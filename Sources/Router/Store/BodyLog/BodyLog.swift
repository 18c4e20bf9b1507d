import CLinux
#if canImport(Glibc)
import Glibc
#endif

/// A place in the body log: a segment and a byte offset in it.
struct LogPosition: Equatable, Comparable {
    var segment: Int64
    var offset: Int64

    static func < (a: LogPosition, b: LogPosition) -> Bool { (a.segment, a.offset) < (b.segment, b.offset) }
}

/// A failed call on the body log's files, with the file and the system's reason.
struct BodyLogError: Error, CustomStringConvertible {
    let operation: String
    let path: String
    let code: Int32

    var description: String { "\(operation) \(path) failed: \(String(cString: strerror(code)))" }
}

/// The append-only files bodies are written to (`DATA/bodies/NNNNNNNN.log`), one `pwrite` and one
/// `fdatasync` per batch: each body byte reaches the disk once, where SQLite's pages wrote it four to
/// five times (docs/store-next.md). SQLite keeps each event's row and the record's position; the log is
/// flushed before that row is committed, so a commit SQLite loses (it runs with `synchronous=NORMAL`)
/// is rebuilt from the log at start (`LogRecovery`).
///
/// Used by the store's writer thread only. Readers open the files themselves (`BodyLogReader`).
final class BodyLog {
    static let directoryName = "bodies"
    /// A segment is closed once a batch would take it past this; retention removes whole segments.
    static let defaultSegmentBytes: Int64 = 64 << 20

    /// The segment size `serve` uses: `HOOKROUTER_SEGMENT_BYTES` when it holds a size of at least 64 KiB
    /// (the power-loss suite's way to make retention empty segments in seconds), else the default.
    static func segmentBytes(_ environment: [String: String]) -> Int64 {
        guard let text = environment["HOOKROUTER_SEGMENT_BYTES"], let n = Int64(text), n >= 64 << 10 else { return defaultSegmentBytes }
        return n
    }

    let directory: String
    let segmentBytes: Int64
    private var fd: Int32 = -1
    /// Where the next batch goes.
    private(set) var end = LogPosition(segment: 1, offset: 0)

    init(directory: String, segmentBytes: Int64 = defaultSegmentBytes) throws(BodyLogError) {
        self.directory = directory
        self.segmentBytes = segmentBytes
        if mkdir(directory, 0o700) == 0 {
            try Self.syncDirectory(FileSystem.directory(of: directory))
        } else if errno != EEXIST {
            throw BodyLogError(operation: "creating", path: directory, code: errno)
        }
    }

    deinit { if fd >= 0 { close(fd) } }

    static func path(directory: String, segment: Int64) -> String {
        let digits = String(segment)
        return directory + "/" + String(repeating: "0", count: max(0, 8 - digits.count)) + digits + ".log"
    }

    /// The segment numbers present, in order.
    func segments() -> [Int64] {
        (FileSystem.list(directory) ?? []).compactMap { name in
            guard name.hasSuffix(".log"), let n = Int64(name.dropLast(4)), n > 0 else { return nil }
            return n
        }.sorted()
    }

    /// Makes `position` the end: later bytes of its segment and every later segment are removed (a torn
    /// or unindexed tail found at start, or a batch that did not commit).
    func truncate(to position: LogPosition) throws(BodyLogError) {
        for s in segments() where s > position.segment {
            let p = Self.path(directory: directory, segment: s)
            if unlink(p) != 0 && errno != ENOENT { throw BodyLogError(operation: "removing", path: p, code: errno) }
        }
        try open(segment: position.segment)
        if ftruncate(fd, off_t(position.offset)) != 0 {
            throw BodyLogError(operation: "truncating", path: Self.path(directory: directory, segment: position.segment), code: errno)
        }
        end = position
    }

    /// Appends `bytes` (whole records) and starts writing them to the disk; returns where they start.
    /// They are durable only after `flush`. A batch that would take a non-empty segment past
    /// `segmentBytes` starts the next segment. If the write fails nothing of the batch is left in the log
    /// (or, if even the cut fails, the next batch overwrites it).
    func append(_ bytes: [UInt8]) throws(BodyLogError) -> LogPosition {
        if fd < 0 || (end.offset > 0 && end.offset + Int64(bytes.count) > segmentBytes) {
            let next = fd < 0 ? end : LogPosition(segment: end.segment + 1, offset: 0)
            try open(segment: next.segment)
            end = next
        }
        let start = end
        do throws(BodyLogError) {
            try write(bytes, at: start.offset)
        } catch {
            _ = ftruncate(fd, off_t(start.offset))
            throw error
        }
        // The disk starts on the batch while the writer builds its rows, so `flush` waits for less. A
        // failure here is no failure: `flush` writes whatever this did not.
        _ = sync_file_range(fd, start.offset, Int64(bytes.count), UInt32(HR_SYNC_FILE_RANGE_WRITE))
        end.offset += Int64(bytes.count)
        return start
    }

    /// Makes every append so far durable (`fdatasync`). On failure the caller cuts what it appended.
    func flush() throws(BodyLogError) {
        if fdatasync(fd) != 0 { throw BodyLogError(operation: "flushing", path: currentPath, code: errno) }
    }

    /// Removes segments retention has emptied. Their rows' removal must be durable first.
    func remove(segments: [Int64]) {
        for s in segments where s < end.segment {
            let p = Self.path(directory: directory, segment: s)
            if unlink(p) != 0 && errno != ENOENT {
                Log.error("could not remove an emptied body log segment; it is tried again after a restart",
                          ["path": p, "error": String(cString: strerror(errno))])
            }
        }
    }

    private var currentPath: String { Self.path(directory: directory, segment: end.segment) }

    private func open(segment: Int64) throws(BodyLogError) {
        let p = Self.path(directory: directory, segment: segment)
        let existed = access(p, F_OK) == 0
        let f = Glibc.open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard f >= 0 else { throw BodyLogError(operation: "opening", path: p, code: errno) }
        if !existed {
            // The new file's name must survive a power cut as surely as the records written into it.
            do throws(BodyLogError) {
                try Self.syncDirectory(directory)
            } catch {
                close(f)
                throw error
            }
        }
        if fd >= 0 { close(fd) }
        fd = f
    }

    private func write(_ bytes: [UInt8], at offset: Int64) throws(BodyLogError) {
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress! + done, $0.count - done, off_t(offset) + off_t(done)) }
            if n < 0 {
                if errno == EINTR { continue }
                throw BodyLogError(operation: "writing", path: currentPath, code: errno)
            }
            done += n
        }
    }

    static func syncDirectory(_ path: String) throws(BodyLogError) {
        let code = FileSystem.syncDirectory(path)
        if code != 0 { throw BodyLogError(operation: "flushing", path: path, code: code) }
    }
}
