import CLinux
import Rules
#if canImport(Glibc)
import Glibc
#endif

/// Watches the config directory (not the files: editors save by writing a temp file and renaming it)
/// with inotify, and asks for a reload once changes have been quiet for `debounce`.
/// Runs on the server's loop thread: `readable()` when the fd has events, `tick()` every loop turn.
final class ConfigWatcher {
    let fd: Int32
    private let debounceMilliseconds: Int64
    private let onChange: () -> Void
    private var dueAt: Int64?
    /// When the first unhandled change was seen: a file rewritten without pause still reloads once a second.
    private var firstChange: Int64?
    static let maxWaitMilliseconds: Int64 = 1000

    static let mask = UInt32(IN_CREATE | IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE)

    init?(directory: String, debounceMilliseconds: Int64 = 200, onChange: @escaping () -> Void) {
        fd = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        guard fd >= 0 else { return nil }
        guard inotify_add_watch(fd, directory, Self.mask) >= 0 else {
            close(fd)
            return nil
        }
        self.debounceMilliseconds = debounceMilliseconds
        self.onChange = onChange
    }

    deinit { close(fd) }

    /// Reads the pending events; any that touches a route file (or a Kubernetes ConfigMap's `..data`
    /// swap) starts or extends the quiet period.
    func readable(now: Int64) {
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n <= 0 { return }
            var offset = 0
            while offset + 16 <= n {
                let length = buffer.withUnsafeBytes { Int($0.load(fromByteOffset: offset + 12, as: UInt32.self)) }
                let nameBytes = buffer[(offset + 16)..<min(offset + 16 + length, n)].prefix { $0 != 0 }
                let name = String(decoding: nameBytes, as: UTF8.self)
                if ConfigFile.isRouteFile(name) || name.hasPrefix("..data") {
                    if firstChange == nil { firstChange = now }
                    dueAt = min(now + debounceMilliseconds, firstChange! + Self.maxWaitMilliseconds)
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
}
