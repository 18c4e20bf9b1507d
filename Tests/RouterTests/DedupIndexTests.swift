import Testing
@testable import Router

/// The in-memory fingerprint table: probing, removal without tombstones, expiry by generation.
struct DedupIndexTests {
    @Test func findsEverySeqStoredUnderAFingerprint() {
        var g = DedupIndex.Generation(startedAt: 0, capacity: 4)
        // Same home slot (low bits equal): one probe run.
        for (i, f) in [UInt64(16), 32, 48, 16].enumerated() { g.insert(f, seq: Int64(i)) }
        var out: [Int64] = []
        g.candidates(16, into: &out)
        #expect(out.sorted() == [0, 3])
        out.removeAll()
        g.candidates(64, into: &out)
        #expect(out.isEmpty)
    }

    /// Random inserts and removals against a reference multimap, across growth: a removal that left
    /// a hole in a probe run would make a later key unfindable.
    @Test func removalKeepsEveryOtherKeyFindable() {
        var g = DedupIndex.Generation(startedAt: 0, capacity: 8)
        var reference: [UInt64: Set<Int64>] = [:]
        var rng = SystemRandomNumberGenerator()
        var live: [(UInt64, Int64)] = []
        for seq in Int64(1)...5000 {
            // Few distinct low bits, so runs are long and wrap around the table's end.
            let f = UInt64.random(in: 1...64, using: &rng) << 40 | UInt64.random(in: 1...7, using: &rng)
            g.insert(f, seq: seq)
            reference[f, default: []].insert(seq)
            live.append((f, seq))
            if seq % 3 == 0, let victim = live.indices.randomElement(using: &rng) {
                let (vf, vs) = live.remove(at: victim)
                let removed = g.remove(vf, seq: vs)
                #expect(removed)
                reference[vf]?.remove(vs)
            }
        }
        #expect(g.count == live.count)
        for (f, seqs) in reference {
            var out: [Int64] = []
            g.candidates(f, into: &out)
            #expect(Set(out) == seqs && out.count == seqs.count)
        }
        let absent = g.remove(UInt64(99) << 40, seq: 1)
        #expect(!absent)
    }

    /// A full table is copied into one twice its size a few slots per insert; meanwhile every key is
    /// found exactly once, in whichever table it is.
    @Test func everyKeyIsFoundOnceWhileATableDoubles() {
        var g = DedupIndex.Generation(startedAt: 0, capacity: 8)
        var keys: [(UInt64, Int64)] = []
        var rng = SystemRandomNumberGenerator()
        var sawMigration = false
        for seq in Int64(1)...20_000 {
            let f = UInt64.random(in: 1...UInt64.max, using: &rng)
            let before = g.slots
            g.insert(f, seq: seq)
            keys.append((f, seq))
            if g.slots > before * 2 - 1, before > 1024 { sawMigration = true }  // old and new tables both held
            if seq % 97 == 0 {
                for (kf, ks) in keys.suffix(300) {
                    var out: [Int64] = []
                    g.candidates(kf, into: &out)
                    #expect(out == [ks])
                }
            }
        }
        #expect(sawMigration)
        #expect(g.count == keys.count)
        for (f, seq) in keys {
            var out: [Int64] = []
            g.candidates(f, into: &out)
            #expect(out == [seq])
        }
    }

    @Test func aKeyLastsAtLeastTheWindowAndGoesWithinAQuarterMore() {
        let window: Int64 = 1000
        var index = DedupIndex()
        let early = DedupIndex.fingerprint(source: "s", eventID: "early")
        let later = DedupIndex.fingerprint(source: "s", eventID: "later")
        index.insert(early, seq: 1, storedAt: 0, window: window)
        index.insert(later, seq: 2, storedAt: 600, window: window)
        // A generation per quarter of the window; the second starts at the quarter boundary (500), so
        // the first may hold keys up to 499 and goes a window after that.
        #expect(index.generations.map(\.startedAt) == [0, 500])
        index.expire(now: 1499, window: window)
        #expect(index.candidates(early) == [1])
        index.expire(now: 1500, window: window)
        #expect(index.candidates(early).isEmpty)
        #expect(index.candidates(later) == [2])
        index.expire(now: 1599, window: window)
        #expect(index.candidates(later) == [2])
        index.expire(now: 1750, window: window)
        #expect(index.candidates(later).isEmpty)
        #expect(index.count == 0)
    }

    @Test func fingerprintsTellSourcesAndIdsApart() {
        let a = DedupIndex.fingerprint(source: "shopify", eventID: "abc")
        #expect(a == DedupIndex.fingerprint(source: "shopify", eventID: "abc"))
        #expect(a != DedupIndex.fingerprint(source: "shopif", eventID: "yabc"))
        #expect(a != DedupIndex.fingerprint(source: "other", eventID: "abc"))
        #expect(a != 0)
    }

    /// The start reads keys as bytes, ingest as strings: both must give the same fingerprint.
    @Test func bytesAndStringsGiveTheSameFingerprint() {
        for (source, id) in [("shopify", "0b1f6d3e-9c4a-4c1e-8f5e-2d7f1a9b3c44"), ("fiscal", "nfe-35261145678901000175"), ("s", ""),
                             ("odoo", "ação-Ω-😀")] {
            let bytes = Array(source.utf8).withUnsafeBytes { s in
                Array(id.utf8).withUnsafeBytes { DedupIndex.fingerprint(source: s, eventID: $0) }
            }
            #expect(bytes == DedupIndex.fingerprint(source: source, eventID: id), "\(source) \(id)")
        }
    }
}
