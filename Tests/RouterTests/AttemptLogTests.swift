import Testing
@testable import Router
@testable import Rules

/// The engine hands finished attempts to the store's writer in batches: none is held longer than the
/// linger, a full batch goes at once, and a forced hand-over (shutdown) takes everything.
@Suite struct AttemptLogTests {
    func record(_ id: Int64) -> AttemptRecord {
        AttemptRecord(deliveryID: id, eventSeq: 1, route: "r", target: "t", createdMilliseconds: 0,
                      attempt: 1, startedAt: Timestamp(milliseconds: 0), durationMilliseconds: 1, statusCode: 200,
                      response: [], error: nil, newStatus: .delivered, nextAttemptAt: nil, logged: true, forgetAfterCommit: true)
    }

    @Test func holdsRecordsUntilTheOldestHasLingered() {
        var log = AttemptLog()
        #expect(log.deadline == nil)
        log.add(record(1), now: 100)
        log.add(record(2), now: 105)
        #expect(log.deadline == 100 + AttemptLog.lingerMilliseconds, "the oldest record sets the deadline")
        #expect(log.take(now: 100 + AttemptLog.lingerMilliseconds - 1).records.isEmpty)
        #expect(log.take(now: 100 + AttemptLog.lingerMilliseconds).records.map(\.deliveryID) == [1, 2], "in the order they finished")
        #expect(log.deadline == nil)
        #expect(log.take(now: 1_000).records.isEmpty)
    }

    @Test func aFullBatchGoesAtOnce() {
        var log = AttemptLog()
        for i in 0..<AttemptLog.batchLimit - 1 { log.add(record(Int64(i)), now: 0) }
        #expect(log.take(now: 0).records.isEmpty)
        log.add(record(999), now: 0)
        #expect(log.take(now: 0).records.count == AttemptLog.batchLimit)
    }

    @Test func forcedHandOverTakesEverything() {
        var log = AttemptLog()
        log.add(record(7), now: 50)
        #expect(log.take(now: 50, force: true).records.map(\.deliveryID) == [7])
        #expect(log.take(now: 50, force: true).records.isEmpty)
    }

    /// First-attempt successes write nothing but the settled state: its changes are handed over like
    /// records, once each.
    @Test func aSettledChangeLingersAndGoesOnce() {
        var log = AttemptLog()
        log.settled(version: 1, now: 100)
        #expect(log.deadline == 100 + AttemptLog.lingerMilliseconds)
        #expect(!log.take(now: 100).settledChanged, "it lingers like a record")
        let batch = log.take(now: 100 + AttemptLog.lingerMilliseconds)
        #expect(batch.settledChanged && batch.records.isEmpty)
        log.settled(version: 1, now: 200)
        #expect(log.deadline == nil, "no change, nothing to hand over")
        log.add(record(1), now: 300)
        log.settled(version: 2, now: 305)
        let both = log.take(now: 300 + AttemptLog.lingerMilliseconds)
        #expect(both.records.map(\.deliveryID) == [1] && both.settledChanged)
        #expect(!log.take(now: 1000, force: true).settledChanged)
    }
}

/// `Retry-After` is picked out of every answer's header lines by bytes, in any case; other lines are not.
@Suite struct RetryAfterHeaderTests {
    func value(_ line: String) -> String? {
        Array(line.utf8).withUnsafeBytes { Transfer.retryAfterValue($0) }
    }

    @Test func findsTheHeaderInAnyCase() {
        #expect(value("Retry-After: 2\r\n") == " 2\r\n")
        #expect(value("retry-after:120\r\n") == "120\r\n")
        #expect(value("RETRY-AFTER: 7\r\n").flatMap(RetryDecision.parseRetryAfter) == 7_000)
    }

    @Test func ignoresOtherLines() {
        #expect(value("Content-Type: text/plain\r\n") == nil)
        #expect(value("Retry-Afte: 2\r\n") == nil)
        #expect(value("Retry-After-Extra: 2\r\n") == nil)
        #expect(value("Retry\rAfter: 2\r\n") == nil, "a control byte is not a '-'")
        #expect(value("Retry-After") == nil)
        #expect(value("HTTP/1.1 503 Service Unavailable\r\n") == nil)
        #expect(value("\r\n") == nil)
    }
}
