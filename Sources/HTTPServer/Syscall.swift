import CLinux
#if canImport(Glibc)
import Glibc
#endif

/// The outcome of a non-blocking system call: EINTR is retried, EAGAIN is "would block".
enum IOResult: Equatable {
    case done(Int)
    case wouldBlock
    case failed(Int32)
}

enum Syscall {
    /// Runs `call` until it is not interrupted; maps -1 with EAGAIN to `.wouldBlock`.
    @inline(__always)
    static func io(_ call: () -> Int) -> IOResult {
        while true {
            let r = call()
            if r >= 0 { return .done(r) }
            let e = errno
            if e == EINTR { continue }
            if e == EAGAIN || e == EWOULDBLOCK { return .wouldBlock }
            return .failed(e)
        }
    }

    static func errorText(_ code: Int32) -> String {
        guard let s = strerror(code) else { return "errno \(code)" }
        return String(cString: s)
    }
}

/// Monotonic milliseconds, for deadlines only (never shown as a time of day).
public enum MonotonicClock {
    public static func milliseconds() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }
}
