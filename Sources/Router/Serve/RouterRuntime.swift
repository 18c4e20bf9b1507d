import Adapters
import HTTPServer
import Rules
#if canImport(Glibc)
import Glibc
#endif

/// The running router: the store and its writer, the delivery engine, the ingest and admin servers,
/// reload (signals, inotify, API) and the order in which they start and stop.
///
/// Threads: the ingest loop runs on the caller's thread; the admin loop, the store writer and the
/// delivery engine each have their own.
final class RouterRuntime {
    struct StartError: Error, CustomStringConvertible {
        let description: String
    }

    let config: LiveConfig
    let store: EventStore
    let engine: DeliveryEngine
    let server: HTTPServer
    /// Streaming connections (WebSocket, SSE) after their upgrade, with the stream hub, on a loop and
    /// thread of their own, so fan-out never runs on the ingest loop.
    let streamServer: HTTPServer
    let adminServer: HTTPServer
    let reloader: Reloader
    let retention: Retention
    let ingestMetrics = IngestMetrics()
    let deliveryMetrics = DeliveryMetrics()
    let streamMetrics = StreamMetrics()
    let streams: StreamHub
    /// Readers of missed events for stream clients.
    let replayReader: StreamReplayReader
    /// The admin listener's live feed of every event, with its own store reader.
    let feed: StreamHub
    let feedReader: StreamReplayReader
    /// Wakes the engine when another router announces work (PostgreSQL).
    let workListener: PGWorkListener?
    private let watcher: ConfigWatcher?
    private let signalFD: Int32
    private let codec: StoreCodec
    private let data: DataDirectory

    init(table: RouteTable, configDirectory: String, data: DataDirectory, listen: ListenAddress, admin: ListenAddress,
         vetting: ReloadVetting, signalFD: Int32) throws(StartError) {
        self.data = data
        self.signalFD = signalFD
        codec = StoreCodec(key: table.settings.storeKey.flatMap { AESGCMKey($0.bytes) })
        config = LiveConfig(table)
        let inbox = DeliveryInbox()
        let adminStore: AdminStore
        let hub = StreamHub(config: config, metrics: streamMetrics)
        streams = hub
        let feedHub = StreamHub(config: config, metrics: StreamMetrics(), summaries: true)
        feed = feedHub
        let codec = self.codec, config = self.config
        if let url = PostgresEventStore.environmentURL ?? table.settings.store {
            // Several routers on one PostgreSQL database (#14).
            let owner = Self.owner()
            let pg: PostgresEventStore
            let leases = PGLeaseBook()
            do {
                pg = try PostgresEventStore(url: url, codec: codec, owner: owner, leases: leases, dedupWindow: { config.table.settings.dedupWindowMilliseconds }) { fresh, settled in
                    inbox.post(new: fresh.map { QueuedDelivery(new: $0, hasRow: true) }, settled: settled)
                }
            } catch {
                throw StartError(description: "cannot open the PostgreSQL store: \(error)")
            }
            store = pg
            adminStore = AdminStore(postgres: url, codec: codec)
            workListener = PGWorkListener(url: url, owner: owner) { inbox.post(rescan: true) }
            engine = DeliveryEngine(store: pg, source: PGDeliverySource(url: url, owner: owner, codec: codec, leases: leases), config: config, inbox: inbox, metrics: deliveryMetrics)
            retention = Retention(store: PGPurger(url: url), config: config)
            do {
                let replay = try StreamReplayReader(events: PGStreamEvents(url: url, codec: codec), config: config) { hub.replayed($0) }
                let feedReplay = try StreamReplayReader(events: PGStreamEvents(url: url, codec: codec), config: config) { feedHub.replayed($0) }
                (replayReader, feedReader) = (replay, feedReplay)
                hub.liveEdge = replay.lastSeqAtStart
                feedHub.liveEdge = feedReplay.lastSeqAtStart
            } catch {
                throw StartError(description: "cannot open the PostgreSQL store: \(error)")
            }
            Log.info("using the PostgreSQL store", ["store": PGConnection.redacted(url), "router": owner])
        } else {
            let sqlite: SQLiteEventStore
            let environment = FileSystem.environment()
            do {
                sqlite = try SQLiteEventStore(directory: data.path, codec: codec, dedupWindow: { config.table.settings.dedupWindowMilliseconds },
                                              segmentBytes: BodyLog.segmentBytes(environment), reserveBytes: DiskReserve.bytes(environment),
                                              reserveReleased: data.reserveReleased) { fresh, settled in
                    inbox.post(new: fresh.map { QueuedDelivery(new: $0) }, settled: settled)
                }
                store = sqlite
                engine = DeliveryEngine(store: sqlite, source: try DeliveryReader(path: sqlite.path, codec: codec), config: config, inbox: inbox, metrics: deliveryMetrics)
                adminStore = try AdminStore(path: sqlite.path, codec: codec)
                let replay = try StreamReplayReader(path: sqlite.path, codec: codec, config: config) { hub.replayed($0) }
                replayReader = replay
                let feedReplay = try StreamReplayReader(path: sqlite.path, codec: codec, config: config) { feedHub.replayed($0) }
                feedReader = feedReplay
                hub.liveEdge = replay.lastSeqAtStart
                feedHub.liveEdge = feedReplay.lastSeqAtStart
            } catch {
                throw StartError(description: "cannot open the store in '\(data.path)': \(error)")
            }
            retention = Retention(store: sqlite, config: config)
            workListener = nil
        }
        hub.reader = replayReader
        feedHub.reader = feedReader

        let limits = Self.limits(table.settings)
        let descriptors = DescriptorLimit.raise()
        if descriptors < limits.maxConnections + DescriptorLimit.reserve {
            Log.warn("the open-file limit is below max_connections plus what the router needs besides; raise it (LimitNOFILE= in systemd, ulimit -n)",
                     ["limit": String(descriptors), "max_connections": String(limits.maxConnections)])
        }
        server = HTTPServer(handler: IngestHandler(config: config, store: store, metrics: ingestMetrics, streams: StreamEndpoint(hub: streams), feed: feed), limits: limits)
        streamServer = HTTPServer(handler: StreamLoopHandler(), limits: limits)
        streamServer.prepare()
        server.streamHandoff = streamServer
        let streamServer = self.streamServer
        streams.wake = { streamServer.wake() }
        server.onAcceptPaused = { error in
            let fix = error == EMFILE || error == ENFILE
                ? "raise the open-file limit (LimitNOFILE= in systemd, ulimit -n) or lower settings.http.max_connections"
                : "the system is short of memory for sockets"
            Log.error("cannot accept connections, pausing accepts and retrying every 250 ms; " + fix,
                      ["error": String(cString: strerror(error)), "limit": String(descriptors)])
        }
        reloader = Reloader(directory: configDirectory, config: config, statusFile: data.path + "/" + ReloadCommand.statusFileName, vetting: vetting)
        adminServer = HTTPServer(handler: AdminHandler(AdminHandler.Context(
            config: config, reloader: reloader, store: store, ingestMetrics: ingestMetrics, deliveryMetrics: deliveryMetrics,
            queries: adminStore, inbox: inbox, streams: streams, streamMetrics: streamMetrics,
            subscriptions: SubscriptionService(configDirectory: configDirectory, reloader: reloader, config: config,
                                               dataDirectory: FileSystem.absolute(data.path)), feed: feed)))
        let adminServer = self.adminServer, feed = self.feed
        feed.wake = { adminServer.wake() }
        adminServer.onTurn = { feed.turn(now: MonotonicClock.milliseconds()) }
        do {
            try server.bind(host: listen.host, port: listen.port)
            try adminServer.bind(host: admin.host, port: admin.port)
        } catch {
            store.close()
            throw StartError(description: error.description)
        }

        let reloader = self.reloader
        watcher = ConfigWatcher(directory: configDirectory) { reloader.trigger(reason: "config directory changed") }
        if watcher == nil {
            Log.warn("cannot watch the config directory; reload with SIGHUP or 'hookrouter reload'", ["config": configDirectory])
        }
        Log.info("listening", ["listen": "\(listen.host):\(server.port)", "admin": "\(admin.host):\(adminServer.port)",
                               "config": configDirectory, "data": data.path, "sources": String(table.sources.count),
                               "routes": String(table.routes.count), "encrypted_at_rest": codec.seals ? "yes" : "no"])
    }

    /// Serves until SIGTERM/SIGINT, then drains in order: stop accepting and finish requests, stop the
    /// admin API, let deliveries in flight finish (bounded), write what the store has queued.
    func run() {
        let streams = self.streams, watcher = self.watcher
        if let watcher { server.watch(watcher.fd) { watcher.readable(now: MonotonicClock.milliseconds()) } }
        server.onTurn = { watcher?.tick(now: MonotonicClock.milliseconds()) }
        streamServer.onTurn = { streams.turn(now: MonotonicClock.milliseconds()) }
        let signalFD = self.signalFD, server = self.server, adminServer = self.adminServer, reloader = self.reloader, streamServer = self.streamServer
        server.watch(signalFD) {
            for signal in Signals.read(signalFD) {
                if signal == SIGHUP {
                    reloader.trigger(reason: "SIGHUP")
                } else {
                    Log.info("shutting down: no new connections, finishing requests in flight", ["signal": signal == SIGTERM ? "SIGTERM" : "SIGINT"])
                    streams.perform { streams.shutdown() }  // stream clients told, long-polls answered
                    streamServer.requestDrain()
                    server.beginDrain()
                    adminServer.requestDrain()
                }
            }
        }
        engine.start()
        retention.start()
        let adminThread = OSThread(name: "admin") { adminServer.run() }
        let streamThread = OSThread(name: "streams") { streamServer.run() }
        server.run()
        streamServer.requestDrain()
        streamThread.join()
        replayReader.stop()
        feedReader.stop()
        adminServer.requestDrain()
        adminThread.join()
        retention.stop()
        workListener?.stop()
        engine.stop()  // before the store: its last attempts are written by the store's writer
        store.close()
        Log.info("stopped", ["requests": ingestMetrics.requestSummary])
    }

    /// This router's name in the PostgreSQL store's leases: host, pid and a random part (a restarted
    /// router is a new holder; its predecessor's leases expire).
    static func owner() -> String {
        var name = [CChar](repeating: 0, count: 256)
        gethostname(&name, name.count - 1)  // the last byte stays NUL even if the name is cut
        let host = String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return host + ":" + String(getpid()) + ":" + Hex.encode(SecureRandom.bytes(3))
    }

    static func limits(_ settings: Settings) -> HTTPServerLimits {
        var limits = HTTPServerLimits()
        if let v = settings.headerTimeoutMilliseconds { limits.headerTimeoutMilliseconds = v }
        if let v = settings.bodyTimeoutMilliseconds { limits.bodyTimeoutMilliseconds = v }
        if let v = settings.keepAliveTimeoutMilliseconds { limits.keepAliveTimeoutMilliseconds = v }
        if let v = settings.maxConnections { limits.maxConnections = v }
        if let v = settings.maxBufferedBodyBytes { limits.maxBufferedBodyBytes = v }
        return limits
    }
}
