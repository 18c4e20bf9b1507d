import Testing
@testable import Router
@testable import Rules

/// The engine sleeps until a lane could start its next delivery; a lane blocked by its own limits must
/// not ask to be woken "now" over and over (the delivery thread spun at 100% CPU behind a hanging target).
@Suite struct TargetLaneTests {
    func lane(dueAt due: Int64) -> TargetLane {
        let lane = TargetLane(name: "t", breaker: CircuitBreaker(threshold: 1, openMilliseconds: 5_000))
        lane.queue.push(QueuedDelivery(id: 1, eventSeq: 1, route: "r", target: "t", attempts: 0, dueMilliseconds: due, event: nil))
        return lane
    }

    @Test func emptyLaneNeedsNoWakeUp() {
        let lane = TargetLane(name: "t", breaker: CircuitBreaker())
        #expect(lane.wakeAt(concurrency: 8, rate: nil, now: 1_000) == nil)
    }

    @Test func dueDeliveryWithRoomWakesAtItsDueTime() {
        #expect(lane(dueAt: 900).wakeAt(concurrency: 8, rate: nil, now: 1_000) == 1_000)  // overdue: now
        #expect(lane(dueAt: 1_500).wakeAt(concurrency: 8, rate: nil, now: 1_000) == 1_500)
    }

    @Test func aThrottledLaneWakesWhenTheTargetAskedFor() {
        let l = lane(dueAt: 900)
        l.throttledUntil = 3_000
        #expect(l.wakeAt(concurrency: 8, rate: nil, now: 1_000) == 3_000)
        #expect(l.wakeAt(concurrency: 8, rate: nil, now: 3_000) == 3_000, "over: due now")
    }

    /// A 429 paces, it does not fail: its Retry-After (else a second, at most an hour) pauses the lane.
    @Test func a429IsAPauseNotAFailure() {
        let throttled = AttemptResult.answered(status: 429, retryAfterMilliseconds: 2_000)
        #expect(!throttled.isTargetFailure)
        #expect(throttled.throttleMilliseconds == 2_000)
        #expect(AttemptResult.answered(status: 429, retryAfterMilliseconds: nil).throttleMilliseconds == 1_000)
        #expect(AttemptResult.answered(status: 429, retryAfterMilliseconds: 86_400_000).throttleMilliseconds == AttemptResult.maxThrottleMilliseconds)
        #expect(AttemptResult.answered(status: 503, retryAfterMilliseconds: 2_000).throttleMilliseconds == nil)
        #expect(AttemptResult.answered(status: 503, retryAfterMilliseconds: 2_000).isTargetFailure)
        #expect(AttemptResult.failed("timeout").isTargetFailure)
    }

    @Test func laneAtItsConcurrencyLimitWaitsForACompletion() {
        let l = lane(dueAt: 900)
        l.inFlight = 8
        #expect(l.wakeAt(concurrency: 8, rate: nil, now: 1_000) == nil)
    }

    @Test func openCircuitWakesWhenItLetsAProbeThrough() {
        let l = lane(dueAt: 900)
        l.breaker.recordFailure(now: 1_000)
        #expect(l.wakeAt(concurrency: 8, rate: nil, now: 1_000) == 6_000)
        let probe = l.breaker.allowsRequest(now: 6_000)  // the probe goes out
        #expect(probe)
        #expect(l.wakeAt(concurrency: 8, rate: nil, now: 6_000) == nil)
    }

    @Test func rateLimitedLaneWakesAtTheNextToken() {
        let l = lane(dueAt: 900)
        let rate = Rate(count: 1, perMilliseconds: 1_000)
        #expect(l.takeToken(rate: rate, now: 1_000))
        #expect(!l.takeToken(rate: rate, now: 1_000))
        #expect(l.wakeAt(concurrency: 8, rate: rate, now: 1_000) == 2_000)
        #expect(l.wakeAt(concurrency: 8, rate: rate, now: 1_400) == 2_000)
    }

    /// The lane caches its target's index per table; a reload's new table is asked again, and the old
    /// one is not kept alive by an idle lane (it held a strong reference to it before).
    @Test func theCachedIndexFollowsReloadsAndKeepsNoTableAlive() throws {
        func table(_ targets: String) throws -> RouteTable {
            try compileTable("""
                sources:
                  s: { adapter: none, path: /in/s }
                targets:
                \(targets)
                routes:
                  - { name: r, from: s, to: [t] }
                """)
        }
        let lane = TargetLane(name: "t", breaker: CircuitBreaker())
        weak var old: RouteTable?
        try {
            let first = try table("  t: { url: \"http://127.0.0.1:9/a\" }")
            old = first
            #expect(lane.targetIndex(in: first) == 0)
        }()
        #expect(old == nil, "the lane keeps no reference to a table it resolved in")
        let second = try table("  a: { url: \"http://127.0.0.1:9/a\" }\n  t: { url: \"http://127.0.0.1:9/b\" }")
        #expect(lane.targetIndex(in: second) == 1)
        #expect(second.targets[1].name == "t")
    }
}
