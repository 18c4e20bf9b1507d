import HTTPServer
import Rules
import Synchronization

/// The live side of stream targets: who listens to which stream and group, and the fan-out of each
/// committed event to them. Lives on the stream loop's thread (the ingest loop hands upgraded
/// connections over to it); events reach it from the store's writer through `publish`, chunks of the
/// store read for reconnecting clients through `replayed`, long-polls and shutdown through `perform`.
final class StreamHub: @unchecked Sendable {
    private struct Inbox {
        var published: [(seq: Int64, pushes: [StreamPush])] = []
        var chunks: [StreamReplayReader.Chunk] = []
        var tasks: [UncheckedBox<() -> Void>] = []
        var isEmpty: Bool { published.isEmpty && chunks.isEmpty && tasks.isEmpty }
    }

    /// One stream's clients: by group, and those listening to every group.
    private struct Room {
        var byGroup: [String: [Int: StreamClient]] = [:]
        var everything: [Int: StreamClient] = [:]
        var count = 0
    }

    private let inbox = Mutex(Inbox())
    /// Wakes the loop the hub lives on (set once, before the loop runs).
    var wake: @Sendable () -> Void = {}
    private let config: LiveConfig
    private let metrics: StreamMetrics
    var reader: StreamReplayReader?
    /// The admin listener's feed: every event, as a summary, instead of the pushes of stream targets.
    let summaries: Bool

    private var clients: [Int: StreamClient] = [:]
    /// `clients.count`, readable from any thread (a publisher skips building messages nobody reads).
    private let connected = Atomic<Int>(0)
    var hasClients: Bool { connected.load(ordering: .relaxed) > 0 }
    private var rooms: [String: Room] = [:]
    /// `rooms[name].count`, readable from the ingest loop (admission checks `max_clients` there).
    private let roomCounts = Mutex<[String: Int]>([:])
    private var nextID = 1
    /// The highest seq published: a client that catches up reads the store to here, then goes live.
    var liveEdge: Int64
    private var generation: Int
    private var lastTick: Int64 = 0
    /// This turn's counts, handed to `metrics` at its end.
    private var counts: [String: StreamMetrics.Stream] = [:]
    /// Clients written to this turn (a long-poll answers once per turn).
    private var touched: [Int: StreamClient] = [:]

    init(config: LiveConfig, metrics: StreamMetrics, liveEdge: Int64 = 0, summaries: Bool = false) {
        self.summaries = summaries
        self.config = config
        self.metrics = metrics
        self.liveEdge = liveEdge
        generation = config.generation
    }

    // MARK: - From other threads

    /// A committed event's pushes; any thread (the store's writer), in seq order.
    func publish(seq: Int64, pushes: [StreamPush]) {
        guard !pushes.isEmpty else { return }
        if inbox.withLock({ box in
            let was = box.isEmpty
            box.published.append((seq, pushes))
            return was
        }) { wake() }
    }

    /// A chunk read from the store for a catching-up client; the replay reader's thread.
    func replayed(_ chunk: StreamReplayReader.Chunk) {
        if inbox.withLock({ box in
            let was = box.isEmpty
            box.chunks.append(chunk)
            return was
        }) { wake() }
    }

    /// Runs `work` on the hub's thread at its next turn (a long-poll registering, shutdown).
    func perform(_ work: @escaping () -> Void) {
        if inbox.withLock({ box in
            let was = box.isEmpty
            box.tasks.append(UncheckedBox(work))
            return was
        }) { wake() }
    }

    /// Clients on `stream` now; any thread.
    func clientCount(stream: String) -> Int { roomCounts.withLock { $0[stream] ?? 0 } }

    // MARK: - Loop thread

    /// Adds a client; it catches up from the store first when its id is behind the live edge.
    func register(stream: String, settings: StreamSettings, grant: StreamRequest.Grant, after: Int64?, transport: String, outlet: StreamOutlet) -> StreamClient {
        let client = StreamClient(id: nextID, stream: stream, settings: settings, grant: grant, transport: transport,
                                  outlet: outlet, after: after, liveEdge: liveEdge)
        nextID += 1
        clients[client.id] = client
        connected.store(clients.count, ordering: .relaxed)
        var room = rooms[stream, default: Room()]
        if let groups = grant.groups {
            for g in groups { room.byGroup[g, default: [:]][client.id] = client }
        } else {
            room.everything[client.id] = client
        }
        room.count += 1
        rooms[stream] = room
        roomCounts.withLock { $0[stream] = room.count }
        counts[stream, default: .init()].clients[transport, default: 0] += 1
        requestChunk(client)
        return client
    }

    /// Forgets a client whose connection is gone (its outlet is closed already).
    func remove(_ client: StreamClient, reason: StreamClient.CloseReason) {
        guard clients.removeValue(forKey: client.id) != nil else { return }
        connected.store(clients.count, ordering: .relaxed)
        touched[client.id] = nil
        client.outlet = nil
        if var room = rooms[client.stream] {
            if let groups = client.grant.groups {
                for g in groups {
                    room.byGroup[g]?[client.id] = nil
                    if room.byGroup[g]?.isEmpty == true { room.byGroup[g] = nil }
                }
            } else {
                room.everything[client.id] = nil
            }
            room.count -= 1
            rooms[client.stream] = room
            roomCounts.withLock { $0[client.stream] = room.count }
        }
        var c = counts[client.stream, default: .init()]
        c.clients[client.transport, default: 0] -= 1
        c.disconnects[reason.rawValue, default: 0] += 1
        counts[client.stream] = c
    }

    /// Closes a client for `reason` and forgets it.
    func close(_ client: StreamClient, reason: StreamClient.CloseReason) {
        client.outlet?.close(reason: reason)
        remove(client, reason: reason)
    }

    /// The client's outlet has room again.
    func drained(_ client: StreamClient) {
        client.pump()
        requestChunk(client)
    }

    /// A request refused before it was held; any thread (admission runs on the ingest loop).
    func refused(stream: String, status: Int) {
        var turn = StreamMetrics.Stream()
        turn.refused[status] = 1
        metrics.add([stream: turn])
    }

    /// Once per loop turn: fan out what was published, take replay chunks, time out, hand over counts.
    func turn(now: Int64) {
        let box = inbox.withLock { box in
            defer { box = Inbox() }
            return box
        }
        for task in box.tasks { task.value() }
        for (seq, pushes) in box.published { fanOut(seq: seq, pushes: pushes) }
        for chunk in box.chunks { take(chunk) }
        if now - lastTick >= 250 {
            lastTick = now
            tick(now: now)
        }
        for c in touched.values {
            c.outlet?.endOfBatch()
            if c.outlet?.isFinished ?? true { remove(c, reason: c.outlet is PollOutlet ? .answered : .gone) }
        }
        touched.removeAll(keepingCapacity: true)
        if !counts.isEmpty {
            metrics.add(counts)
            counts.removeAll(keepingCapacity: true)
        }
    }

    /// The server stops: every client is told and closed.
    func shutdown() {
        for c in Array(clients.values) { close(c, reason: .shutdown) }
        metrics.add(counts)
        counts.removeAll()
    }

    private func fanOut(seq: Int64, pushes: [StreamPush]) {
        liveEdge = max(liveEdge, seq)
        for push in pushes {
            guard let room = rooms[push.stream] else { continue }
            let message = StreamMessage(seq: seq, push: push)
            var reached = 0
            for c in room.everything.values { reached += offer(message, to: c) }
            if let group = room.byGroup[push.group] { for c in group.values { reached += offer(message, to: c) } }
            counts[push.stream, default: .init()].pushed += reached
        }
    }

    /// 1 when the message went to (or waits for) the client.
    private func offer(_ message: StreamMessage, to c: StreamClient) -> Int {
        if c.catchingUp != nil { return 0 }
        let before = c.droppedTotal
        guard c.enqueue(message) else {
            counts[c.stream, default: .init()].dropped += c.droppedTotal - before
            close(c, reason: .slow)
            return 0
        }
        counts[c.stream, default: .init()].dropped += c.droppedTotal - before
        touched[c.id] = c
        return 1
    }

    /// Asks the store for the next chunk when the client is behind, no read is out and it has room.
    private func requestChunk(_ c: StreamClient) {
        guard var up = c.catchingUp, !up.reading, c.waiting * 2 <= c.settings.queueMessages, let reader else { return }
        up.reading = true
        c.catchingUp = up
        reader.submit(StreamReplayReader.Request(client: c.id, stream: c.stream, summary: summaries, groups: c.grant.groups, after: up.after, upTo: liveEdge,
                                                 windowStart: WallClock.now().milliseconds - c.settings.replayWindowMilliseconds,
                                                 checkWindow: up.first, maxMessages: max(c.settings.queueMessages - c.waiting - 1, 1)))
    }

    private func take(_ chunk: StreamReplayReader.Chunk) {
        guard let c = clients[chunk.client], var up = c.catchingUp else { return }
        up.reading = false
        up.first = false
        if let skipped = chunk.gapSkippedThrough {
            var o = JSONObject()
            o["after"] = .string(String(up.after))
            o["resumed_after"] = .string(String(skipped))
            o["detail"] = .string("events after id \(up.after) up to \(skipped) are older than this stream's replay window (\(Units.describe(milliseconds: c.settings.replayWindowMilliseconds))) and are not sent; reload the state you show")
            _ = c.enqueue(StreamMessage(control: "gap", fields: o))
        }
        if let error = chunk.error {
            Log.error("cannot read a stream client's missed events from the store", ["stream": c.stream, "error": error])
            var o = JSONObject()
            o["after"] = .string(String(up.after))
            o["detail"] = .string("the store could not be read, so events after id \(up.after) are not sent; reload the state you show")
            _ = c.enqueue(StreamMessage(control: "gap", fields: o))
            c.catchingUp = nil
            touched[c.id] = c
            return
        }
        up.after = chunk.readThrough
        c.catchingUp = up
        var n = 0
        for (seq, push) in chunk.messages {
            let before = c.droppedTotal
            guard c.enqueue(StreamMessage(seq: seq, push: push)) else {
                close(c, reason: .slow)
                return
            }
            n += 1
            counts[c.stream, default: .init()].dropped += c.droppedTotal - before
        }
        counts[c.stream, default: .init()].replayed += n
        if chunk.reachedEnd, chunk.readThrough >= liveEdge { c.catchingUp = nil }
        touched[c.id] = c
        requestChunk(c)
    }

    private func tick(now: Int64) {
        let wall = WallClock.now().milliseconds
        if config.generation != generation, !summaries {
            generation = config.generation
            let table = config.table
            for c in Array(clients.values) {
                guard let t = table.targetIndex(named: c.stream).map({ table.targets[$0] }), t.stream?.path == c.settings.path else {
                    close(c, reason: .removed)
                    continue
                }
            }
        }
        for c in Array(clients.values) {
            if let expires = c.grant.expiresMilliseconds, wall > expires {
                close(c, reason: .expired)
            } else if let poll = c.outlet as? PollOutlet, now >= poll.deadline {
                poll.answer()
                remove(c, reason: .answered)
            }
        }
    }
}
