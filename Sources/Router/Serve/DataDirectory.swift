#if canImport(Glibc)
import Glibc
#endif

/// The private data directory: created 0700, files in it 0600 (umask), with the pid file that
/// `hookrouter reload` reads.
struct DataDirectory {
    let path: String
    var pidFile: String { path + "/hookrouter.pid" }
    /// The disk was full at start: the disk reserve was deleted to write the pid file (the store keeps
    /// new events out until it is made again, see `DiskReserve`).
    var reserveReleased = false

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Creates the directory if needed and claims it with a pid file.
    static func prepare(_ path: String) throws(Failure) -> DataDirectory {
        umask(0o077)  // the database, its WAL and the pid file are the router user's alone
        if !FileSystem.isDirectory(path) {
            guard mkdir(path, 0o700) == 0 || errno == EEXIST else {
                throw Failure(description: "cannot create data directory '\(path)': \(String(cString: strerror(errno))); create its parent or pass another --data")
            }
        }
        var dir = DataDirectory(path: path)
        if let text = FileSystem.read(dir.pidFile).map({ String(decoding: $0, as: UTF8.self) }),
           let pid = Int32(text.filter { !$0.isWhitespace }), pid != getpid(), kill(pid, 0) == 0 {
            throw Failure(description: "another hookrouter (pid \(pid)) is running with data directory '\(path)'; stop it or pass another --data")
        }
        let pid = Array("\(getpid())\n".utf8)
        var written = FileSystem.write(dir.pidFile, pid)
        var why = errno
        // A router that crashed on a full disk must still come back: the reserve is ours to give.
        if !written, why == ENOSPC, DiskReserve.releaseAtStart(directory: path) {
            dir.reserveReleased = true
            written = FileSystem.write(dir.pidFile, pid)
            why = errno
        }
        guard written else {
            let fix = why == ENOSPC ? "the disk is full: free space on it" : "check the directory's permissions"
            throw Failure(description: "cannot write '\(dir.pidFile)': \(String(cString: strerror(why))); \(fix)")
        }
        return dir
    }

    func release() { unlink(pidFile) }

    /// The pid of the server that holds this directory, if it is running.
    func runningPID() -> Int32? {
        guard let bytes = FileSystem.read(pidFile), let pid = Int32(String(decoding: bytes, as: UTF8.self).filter { !$0.isWhitespace }),
              kill(pid, 0) == 0 else { return nil }
        return pid
    }
}
