#if canImport(Glibc)
import Glibc
#endif

/// The private data directory: created 0700, files in it 0600 (umask), with the pid file that
/// `hookrouter reload` reads.
struct DataDirectory {
    let path: String
    var pidFile: String { path + "/hookrouter.pid" }

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
        let dir = DataDirectory(path: path)
        if let text = FileSystem.read(dir.pidFile).map({ String(decoding: $0, as: UTF8.self) }),
           let pid = Int32(text.filter { !$0.isWhitespace }), pid != getpid(), kill(pid, 0) == 0 {
            throw Failure(description: "another hookrouter (pid \(pid)) is running with data directory '\(path)'; stop it or pass another --data")
        }
        guard FileSystem.write(dir.pidFile, Array("\(getpid())\n".utf8)) else {
            throw Failure(description: "cannot write '\(dir.pidFile)': \(String(cString: strerror(errno))); check the directory's permissions")
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
