/// At most `lines` log lines per `window` milliseconds for one subject (a target's failed delivery
/// attempts): a target failing one request in ten at 20,000 events a second wrote 2,000 lines a second.
/// Past the budget, lines are counted, not written; the first line of a later window comes with how
/// many were held back (Vector limits its own logs the same way). Not thread-safe: one per subject
/// and thread.
struct LogBudget {
    let lines: Int
    let window: Int64
    private var windowStart = Int64.min
    private var used = 0
    private var held = 0

    init(lines: Int, windowMilliseconds: Int64) {
        self.lines = lines
        window = windowMilliseconds
    }

    /// Whether to write this line, and how many were held back before it (to be said first; 0 most often).
    mutating func take(now: Int64) -> (write: Bool, heldBefore: Int) {
        if windowStart == .min || now - windowStart >= window {
            windowStart = now
            used = 0
        }
        guard used < lines else {
            held += 1
            return (false, 0)
        }
        used += 1
        defer { held = 0 }
        return (true, held)
    }
}
