import Testing
@testable import Router

/// The settled cursor stops before the oldest event with a delivery still unsettled, whatever order
/// the deliveries settle in.
struct SettleTrackerTests {
    @Test func theCursorWaitsForTheOldestUnsettledEvent() {
        var t = SettleTracker()
        #expect(t.cursor == 0)
        t.add(seq: 3)
        t.add(seq: 3)
        t.add(seq: 4)
        t.add(seq: 7)
        #expect(t.cursor == 2 && t.count == 4)
        t.settle(seq: 4)
        #expect(t.cursor == 2, "3 still has two")
        t.settle(seq: 3)
        #expect(t.cursor == 2)
        t.settle(seq: 3)
        #expect(t.cursor == 6, "3 and 4 done, 7 is not")
        t.settle(seq: 7)
        #expect(t.cursor == 7 && t.count == 0)
        t.settle(seq: 7)
        #expect(t.cursor == 7 && t.count == 0, "settling twice changes nothing")
    }

    @Test func manyEventsSettledOutOfOrder() {
        var t = SettleTracker()
        var open = Set<Int64>()
        for seq in Int64(1)...5000 {
            t.add(seq: seq)
            open.insert(seq)
            if seq % 7 == 0, let some = open.randomElement() {
                t.settle(seq: some)
                open.remove(some)
            }
            #expect(t.cursor == (open.min().map { $0 - 1 } ?? seq))
        }
        for seq in open.sorted(by: >) { t.settle(seq: seq) }
        #expect(t.cursor == 5000 && t.count == 0)
    }

    /// Deliveries made above the cursor are listed until the cursor passes them, at most the cap.
    @Test func deliveriesMadeAboveTheCursorAreListed() {
        var t = SettleTracker()
        t.add(seq: 1)
        t.add(seq: 2)
        t.add(seq: 3)
        let v0 = t.version
        t.delivered(seq: 3, id: 300_000)
        #expect(t.state == SettledState(through: 0, deliveredAbove: [300_000]))
        #expect(t.version != v0)
        t.delivered(seq: 1, id: 100_000)
        #expect(t.state == SettledState(through: 1, deliveredAbove: [300_000]), "seq 1 settled: the cursor moves, not the list")
        t.settle(seq: 2)
        #expect(t.state == SettledState(through: 3, deliveredAbove: []), "passed by the cursor: dropped")
        for seq in Int64(10)...Int64(10 + SettleTracker.deliveredAboveCap + 10) { t.add(seq: seq) }
        for seq in Int64(11)...Int64(11 + SettleTracker.deliveredAboveCap + 9) { t.delivered(seq: seq, id: seq * 100_000) }
        #expect(t.state.deliveredAbove.count == SettleTracker.deliveredAboveCap, "bounded")
        #expect(t.state.through == 9)
    }
}
