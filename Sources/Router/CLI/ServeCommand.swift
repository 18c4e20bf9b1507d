import Adapters
import HTTPServer
import Rules
#if canImport(Glibc)
import Glibc
#endif

/// `hookrouter serve`: runs the router in the foreground until SIGTERM/SIGINT, then drains and exits 0.
enum ServeCommand: Command {
    static let name = "serve"
    static let summary = "run the router in the foreground"
    static let usage = """
        Usage: hookrouter serve [--config DIR] [--data DIR] [--listen HOST:PORT] [--admin HOST:PORT]

        Receives webhooks on the sources' paths, verifies, routes and stores them, and answers 202 once
        each event is on disk. Logs JSON lines to stderr; writes DATA/hookrouter.pid.

        Options:
          --config DIR         route files (default ./routes.d)
          --data DIR           the store and pid file (default ./data; created 0700)
          --listen HOST:PORT   ingest listener (default: settings.listen, else 127.0.0.1:8080)
          --admin HOST:PORT    admin listener (default: settings.admin.listen, else 127.0.0.1:9090)
          --log-level LEVEL    debug, info, warn or error (default info)

        Signals: SIGHUP reloads the route files; SIGTERM and SIGINT stop accepting, finish requests in
        flight, flush the store and exit 0.

        """

    static func run(_ args: [String]) -> Int32 {
        let parsed: Arguments
        do {
            parsed = try Arguments(args, valued: ["--config", "--data", "--listen", "--admin", "--log-level"], flags: [])
        } catch {
            Output.stderr("hookrouter serve: \(error); see 'hookrouter serve --help'.\n")
            return ExitCode.usage
        }
        guard parsed.positionals.isEmpty else {
            Output.stderr("hookrouter serve: unexpected argument '\(parsed.positionals[0])'; pass the config directory with --config.\n")
            return ExitCode.usage
        }
        if let level = parsed.value("--log-level") {
            guard let l = ["debug": Log.Level.debug, "info": .info, "warn": .warn, "error": .error][level] else {
                Output.stderr("hookrouter serve: --log-level takes debug, info, warn or error, not '\(level)'.\n")
                return ExitCode.usage
            }
            Log.minimum = l
        }
        // Before any thread exists, so every thread inherits the mask.
        let signalFD = Signals.block()
        let directory = parsed.value("--config") ?? "./routes.d"

        let table: RouteTable
        do {
            let (compiled, diagnostics) = try ConfigLoading.compile(directory: directory)
            Output.stderr(DiagnosticRenderer.text(diagnostics.sorted))
            guard let compiled else {
                Output.stderr("hookrouter serve: \(diagnostics.errors.count) error(s) in \(directory); fix them (see 'hookrouter check \(directory)') and start again.\n")
                return ExitCode.failure
            }
            table = compiled
        } catch {
            Output.stderr("hookrouter serve: \(error.message)\n")
            return ExitCode.failure
        }
        let listenText = parsed.value("--listen") ?? table.settings.listen ?? "127.0.0.1:8080"
        guard let listen = ListenAddress(listenText) else {
            Output.stderr("hookrouter serve: --listen must be HOST:PORT like 127.0.0.1:8080, not '\(listenText)'.\n")
            return ExitCode.usage
        }

        let adminText = parsed.value("--admin") ?? table.settings.adminListen ?? "127.0.0.1:9090"
        guard let admin = ListenAddress(adminText) else {
            Output.stderr("hookrouter serve: --admin must be HOST:PORT like 127.0.0.1:9090, not '\(adminText)'.\n")
            return ExitCode.usage
        }
        let adminToken = table.settings.adminToken.flatMap { $0.isEmpty ? nil : $0 }
        guard admin.isLoopback || adminToken != nil else {
            Output.stderr("hookrouter serve: the admin listener \(admin) is not on loopback and has no token; set settings.admin.token (e.g. ${HOOKROUTER_ADMIN_TOKEN}) or listen on 127.0.0.1.\n")
            return ExitCode.failure
        }

        let data: DataDirectory
        do {
            data = try DataDirectory.prepare(parsed.value("--data") ?? "./data")
        } catch {
            Output.stderr("hookrouter serve: \(error)\n")
            return ExitCode.failure
        }
        defer { data.release() }

        let codec = StoreCodec(key: table.settings.storeKey.flatMap { AESGCMKey($0.bytes) })
        let config = LiveConfig(table)
        let inbox = DeliveryInbox()
        let store: SQLiteEventStore
        let engine: DeliveryEngine
        let deliveryMetrics = DeliveryMetrics()
        do {
            store = try SQLiteEventStore(directory: data.path, codec: codec) { fresh, settled in
                inbox.post(new: fresh.map(QueuedDelivery.init(new:)), settled: settled)
            }
            engine = try DeliveryEngine(store: store, storePath: store.path, codec: codec, config: config, inbox: inbox, metrics: deliveryMetrics)
        } catch {
            Output.stderr("hookrouter serve: cannot open the store in '\(data.path)': \(error)\n")
            return ExitCode.failure
        }

        let metrics = IngestMetrics()
        let handler = IngestHandler(config: config, store: store, metrics: metrics)
        let server = HTTPServer(handler: handler, limits: limits(table.settings))
        do {
            try server.bind(host: listen.host, port: listen.port)
        } catch {
            store.close()
            Output.stderr("hookrouter serve: \(error)\n")
            return ExitCode.failure
        }
        let reloader = Reloader(directory: directory, config: config, statusFile: data.path + "/" + ReloadCommand.statusFileName)
        if let watcher = ConfigWatcher(directory: directory, onChange: { reloader.trigger(reason: "config directory changed") }) {
            server.watch(watcher.fd) { watcher.readable(now: MonotonicClock.milliseconds()) }
            server.onTurn = { watcher.tick(now: MonotonicClock.milliseconds()) }
        } else {
            Log.warn("cannot watch the config directory; reload with SIGHUP or 'hookrouter reload'", ["config": directory])
        }
        let adminServer = HTTPServer(handler: AdminHandler(AdminHandler.Context(
            config: config, reloader: reloader, store: store, ingestMetrics: metrics, deliveryMetrics: deliveryMetrics, token: adminToken)))
        do {
            try adminServer.bind(host: admin.host, port: admin.port)
        } catch {
            store.close()
            Output.stderr("hookrouter serve: admin listener: \(error)\n")
            return ExitCode.failure
        }
        engine.start()
        let adminThread = OSThread(name: "admin") { adminServer.run() }
        server.watch(signalFD) {
            for signal in Signals.read(signalFD) {
                if signal == SIGHUP {
                    reloader.trigger(reason: "SIGHUP")
                } else {
                    Log.info("shutting down: no new connections, finishing requests in flight", ["signal": signal == SIGTERM ? "SIGTERM" : "SIGINT"])
                    server.beginDrain()
                    adminServer.requestDrain()
                }
            }
        }
        Log.info("listening", ["listen": "\(listen.host):\(server.port)", "admin": "\(admin.host):\(adminServer.port)", "config": directory, "data": data.path,
                               "sources": String(table.sources.count), "routes": String(table.routes.count),
                               "encrypted_at_rest": codec.seals ? "yes" : "no"])
        server.run()
        adminServer.requestDrain()
        adminThread.join()
        engine.stop()  // before the store: its last attempts are written by the store's writer
        store.close()
        Log.info("stopped", ["requests": metrics.requestSummary])
        return ExitCode.ok
    }

    static func limits(_ settings: Settings) -> HTTPServerLimits {
        var limits = HTTPServerLimits()
        if let v = settings.headerTimeoutMilliseconds { limits.headerTimeoutMilliseconds = v }
        if let v = settings.bodyTimeoutMilliseconds { limits.bodyTimeoutMilliseconds = v }
        if let v = settings.keepAliveTimeoutMilliseconds { limits.keepAliveTimeoutMilliseconds = v }
        if let v = settings.maxConnections { limits.maxConnections = v }
        return limits
    }
}
