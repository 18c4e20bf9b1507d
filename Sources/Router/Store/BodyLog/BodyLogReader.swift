#if canImport(Glibc)
import Glibc
#endif

/// Reads records of the body log by the position their event row holds, for the delivery engine, the
/// admin API and stream replays. Holds no descriptor between calls (one kept open would hold a segment
/// retention removed on the disk); a batch of reads shares its segments' through `OpenSegments`.
final class BodyLogReader: @unchecked Sendable {
    enum ReadError: Error, CustomStringConvertible {
        /// The segment is gone (retention removed it with the event's row).
        case missing
        case damaged(String)

        var description: String {
            switch self {
            case .missing: return "the event's body is no longer in the store (purged by retention?)"
            case .damaged(let path): return "the event's record in \(path) is damaged (checksum or length does not match); restore the data directory from a backup"
            }
        }
    }

    let directory: String

    /// The reader of the log beside the database at `databasePath`.
    convenience init(databasePath: String) {
        self.init(directory: FileSystem.directory(of: databasePath) + "/" + BodyLog.directoryName)
    }

    init(directory: String) {
        self.directory = directory
    }

    /// The record at `offset`, reading through `segments` when given (else opening the file for this read).
    func read(segment: Int64, offset: Int64, length: Int, in segments: OpenSegments? = nil) throws(ReadError) -> LogRecord {
        var bytes = [UInt8](repeating: 0, count: length)
        let path = BodyLog.path(directory: directory, segment: segment)
        let once = segments ?? OpenSegments()
        guard let fd = once.descriptor(segment, path: path) else { throw .missing }
        let got = bytes.withUnsafeMutableBytes { Self.readFully(fd, $0, at: offset) }
        guard got == length, let record = bytes.withUnsafeBytes({ LogRecord.decode($0) }) else { throw .damaged(path) }
        return record
    }

    /// Calls `each` with every whole record from `start` on, through the later segments, in order, with
    /// its position and length; returns the position after the last one. The scan stops at the first
    /// record that is torn or damaged (a write a crash cut short) or when `each` returns false.
    static func scan(directory: String, from start: LogPosition, segments: [Int64],
                     _ each: (LogRecord, LogPosition, Int) throws -> Bool) rethrows -> LogPosition {
        var end = start
        for segment in segments where segment >= start.segment {
            let path = BodyLog.path(directory: directory, segment: segment)
            let offset = segment == start.segment ? start.offset : 0
            if segment != start.segment {
                // A later segment is used only once the one before ended whole.
                end = LogPosition(segment: segment, offset: 0)
            }
            let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { return end }
            defer { close(fd) }
            var st = stat()
            guard fstat(fd, &st) == 0, Int64(st.st_size) >= offset else { return end }
            var bytes = [UInt8](repeating: 0, count: Int(Int64(st.st_size) - offset))
            guard bytes.withUnsafeMutableBytes({ readFully(fd, $0, at: offset) }) == bytes.count else { return end }
            var at = 0
            let whole: Bool = try bytes.withUnsafeBytes { all in
                while at < all.count {
                    let rest = UnsafeRawBufferPointer(rebasing: all[at...])
                    guard let n = LogRecord.length(header: rest), n <= rest.count,
                          let record = LogRecord.decode(UnsafeRawBufferPointer(rebasing: rest[..<n])) else { return false }
                    guard try each(record, LogPosition(segment: segment, offset: offset + Int64(at)), n) else { return false }
                    at += n
                    end = LogPosition(segment: segment, offset: offset + Int64(at))
                }
                return true
            }
            if !whole { return end }
        }
        return end
    }

    private static func readFully(_ fd: Int32, _ buf: UnsafeMutableRawBufferPointer, at offset: Int64) -> Int {
        var done = 0
        while done < buf.count {
            let n = pread(fd, buf.baseAddress! + done, buf.count - done, off_t(offset) + off_t(done))
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            done += n
        }
        return done
    }
}

/// The segments one batch of reads opened (a page of due deliveries, of a stream replay), closed when
/// the batch lets go of it. Used by one thread.
final class OpenSegments {
    private var open: [Int64: Int32] = [:]

    deinit { for fd in open.values { close(fd) } }

    func descriptor(_ segment: Int64, path: String) -> Int32? {
        if let fd = open[segment] { return fd }
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        open[segment] = fd
        return fd
    }
}
