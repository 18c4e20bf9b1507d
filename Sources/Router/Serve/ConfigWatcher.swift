import CLinux
import Rules
#if canImport(Glibc)
import Glibc
#endif

/// Watches the config directory (not the files: editors save by writing a temp file and renaming it)
/// with inotify, and asks for a reload once changes have been quiet for `debounce`.
/// Runs on the server's loop thread: `readable()` when the fd has events, `tick()` every loop turn.
///
/// The directory itself may be replaced: moved away and made again, or a symlink to it re-pointed (a
/// deploy that swaps releases). A watch follows an inode, not a path, so the parent directory is
/// watched too for the config directory's name; then the path is watched again and reloaded.
final class ConfigWatcher {
    let fd: Int32
    private let directory: String
    private let name: String
    private var directoryWatch: Int32 = -1
    private var parentWatch: Int32 = -1
    private let debounceMilliseconds: Int64
    private let onChange: () -> Void
    private var dueAt: Int64?
    /// When the first unhandled change was seen: a file rewritten without pause still reloads once a second.
    private var firstChange: Int64?
    static let maxWaitMilliseconds: Int64 = 1000

    static let mask = UInt32(IN_CREATE | IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_DELETE_SELF | IN_MOVE_SELF)
    static let parentMask = UInt32(IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE)

    init?(directory: String, debounceMilliseconds: Int64 = 200, onChange: @escaping () -> Void) {
        fd = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        guard fd >= 0 else { return nil }
        var path = directory
        while path.count > 1, path.hasSuffix("/") { path.removeLast() }
        self.directory = path
        let slash = path.lastIndex(of: "/")
        name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        let parent = slash.map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
        self.debounceMilliseconds = debounceMilliseconds
        self.onChange = onChange
        directoryWatch = inotify_add_watch(fd, path, Self.mask)
        guard directoryWatch >= 0 else {
            close(fd)
            return nil
        }
        // Without it (a parent we may not read) the directory is still watched, only not a replacement of it.
        parentWatch = inotify_add_watch(fd, parent, Self.parentMask)
    }

    deinit { close(fd) }

    /// Reads the pending events; any that touches a route file (or a Kubernetes ConfigMap's `..data`
    /// swap), or replaces the directory, starts or extends the quiet period.
    func readable(now: Int64) {
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n <= 0 { return }
            var offset = 0
            while offset + 16 <= n {
                let (wd, mask, length) = buffer.withUnsafeBytes {
                    ($0.load(fromByteOffset: offset, as: Int32.self), $0.load(fromByteOffset: offset + 4, as: UInt32.self),
                     Int($0.load(fromByteOffset: offset + 12, as: UInt32.self)))
                }
                let nameBytes = buffer[(offset + 16)..<min(offset + 16 + length, n)].prefix { $0 != 0 }
                let entry = String(decoding: nameBytes, as: UTF8.self)
                if wd == parentWatch, wd != directoryWatch {
                    if entry == name { watchAgain(now: now) }
                } else if wd == directoryWatch, mask & UInt32(IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED) != 0 {
                    watchAgain(now: now)
                } else if wd == directoryWatch, ConfigFile.isRouteFile(entry) || entry.hasPrefix("..data") {
                    changed(now: now)
                }
                offset += 16 + length
            }
        }
    }

    func tick(now: Int64) {
        guard let due = dueAt, now >= due else { return }
        dueAt = nil
        firstChange = nil
        onChange()
    }

    /// The directory at the path is another one now, or none yet: watch whatever is there (once one is
    /// made, the parent's watch says so) and reload from it.
    private func watchAgain(now: Int64) {
        let watch = inotify_add_watch(fd, directory, Self.mask)
        if watch != directoryWatch {
            if directoryWatch >= 0 { inotify_rm_watch(fd, directoryWatch) }
            directoryWatch = watch
        }
        changed(now: now)
    }

    private func changed(now: Int64) {
        if firstChange == nil { firstChange = now }
        dueAt = min(now + debounceMilliseconds, firstChange! + Self.maxWaitMilliseconds)
    }
}
