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

        guard let table = ConfigLoading.table(directory: directory, command: "serve") else { return ExitCode.failure }
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
        guard admin.isLoopback || table.settings.adminAPIToken != nil else {
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

        let runtime: RouterRuntime
        do {
            let vetting = ReloadVetting(applied: table.settings, adminOffLoopback: !admin.isLoopback, listenFlag: parsed.value("--listen") != nil,
                                        adminFlag: parsed.value("--admin") != nil)
            runtime = try RouterRuntime(table: table, configDirectory: directory, data: data, listen: listen, admin: admin,
                                        vetting: vetting, signalFD: signalFD)
        } catch {
            Output.stderr("hookrouter serve: \(error)\n")
            return ExitCode.failure
        }
        runtime.run()
        return ExitCode.ok
    }
}
