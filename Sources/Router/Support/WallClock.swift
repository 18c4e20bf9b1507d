#if canImport(Glibc)
import Glibc
#endif
import Rules

/// The one place the CLI reads the real-time clock; everything below it takes the time as a parameter.
enum WallClock {
    static func now() -> Timestamp {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Timestamp(nanoseconds: Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec))
    }
}
