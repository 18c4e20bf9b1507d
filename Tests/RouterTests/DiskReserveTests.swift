import Testing
@testable import Router
@testable import Rules
#if canImport(Glibc)
import Glibc
#endif

/// The disk reserve on a real file system: its blocks are allocated, not a hole; it is released
/// once and made again only with room for it twice over (the free space told by the test); 0 turns
/// it off. What needs a small file system (no room to make it at start, the purge of a full disk, a
/// restart on one) is `tests/chaos/diskfull.py`'s, on a tmpfs.
struct DiskReserveTests {
    /// (size, allocated bytes) of the file, nil when it is missing.
    func file(_ path: String) -> (size: Int64, allocated: Int64)? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return (Int64(st.st_size), Int64(st.st_blocks) * 512)
    }

    @Test func itIsMadeWithItsBlocksAllocatedReleasedOnceAndMadeAgain() {
        let dir = temporaryDirectory()
        let reserve = DiskReserve(directory: dir, bytes: 1 << 20)
        #expect(reserve.state == .held)
        let made = file(reserve.path)
        #expect(made?.size == 1 << 20)
        #expect((made?.allocated ?? 0) >= 1 << 20, "a sparse file would give the purge no room")

        #expect(!reserve.isReleased)
        #expect(reserve.release())
        #expect(reserve.state == .released)
        #expect(reserve.isReleased)
        #expect(file(reserve.path) == nil)
        #expect(!reserve.release(), "there is nothing left to give")

        #expect(reserve.remakeIfRoom())
        #expect(reserve.state == .held)
        #expect(file(reserve.path)?.size == 1 << 20)
    }

    @Test func aLeftoverReserveIsResizedAndZeroRemovesIt() {
        let dir = temporaryDirectory()
        _ = DiskReserve(directory: dir, bytes: 2 << 20)
        let smaller = DiskReserve(directory: dir, bytes: 1 << 20)
        #expect(smaller.state == .held)
        #expect(file(smaller.path)?.size == 1 << 20)
        let off = DiskReserve(directory: dir, bytes: 0)
        #expect(off.state == .absent)
        #expect(file(off.path) == nil)
        #expect(!off.remakeIfRoom())
        #expect(file(off.path) == nil)
    }

    @Test func aReserveReleasedAtStartIsNotMadeAgainRightAway() {
        let dir = temporaryDirectory()
        _ = DiskReserve(directory: dir, bytes: 1 << 20)
        #expect(DiskReserve.releaseAtStart(directory: dir))
        #expect(!DiskReserve.releaseAtStart(directory: dir), "there is nothing left to give")
        let free = FreeSpace()
        free.bytes = (2 << 20) - 1
        let reserve = DiskReserve(directory: dir, bytes: 1 << 20, released: true) { _ in free.bytes }
        #expect(reserve.state == .released, "new events must wait, not take the room the start was given")
        #expect(reserve.isReleased, "/metrics says so")
        #expect(file(reserve.path) == nil)
        free.bytes = 2 << 20
        #expect(reserve.remakeIfRoom())
        #expect(!reserve.isReleased)
        #expect(file(reserve.path)?.size == 1 << 20)
    }

    @Test func theSizeComesFromTheEnvironment() {
        #expect(DiskReserve.bytes([:]) == DiskReserve.defaultBytes)
        #expect(DiskReserve.bytes(["HOOKROUTER_RESERVE_BYTES": "0"]) == 0)
        #expect(DiskReserve.bytes(["HOOKROUTER_RESERVE_BYTES": "1048576"]) == 1 << 20)
        #expect(DiskReserve.bytes(["HOOKROUTER_RESERVE_BYTES": "lots"]) == DiskReserve.defaultBytes)
        #expect(DiskReserve.bytes(["HOOKROUTER_RESERVE_BYTES": "-1"]) == DiskReserve.defaultBytes)
    }

    /// The free space the reserve's check sees, set by the test.
    final class FreeSpace: @unchecked Sendable {
        var bytes: Int64 = 0
    }

    @Test func whileReleasedTheWriterRefusesNewEventsUntilTheReserveIsMadeAgain() throws {
        let dir = temporaryDirectory()
        let free = FreeSpace()
        let reserve = DiskReserve(directory: dir, bytes: 1 << 20) { _ in free.bytes }
        let db = try SQLiteEventStore.open(path: dir + "/" + SQLiteEventStore.fileName)
        let log = try BodyLog(directory: dir + "/" + BodyLog.directoryName, segmentBytes: BodyLog.defaultSegmentBytes)
        let writer = try StoreWriter(db: db, log: log, codec: StoreCodec(key: nil), reserve: reserve) { Settings().dedupWindowMilliseconds }
        let answers = BlockingQueue<StoreOutcome>()
        func write(_ id: String) -> StoreOutcome {
            _ = writer.write([SQLiteEventStore.Job.ingest(sampleEvent(id), { answers.push($0) })])
            return answers.popBatch(max: 1)![0]
        }
        #expect(reserve.state == .held)
        #expect(reserve.release())

        free.bytes = (2 << 20) - 1  // short of room for the reserve twice over
        guard case .unavailable(let why) = write("while-full") else { Issue.record("an event was taken while the reserve was out"); return }
        #expect(why.contains("disk is full"))
        #expect(try db.scalar("SELECT count(*) FROM events") == 0)
        #expect(reserve.state == .released)

        free.bytes = 2 << 20
        guard case .stored = write("room-again") else { Issue.record("not taken once the disk had room"); return }
        #expect(reserve.state == .held)
        #expect(file(reserve.path)?.size == 1 << 20)
    }
}
