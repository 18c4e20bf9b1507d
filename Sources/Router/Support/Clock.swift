import Rules
#if canImport(Glibc)
import Glibc
#endif

/// The wall clock, read in one place (Rules and Adapters take the time as a parameter).
enum WallClock {
    static func now() -> Timestamp {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Timestamp(nanoseconds: Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec))
    }
}
