import Testing
@testable import Router

/// The leases a router knows it holds: what needs no confirmation before an attempt, and what does.
struct PGLeaseBookTests {
    @Test func onlyLeasesEndingAfterTheHorizonAreSure() {
        let book = PGLeaseBook()
        book.grant([1, 2], until: 10_000)
        book.grant([3], until: 4_000)
        #expect(book.unsure([1, 2, 3, 4], horizon: 5_000) == [3, 4], "3 ends too soon; 4 was never granted")
        book.revoke([1])
        #expect(book.unsure([1, 2], horizon: 5_000) == [1], "a lost lease is confirmed again")
        book.prune(now: 5_000)
        #expect(book.unsure([2, 3], horizon: 0) == [3], "ended leases are forgotten; live ones kept")
    }
}
