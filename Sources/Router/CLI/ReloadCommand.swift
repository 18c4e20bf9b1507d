import Rules
#if canImport(Glibc)
import Glibc
#endif

/// `hookrouter reload`: signals the running server (pid file) and reports whether it took the new table.
enum ReloadCommand: Command {
    static let name = "reload"
    static let summary = "ask the running server to reload its routes"
    static let usage = """
        Usage: hookrouter reload [--data DIR] [--timeout DURATION]

        Sends SIGHUP to the server whose pid is in DATA/hookrouter.pid, waits for it to compile the
        config directory, and prints the outcome with any diagnostics. The running routes stay in
        place when the new ones have errors.

        Options:
          --data DIR             the server's data directory (default ./data)
          --timeout DURATION     how long to wait for the outcome (default 10s)

        Exit: 0 taken, 1 rejected (or no server, or no answer in time), 2 usage.

        """

    static let statusFileName = "reload.json"

    static func run(_ args: [String]) -> Int32 {
        let parsed: Arguments
        do {
            parsed = try Arguments(args, valued: ["--data", "--timeout"], flags: [])
        } catch {
            Output.stderr("hookrouter reload: \(error); see 'hookrouter reload --help'.\n")
            return ExitCode.usage
        }
        let timeoutText = parsed.value("--timeout") ?? "10s"
        guard parsed.positionals.isEmpty, let timeout = Units.durationMilliseconds(timeoutText) else {
            Output.stderr("hookrouter reload: takes only --data DIR and --timeout DURATION (like 10s); see 'hookrouter reload --help'.\n")
            return ExitCode.usage
        }
        let data = DataDirectory(path: parsed.value("--data") ?? "./data")
        guard let pid = data.runningPID() else {
            Output.stderr("hookrouter reload: no running server found through '\(data.pidFile)'; start 'hookrouter serve --data \(data.path)' or pass its --data.\n")
            return ExitCode.failure
        }
        let statusPath = data.path + "/" + statusFileName
        let before = status(statusPath)?["reloads"]?.numberValue?.text ?? "0"
        guard kill(pid, SIGHUP) == 0 else {
            Output.stderr("hookrouter reload: cannot signal pid \(pid): \(String(cString: strerror(errno))); run as the server's user.\n")
            return ExitCode.failure
        }
        let deadline = WallClock.now().milliseconds + timeout
        while WallClock.now().milliseconds < deadline {
            if let s = status(statusPath), let count = s["reloads"]?.numberValue?.text, count != before {
                let taken = s["taken"]?.boolValue ?? false
                for d in s["diagnostics"]?.arrayValue ?? [] { Output.stderr(render(d) + "\n") }
                if taken {
                    Output.stdout("reloaded: the server took the new routes (generation \(s["generation"]?.numberValue?.text ?? "?")).\n")
                    return ExitCode.ok
                }
                Output.stderr("rejected: the server keeps its running routes; fix the errors above and reload again.\n")
                return ExitCode.failure
            }
            usleep(50_000)
        }
        Output.stderr("hookrouter reload: signalled pid \(pid) but saw no outcome in \(timeoutText); check its log.\n")
        return ExitCode.failure
    }

    private static func status(_ path: String) -> JSONValue? {
        FileSystem.read(path).flatMap { try? JSONValue.parse($0) }
    }

    /// A diagnostic from the status file, rendered as `check` would.
    private static func render(_ d: JSONValue) -> String {
        let place = [d["file"]?.stringValue, d["line"]?.numberValue?.text, d["column"]?.numberValue?.text].compactMap { $0 }.joined(separator: ":")
        return (place.isEmpty ? "" : place + ": ") + "\(d["severity"]?.stringValue ?? "error"): \(d["message"]?.stringValue ?? "")"
    }
}
