#if canImport(Glibc)
import Glibc
#endif
import Rules

/// The few file operations the CLI and the server need, without Foundation.
enum FileSystem {
    /// The whole file, or nil when it cannot be read.
    static func read(_ path: String) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                return nil
            }
            if n == 0 { return out }
            out += chunk[0..<n]
        }
    }

    /// Replaces a file's contents (write to a temp file, then rename, so readers never see half).
    static func write(_ path: String, _ bytes: [UInt8]) -> Bool {
        let temp = path + ".tmp"
        let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return false }
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                let failure = errno  // the caller's message says why (a full disk, most often)
                close(fd)
                unlink(temp)
                errno = failure
                return false
            }
            offset += n
        }
        close(fd)
        return rename(temp, path) == 0
    }

    /// Replaces a file durably: a hidden temp file in the same directory (never read as a route file),
    /// written and fsynced, renamed over the file, then the directory fsynced, so after a crash the
    /// file is the old one or the new one, whole.
    static func writeDurably(_ path: String, _ bytes: [UInt8], mode: mode_t) -> Bool {
        let slash = path.lastIndex(of: "/")
        let directory = self.directory(of: path)
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        let temp = directory + "/." + name + "." + String(getpid()) + ".tmp"
        let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard fd >= 0 else { return false }
        var offset = 0
        var ok = true
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                ok = false
                break
            }
            offset += n
        }
        if ok { ok = fsync(fd) == 0 }
        fchmod(fd, mode)
        close(fd)
        guard ok, rename(temp, path) == 0 else {
            unlink(temp)
            return false
        }
        _ = syncDirectory(directory)
        return true
    }

    /// Flushes a directory, so the names created or removed in it survive a power cut: 0, or the errno
    /// of the call that failed.
    static func syncDirectory(_ path: String) -> Int32 {
        let dir = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard dir >= 0 else { return errno }
        defer { close(dir) }
        return fsync(dir) == 0 ? 0 : errno
    }

    /// The directory a path names a file in (`.` for a bare name, `/` for one at the root).
    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// The absolute, resolved form of an existing path (the path itself when it cannot be resolved).
    static func absolute(_ path: String) -> String {
        guard let resolved = realpath(path, nil) else { return path }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    static func exists(_ path: String) -> Bool {
        var st = stat()
        return lstat(path, &st) == 0
    }

    /// Names in a directory (not `.`/`..`), or nil when it cannot be listed.
    static func list(_ directory: String) -> [String]? {
        guard let dir = opendir(directory) else { return nil }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != ".", name != ".." { names.append(name) }
        }
        return names
    }

    static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    static func isRegularFile(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG
    }

    /// Bytes an unprivileged writer can still use on the file system holding `path` (nil if unknown).
    static func availableBytes(_ path: String) -> Int64? {
        var fs = statvfs()
        guard statvfs(path, &fs) == 0 else { return nil }
        return Int64(fs.f_bavail) * Int64(fs.f_frsize)
    }

    /// Where a symbolic link that leads nowhere points (its target is missing, or the links loop);
    /// nil for anything else.
    static func danglingLinkTarget(_ path: String) -> String? {
        var st = stat()
        guard lstat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFLNK, stat(path, &st) != 0 else { return nil }
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlink(path, &buffer, buffer.count - 1)
        return n < 0 ? "?" : String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The process environment as a dictionary.
    static func environment() -> [String: String] {
        var out: [String: String] = [:]
        var p = environ
        while let entry = p.pointee {
            let s = String(cString: entry)
            if let eq = s.firstIndex(of: "=") {
                out[String(s[..<eq])] = String(s[s.index(after: eq)...])
            }
            p += 1
        }
        return out
    }
}
