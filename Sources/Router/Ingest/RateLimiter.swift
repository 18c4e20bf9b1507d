import Rules

/// Token buckets per (source, client address): `rate_limit: 60/min` allows bursts of 60 and refills
/// at one a second. Loop thread only. Buckets that are full again are forgotten, so memory stays bounded
/// by the clients that are actually busy.
final class RateLimiter {
    private struct Key: Hashable {
        let source: String
        let address: String
    }

    private struct Bucket {
        var tokens: Double
        var updated: Int64
    }

    private var buckets: [Key: Bucket] = [:]
    private var lastPrune: Int64 = 0
    static let maxBuckets = 100_000

    /// nil when the request may pass; otherwise the seconds until a token is back (for `Retry-After`).
    func check(source: String, address: String, rate: Rate, nowMilliseconds now: Int64) -> Int? {
        let capacity = Double(rate.count)
        let perMs = Double(rate.count) / Double(rate.perMilliseconds)
        let key = Key(source: source, address: address)
        var b = buckets[key] ?? Bucket(tokens: capacity, updated: now)
        b.tokens = min(capacity, b.tokens + Double(now - b.updated) * perMs)
        b.updated = now
        if b.tokens >= 1 {
            b.tokens -= 1
            buckets[key] = b
            prune(now: now, perMs: perMs)
            return nil
        }
        buckets[key] = b
        let wait = (1 - b.tokens) / perMs / 1000
        return max(1, Int(wait.rounded(.up)))
    }

    private func prune(now: Int64, perMs: Double) {
        guard buckets.count > Self.maxBuckets, now - lastPrune > 1000 else { return }
        lastPrune = now
        // A bucket untouched for a minute is (for any sane rate) full: dropping it changes nothing.
        buckets = buckets.filter { now - $0.value.updated < 60_000 }
    }
}
