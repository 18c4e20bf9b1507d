import Testing
@testable import Router

/// A failure that repeats: the first line at once, then one per interval with what was held back,
/// the recovery once with the whole count, and not while successes and failures alternate.
struct RepeatedFailureLogTests {
    @Test func theFirstIsLoggedThenOneLinePerIntervalThenTheRecovery() {
        var log = RepeatedFailureLog(intervalMilliseconds: 10_000, settleMilliseconds: 1_000)
        #expect(log.succeeded(now: 0) == nil, "no recovery line without failures")

        #expect(log.failed(weight: 3, now: 1_000) == .init(failures: 1, weight: 3, first: true))
        for t in stride(from: Int64(1_100), to: 11_000, by: 100) {
            #expect(log.failed(weight: 2, now: t) == nil, "held back at \(t)")
            // A small batch that got through between failures is not a recovery.
            #expect(log.succeeded(now: t + 50) == nil, "a recovery at \(t + 50)")
        }
        // 99 held back, and this one: the line covers them.
        #expect(log.failed(weight: 2, now: 11_000) == .init(failures: 100, weight: 200, first: false))
        #expect(log.failed(weight: 1, now: 11_500) == nil)

        #expect(log.succeeded(now: 12_499) == nil)
        #expect(log.succeeded(now: 12_500) == .init(failures: 102, weight: 204, first: false))
        #expect(log.succeeded(now: 13_000) == nil, "the recovery is said once")

        // A new run of failures starts with a first line again, counted afresh.
        #expect(log.failed(weight: 5, now: 14_000) == .init(failures: 1, weight: 5, first: true))
        #expect(log.succeeded(now: 15_000) == .init(failures: 1, weight: 5, first: false))
    }
}

/// A budget of lines per window: the first `lines` written, the rest counted and told with the first
/// line of a later window.
struct LogBudgetTests {
    @Test func tenLinesAWindowThenTheCountOfTheRestWithTheNextLine() {
        var budget = LogBudget(lines: 10, windowMilliseconds: 10_000)
        for t in 0..<10 { #expect(budget.take(now: Int64(t)) == (true, 0)) }
        for t in 10..<50 { #expect(budget.take(now: Int64(t)).write == false) }
        #expect(budget.take(now: 9_999).write == false)
        // A new window: written, with the 41 held back before it said once.
        #expect(budget.take(now: 10_000) == (true, 41))
        #expect(budget.take(now: 10_001) == (true, 0))
    }
}
