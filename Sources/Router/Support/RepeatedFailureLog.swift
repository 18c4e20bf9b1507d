import HTTPServer

/// Logging for a failure that repeats as long as its cause lasts: a full disk fails every write batch,
/// hundreds a second, and a line per batch would bury the log (and fill a disk of its own). The first
/// failure is logged at once, then at most one line per `interval` with what was held back since; the
/// recovery once, at the first success a `settle` after the last failure (a nearly full disk lets
/// small batches through between failures: that is not a recovery). Not thread-safe: one per thread.
struct RepeatedFailureLog {
    /// What a line covers: failures (and their weight, e.g. requests answered 503) since the last line.
    struct Held: Equatable {
        var failures = 0
        var weight = 0
        /// The first line of this run of failures (later ones say "still").
        var first = false
    }

    let interval: Int64
    let settle: Int64
    private var failing = false
    private var lastLine: Int64 = 0
    private var lastFailure: Int64 = 0
    private var held = Held()
    private var total = Held()

    init(intervalMilliseconds: Int64, settleMilliseconds: Int64 = 1_000) {
        interval = intervalMilliseconds
        settle = settleMilliseconds
    }

    /// Counts a failure; returns what the line to log now covers, or nil when it is held back.
    mutating func failed(weight: Int = 0, now: Int64 = MonotonicClock.milliseconds()) -> Held? {
        held.failures += 1
        held.weight += weight
        total.failures += 1
        total.weight += weight
        lastFailure = now
        guard !failing || now - lastLine >= interval else { return nil }
        held.first = !failing
        failing = true
        lastLine = now
        defer { held = Held() }
        return held
    }

    /// The recovery: all the failures of the run, at the first success `settle` after the last one; nil otherwise.
    mutating func succeeded(now: Int64 = MonotonicClock.milliseconds()) -> Held? {
        guard failing, now - lastFailure >= settle else { return nil }
        defer {
            failing = false
            held = Held()
            total = Held()
        }
        return total
    }
}
