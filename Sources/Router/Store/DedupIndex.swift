#if canImport(Glibc)
import Glibc
#endif

/// The dedup window's (source, event id) keys as 64-bit fingerprints in memory, each with the seq of
/// the event that holds it, so a new event is checked without touching a B-tree at a random place.
///
/// A fingerprint is a candidate, not a verdict: the writer confirms a hit by reading that seq's key
/// back (`dedup_keys`), so a collision costs one read and never a lost event. Fingerprints are seeded
/// per process (Swift's `Hasher`), so a sender cannot choose ids that collide.
///
/// Keys expire by generation: each generation holds the keys of a quarter of the window and is dropped
/// whole once its newest key may be older than the window. A key is therefore recognised for at least
/// the window and, under steady traffic, at most 1.25 windows; memory is bounded by the keys stored in
/// 1.25 windows:
/// ~16 bytes per key at a load of 0.5–0.75 (about 25 bytes per key, 250 MB for 10 million; while a
/// generation doubles, its old table is held too, until the inserts have copied it over).
/// Writer thread only.
struct DedupIndex {
    /// One open-addressing table with linear probing; a zero fingerprint marks an empty slot. Its memory
    /// comes from `calloc`, which maps large tables lazily: a new table of hundreds of megabytes costs
    /// no up-front zeroing, its pages are touched as keys land in them.
    final class Table {
        let size: Int
        let mask: Int
        let fingerprints: UnsafeMutablePointer<UInt64>
        let seqs: UnsafeMutablePointer<Int64>

        init(size: Int) {
            self.size = size
            mask = size - 1
            guard let f = calloc(size, MemoryLayout<UInt64>.stride), let s = calloc(size, MemoryLayout<Int64>.stride) else {
                fatalError("out of memory for the dedup index (\(size) slots)")
            }
            fingerprints = f.bindMemory(to: UInt64.self, capacity: size)
            seqs = s.bindMemory(to: Int64.self, capacity: size)
        }

        deinit {
            free(fingerprints)
            free(seqs)
        }

        /// Appends the seq of every key under `fingerprint` found at a slot `from` or later.
        func candidates(_ fingerprint: UInt64, from: Int = 0, into out: inout [Int64]) {
            var i = Int(truncatingIfNeeded: fingerprint) & mask
            while fingerprints[i] != 0 {
                if fingerprints[i] == fingerprint, i >= from { out.append(seqs[i]) }
                i = (i + 1) & mask
            }
        }

        func insert(_ fingerprint: UInt64, seq: Int64) {
            var i = Int(truncatingIfNeeded: fingerprint) & mask
            while fingerprints[i] != 0 { i = (i + 1) & mask }
            fingerprints[i] = fingerprint
            seqs[i] = seq
        }

        /// Takes one (fingerprint, seq) out, closing the gap it leaves by moving later keys of the probe
        /// run back (no tombstones).
        func remove(_ fingerprint: UInt64, seq: Int64) -> Bool {
            var i = Int(truncatingIfNeeded: fingerprint) & mask
            while fingerprints[i] != 0, !(fingerprints[i] == fingerprint && seqs[i] == seq) { i = (i + 1) & mask }
            guard fingerprints[i] != 0 else { return false }
            var hole = i
            var j = i
            while true {
                j = (j + 1) & mask
                guard fingerprints[j] != 0 else { break }
                let home = Int(truncatingIfNeeded: fingerprints[j]) & mask
                // j's key may fill the hole when its home slot is not cyclically inside (hole, j].
                let inside = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j)
                if !inside {
                    fingerprints[hole] = fingerprints[j]
                    seqs[hole] = seqs[j]
                    hole = j
                }
            }
            fingerprints[hole] = 0
            seqs[hole] = 0
            return true
        }
    }

    /// One generation's keys. It grows by doubling, and incrementally: the full table stays as it is
    /// (read-only) while each insert copies `migrationStep` of its slots into the new one, and lookups
    /// read both. Rehashing millions of keys at once stopped the writer, and every answer with it, for
    /// a few hundred milliseconds each time a big generation filled (seen as the p99 of a store of
    /// 10 million events). Owned by the index: not copied.
    struct Generation {
        /// Keys stored from this time on (wall-clock milliseconds) up to the next generation's start.
        let startedAt: Int64
        private(set) var count = 0
        private var table: Table
        /// The table being copied into `table`, and how many of its slots are copied.
        private var old: Table?
        private var migrated = 0

        static let migrationStep = 64

        init(startedAt: Int64, capacity: Int = 1024) {
            self.startedAt = startedAt
            var size = 16
            while size < capacity * 2 { size <<= 1 }
            table = Table(size: size)
        }

        var slots: Int { table.size + (old?.size ?? 0) }

        /// Every seq stored under `fingerprint`.
        func candidates(_ fingerprint: UInt64, into out: inout [Int64]) {
            table.candidates(fingerprint, into: &out)
            // Slots before `migrated` are in `table` already.
            old?.candidates(fingerprint, from: migrated, into: &out)
        }

        mutating func insert(_ fingerprint: UInt64, seq: Int64) {
            if old != nil {
                migrate(slots: Self.migrationStep)
            } else if (count + 1) * 4 > table.size * 3 {
                old = table
                table = Table(size: table.size * 2)
                migrated = 0
                migrate(slots: Self.migrationStep)
            }
            table.insert(fingerprint, seq: seq)
            count += 1
        }

        /// Takes one (fingerprint, seq) out (a batch that did not commit).
        @discardableResult
        mutating func remove(_ fingerprint: UInt64, seq: Int64) -> Bool {
            if let old { migrate(slots: old.size) }  // rare: the whole table is then in one place
            guard table.remove(fingerprint, seq: seq) else { return false }
            count -= 1
            return true
        }

        /// Copies the next `slots` slots of the old table; drops it once all are copied. The new table
        /// is twice the size, so a migration ends long before it could fill.
        private mutating func migrate(slots: Int) {
            guard let old else { return }
            let end = min(old.size, migrated + slots)
            for i in migrated..<end where old.fingerprints[i] != 0 { table.insert(old.fingerprints[i], seq: old.seqs[i]) }
            migrated = end
            if migrated == old.size { self.old = nil }
        }
    }

    /// Oldest first; the last one takes new keys.
    private(set) var generations: [Generation] = []

    /// Keys held, across generations.
    var count: Int { generations.reduce(0) { $0 + $1.count } }

    /// Bytes held by the tables (for the start-up log line and the memory bound).
    var bytes: Int { generations.reduce(0) { $0 + $1.slots * 16 } }

    static func fingerprint(source: String, eventID: String) -> UInt64 {
        var source = source, eventID = eventID
        return source.withUTF8 { s in eventID.withUTF8 { e in fingerprint(source: UnsafeRawBufferPointer(s), eventID: UnsafeRawBufferPointer(e)) } }
    }

    /// The same from the UTF-8 bytes, so the start's scan of millions of keys makes no strings. Bytes,
    /// not `String` hashing: ids compare as SQLite stores them, byte for byte.
    static func fingerprint(source: UnsafeRawBufferPointer, eventID: UnsafeRawBufferPointer) -> UInt64 {
        var h = Hasher()
        h.combine(source.count)  // ("ab", "c") and ("a", "bc") differ
        h.combine(bytes: source)
        h.combine(bytes: eventID)
        let f = UInt64(bitPattern: Int64(h.finalize()))
        return f == 0 ? 1 : f  // zero marks an empty slot
    }

    /// The seqs that may hold this key, newest generation first.
    func candidates(_ fingerprint: UInt64) -> [Int64] {
        var out: [Int64] = []
        for g in generations.reversed() { g.candidates(fingerprint, into: &out) }
        return out
    }

    /// Adds a key stored at `storedAt`, opening a new generation when the newest has covered a quarter
    /// of the window. (`expire` is the caller's, once per batch.)
    mutating func insert(_ fingerprint: UInt64, seq: Int64, storedAt: Int64, window: Int64) {
        let span = max(window / 4, 1)
        if generations.isEmpty || storedAt - generations[generations.count - 1].startedAt >= span {
            // A new generation starts at the span boundary so generations stay aligned after a pause.
            let start = generations.last.map { $0.startedAt + (storedAt - $0.startedAt) / span * span } ?? storedAt
            let capacity = generations.last?.count ?? 1024
            generations.append(Generation(startedAt: start, capacity: max(capacity, 1024)))
        }
        generations[generations.count - 1].insert(fingerprint, seq: seq)
    }

    /// Undoes an `insert` of a batch that rolled back.
    mutating func remove(_ fingerprint: UInt64, seq: Int64) {
        for i in generations.indices.reversed() where generations[i].remove(fingerprint, seq: seq) { return }
    }

    /// Drops each generation whose every key is older than the window: the one after it started
    /// more than a window ago.
    mutating func expire(now: Int64, window: Int64) {
        while generations.count > 1, now - generations[1].startedAt >= window { generations.removeFirst() }
        if generations.count == 1, now - generations[0].startedAt >= window + max(window / 4, 1) { generations.removeAll() }
    }
}
