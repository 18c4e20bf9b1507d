#if canImport(Glibc)
import Glibc
#endif

/// The process's open-file limit. Debian's default soft limit (1024) is below the server's default
/// connection limit (4096), so at start the soft limit is raised to the hard one, as nginx's
/// `worker_rlimit_nofile` and the Go runtime do; below that, accepting pauses instead of failing.
enum DescriptorLimit {
    /// Descriptors the process needs besides connections: the store's connections and WAL files,
    /// epoll, eventfds, signalfd, inotify, the admin listener, libcurl's sockets to targets.
    static let reserve = 256

    /// Raises the soft limit to the hard limit; returns the soft limit now in force.
    @discardableResult
    static func raise() -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 0 }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { limit = raised }
        }
        return Int(clamping: limit.rlim_cur)  // RLIM_INFINITY is UInt64.max: clamps to Int.max
    }
}
