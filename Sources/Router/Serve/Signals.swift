import CLinux
#if canImport(Glibc)
import Glibc
#endif

/// SIGTERM, SIGINT and SIGHUP as readable events on a signalfd, so the loop handles them like I/O.
/// Must be set up before any thread starts: the mask is inherited, and an unblocked thread would
/// take the default action (exit) instead.
enum Signals {
    static let watched: [Int32] = [SIGTERM, SIGINT, SIGHUP]

    /// Blocks the watched signals in this thread (and threads started later) and returns a signalfd.
    static func block() -> Int32 {
        signal(SIGPIPE, SIG_IGN)
        var mask = sigset_t()
        sigemptyset(&mask)
        for s in watched { sigaddset(&mask, s) }
        pthread_sigmask(SIG_BLOCK, &mask, nil)
        return signalfd(-1, &mask, Int32(SFD_NONBLOCK) | Int32(SFD_CLOEXEC))
    }

    /// Signals waiting on the fd, in arrival order.
    static func read(_ fd: Int32) -> [Int32] {
        var out: [Int32] = []
        var info = signalfd_siginfo()
        let size = MemoryLayout<signalfd_siginfo>.size
        while withUnsafeMutableBytes(of: &info, { Glibc.read(fd, $0.baseAddress, size) }) == size {
            out.append(Int32(bitPattern: info.ssi_signo))
        }
        return out
    }
}
