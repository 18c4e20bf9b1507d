import Rules
import Testing
@testable import Router

/// A slow client's queue: bounded, ordinary events dropped first (oldest first), critical ones kept,
/// the client told how many it lost before its next message, order never changed.
struct StreamClientTests {
    /// Collects what the client writes; `open` says whether it takes more now (the socket's room).
    final class Collector: StreamOutlet {
        var open = false
        var written: [StreamMessage] = []
        var canWrite: Bool { open }
        func write(_ message: StreamMessage) { written.append(message) }
        func close(reason: StreamClient.CloseReason) {}
        func endOfBatch() {}
        var isFinished: Bool { false }
    }

    func client(queue: Int, outlet: Collector, after: Int64? = nil, liveEdge: Int64 = 0) -> StreamClient {
        let settings = StreamSettings(path: "/ws", group: nil, auth: .init(tokenSecrets: [], bearerTokens: [], open: true), queueMessages: queue)
        return StreamClient(id: 1, stream: "ui", settings: settings, grant: .init(groups: nil, expiresMilliseconds: nil), transport: "websocket",
                            outlet: outlet, after: after, liveEdge: liveEdge)
    }

    func message(_ seq: Int64, _ priority: Priority = .normal) -> StreamMessage {
        StreamMessage(seq: seq, push: StreamPush(stream: "ui", group: "", priority: priority, tail: Array(#""data":null}"#.utf8)))
    }

    func kinds(_ written: [StreamMessage]) -> [String] {
        written.map { m in m.kind == .event ? String(m.seq) : String(decoding: m.json, as: UTF8.self) }
    }

    @Test func aClientThatReadsGetsEverythingAtOnce() {
        let out = Collector()
        out.open = true
        let c = client(queue: 2, outlet: out)
        for seq in Int64(1)...5 { #expect(c.enqueue(message(seq))) }
        #expect(kinds(out.written) == ["1", "2", "3", "4", "5"])
        #expect(c.waiting == 0 && c.lastSent == 5)
    }

    @Test func ordinaryEventsAreDroppedOldestFirstAndTheClientIsTold() {
        let out = Collector()
        let c = client(queue: 3, outlet: out)
        #expect(c.enqueue(message(1)))
        #expect(c.enqueue(message(2, .critical)))
        #expect(c.enqueue(message(3)))
        #expect(c.enqueue(message(4)), "full: 1 (the oldest ordinary) makes room")
        #expect(c.enqueue(message(5)), "then 3")
        #expect(c.waiting == 3 && c.droppedTotal == 2)
        out.open = true
        c.pump()
        #expect(kinds(out.written) == [#"{"kind":"dropped","count":2,"detail":"the connection read too slowly; 2 ordinary events were dropped (critical ones are kept)"}"#, "2", "4", "5"])
    }

    @Test func aFullQueueOfCriticalEventsDropsTheNewOrdinaryOneAndRefusesANewCriticalOne() {
        let out = Collector()
        let c = client(queue: 2, outlet: out)
        #expect(c.enqueue(message(1, .critical)))
        #expect(c.enqueue(message(2, .critical)))
        #expect(c.enqueue(message(3)), "an ordinary event is dropped, the client stays")
        #expect(c.droppedTotal == 1)
        #expect(!c.enqueue(message(4, .critical)), "no room for a critical event: the client must be closed as too slow")
    }

    @Test func aClientBehindTheLiveEdgeCatchesUpAndSkipsLiveMessagesMeanwhile() {
        let out = Collector()
        out.open = true
        let behind = client(queue: 4, outlet: out, after: 3, liveEdge: 10)
        #expect(behind.catchingUp?.after == 3)
        #expect(behind.offer(message(11)))
        #expect(out.written.isEmpty, "the store read will bring 11 in order")
        let ahead = client(queue: 4, outlet: out, after: 10, liveEdge: 10)
        #expect(ahead.catchingUp == nil && ahead.lastSent == 10)
        let fresh = client(queue: 4, outlet: out, liveEdge: 10)
        #expect(fresh.catchingUp == nil && fresh.lastSent == 10, "no id: live from now")
    }

    @Test func eventStreamFramingSplitsLinesAndCarriesTheId() {
        let push = StreamPush(stream: "ui", group: "", priority: .normal, tail: Array("\"data\":{\n\"a\":1}}".utf8))
        let m = StreamMessage(seq: 42, push: push)
        #expect(String(decoding: m.eventStreamBytes, as: UTF8.self) == "id: 42\ndata: {\"kind\":\"event\",\"id\":\"42\",\"data\":{\ndata: \"a\":1}}\n\n")
        let control = StreamMessage(control: "gap", fields: JSONObject([("after", .string("3"))]))
        #expect(String(decoding: control.eventStreamBytes, as: UTF8.self) == "data: {\"kind\":\"gap\",\"after\":\"3\"}\n\n", "controls have no id: a resume never starts from one")
        #expect(m.webSocketFrame.prefix(2) == [0x81, UInt8(m.json.count)])
    }
}
