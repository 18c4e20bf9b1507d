import Rules

/// Reads a reconnecting client's missed events from the store, a chunk at a time, on a thread of its
/// own with its own read connection (WAL lets it read beside the writer), so the ingest loop never
/// waits on a disk read. Events are matched again against the running table to find what the stream
/// receives: the same function that made the live messages.
final class StreamReplayReader: Sendable {
    struct Request: Sendable {
        let client: Int
        let stream: String
        /// Every event as a summary (the admin feed), not the pushes of a stream target.
        let summary: Bool
        let groups: Set<String>?
        /// Read events with seq in (after, upTo].
        let after: Int64
        let upTo: Int64
        /// Events received before this (ms since the epoch) are outside the replay window.
        let windowStart: Int64
        /// The first read of a client: also says whether events before the window were missed.
        let checkWindow: Bool
        /// Messages to return at most: the room in the client's queue, so a read never makes it drop.
        let maxMessages: Int
    }

    struct Chunk: Sendable {
        let client: Int
        let messages: [(seq: Int64, push: StreamPush)]
        /// Every event up to this seq was looked at.
        let readThrough: Int64
        /// The read reached `upTo`.
        let reachedEnd: Bool
        /// Set when events after the client's id were older than the window: reading resumed after this seq.
        let gapSkippedThrough: Int64?
        let error: String?
    }

    /// Rows looked at per chunk (matched or not), which bounds one read's time and memory.
    static let rowsPerChunk = 256

    private let requests = BlockingQueue<Request>()
    private let thread: OSThread
    /// The store's last seq at start: the live edge before anything is published.
    let lastSeqAtStart: Int64

    /// On the SQLite file at `path`, with a read connection of its own.
    convenience init(path: String, codec: StoreCodec, config: LiveConfig, deliver: @escaping @Sendable (Chunk) -> Void) throws(SQLiteError) {
        try self.init(events: SQLiteStreamEvents(path: path, codec: codec), config: config, deliver: deliver)
    }

    /// On any store's events; `events` belongs to the reader's thread from here on.
    init<Events: StreamEvents>(events: Events, config: LiveConfig, deliver: @escaping @Sendable (Chunk) -> Void) throws(Events.Failure) {
        lastSeqAtStart = try events.lastSeq()
        let queue = requests
        let box = UncheckedBox(events)
        thread = OSThread(name: "stream-replay") {
            let events = box.value
            while let batch = queue.popBatch(max: 16) {
                for r in batch { deliver(Self.read(r, events: events, table: config.table)) }
            }
        }
    }

    func submit(_ request: Request) { requests.push(request) }

    func stop() {
        requests.close()
        thread.join()
    }

    private static func read<Events: StreamEvents>(_ r: Request, events: Events, table: RouteTable) -> Chunk {
        var after = r.after
        var gap: Int64?
        do throws(Events.Failure) {
            if r.checkWindow {
                // The first seq inside the window; anything between the client's id and it was missed.
                let first = try events.firstSeq(receivedSince: r.windowStart) ?? r.upTo + 1
                if first > after + 1, let skipped = try events.lastSeq(after: after, before: first) {
                    gap = skipped
                    after = skipped
                }
            }
            var messages: [(Int64, StreamPush)] = []
            var rows = 0
            var through = after
            var full = false
            for (seq, loaded) in try events.range(after: after, upTo: r.upTo, limit: rowsPerChunk) {
                rows += 1
                through = seq
                guard case .success(let stored) = loaded, let source = table.sourceIndex(named: stored.source) else { continue }
                let event = stored.event()
                let matches = table.match(event, source: source)
                if r.summary {
                    messages.append((through, StreamPush.summary(of: event, matches: matches, table: table, stream: r.stream)))
                } else {
                    for push in StreamPush.pushes(for: event, matches: matches, table: table, only: r.stream)
                    where r.groups == nil || r.groups!.contains(push.group) {
                        messages.append((through, push))
                    }
                }
                full = messages.count >= r.maxMessages
                if full { break }
            }
            let end = !full && rows < rowsPerChunk
            return Chunk(client: r.client, messages: messages, readThrough: end ? r.upTo : through, reachedEnd: end, gapSkippedThrough: gap, error: nil)
        } catch {
            return Chunk(client: r.client, messages: [], readThrough: after, reachedEnd: false, gapSkippedThrough: gap, error: "\(error)")
        }
    }
}

/// Hands non-Sendable values to the one thread that will own them from then on.
struct UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
