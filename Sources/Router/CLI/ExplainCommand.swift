import Rules

/// `hookrouter explain [DIR] --source NAME [--header 'K: V']... FILE` (SPEC §1).
enum ExplainCommand: Command {
    static let name = "explain"
    static let summary = "dry-run a payload through a source and the routes"
    static let usage = """
        Usage: hookrouter explain [DIR] --source NAME [--header 'K: V']... [--now TIME] [--path-suffix S] [--remote-addr IP] FILE

        Verifies and normalises FILE's exact bytes as if they had been posted to source NAME of the
        route files in DIR (default ./routes.d), then prints the event (redacted), every route of the
        source with why it did or did not match, and the exact request each target would get,
        signature included. Nothing is sent and nothing is stored.

        Nothing is signed for you: the request must carry the credential the provider would send.
        Headers come from --header; with no --header, from FILE's sibling '.headers' file when there
        is one (orders-paid.json -> orders-paid.headers, one 'Name: value' per line).

        Options:
          --source NAME        the source the request arrives at (required)
          --header 'K: V'      a request header; repeat for more
          --now TIME           the clock, as unix seconds or RFC 3339 (default: now); time-bound
                               credentials (Standard Webhooks, Evolution JWT) are checked against it
          --path-suffix S      with by_events, what follows the source's path (messages-upsert)
          --remote-addr IP     the client address checked against allow_ips (default 127.0.0.1)

        Exit: 0 accepted, 1 rejected (the reason is printed), 2 usage.

        """

    static func run(_ args: [String]) -> Int32 {
        let parsed: Arguments
        do {
            parsed = try Arguments(args, valued: ["--source", "--header", "--now", "--path-suffix", "--remote-addr", "--config"], flags: [])
        } catch {
            return usageError("\(error)")
        }
        let directory: String, file: String
        switch parsed.positionals.count {
        case 1: (directory, file) = (parsed.value("--config") ?? "./routes.d", parsed.positionals[0])
        case 2: (directory, file) = (parsed.positionals[0], parsed.positionals[1])
        default: return usageError("takes [DIR] and one FILE, got \(parsed.positionals.count) arguments")
        }
        guard let sourceName = parsed.value("--source") else { return usageError("--source NAME is required") }
        var now = WallClock.now()
        if let text = parsed.value("--now") {
            guard let t = parseTime(text) else { return usageError("--now takes unix seconds or RFC 3339 time, not '\(text)'") }
            now = t
        }

        var headers: [HTTPField] = []
        var origin = "from --header"
        do {
            for line in parsed.values("--header") { headers.append(try HeaderLines.parse(line)) }
        } catch {
            return usageError("--header \(error)")
        }
        if parsed.values("--header").isEmpty {
            let sibling = headersFile(for: file)
            if FileSystem.isRegularFile(sibling) {
                guard let bytes = FileSystem.read(sibling) else { return failure("cannot read '\(sibling)'; check its permissions") }
                do { headers = try HeaderLines.parse(file: bytes) } catch { return failure("\(sibling): \(error)") }
                origin = "from \(sibling)"
            } else {
                origin = "(no --header and no \(sibling))"
            }
        }
        guard FileSystem.isRegularFile(file), let body = FileSystem.read(file) else {
            return failure("cannot read payload file '\(file)'; pass the path of the exact body bytes")
        }

        guard let table = ConfigLoading.table(directory: directory, command: "explain", showWarnings: false) else { return ExitCode.failure }
        guard let index = table.sourceIndex(named: sourceName) else {
            let hint = Suggestion.hint(for: sourceName, in: table.sources.map(\.name))
            return usageError("unknown source '\(sourceName)'\(hint); sources are \(table.sources.map(\.name).joined(separator: ", "))")
        }
        let source = table.sources[index]
        let suffix = parsed.value("--path-suffix")
        let request = InboundRequest(path: Reception.path(of: source, suffix: suffix), pathSuffix: suffix, headers: headers, body: body,
                                     remoteAddress: parsed.value("--remote-addr") ?? "127.0.0.1")
        let explanation = Explanation(table: table, source: source, request: request, headerOrigin: origin, now: now)
        Output.stdout(explanation.text)
        if let rejection = explanation.rejection {
            Output.stderr("hookrouter explain: source '\(source.name)' would answer \(rejection.status) to \(file): \(rejection).\n")
            return ExitCode.failure
        }
        return ExitCode.ok
    }

    /// `x.json` → `x.headers`; any other name gets `.headers` appended.
    static func headersFile(for file: String) -> String {
        file.hasSuffix(".json") ? String(file.dropLast(5)) + ".headers" : file + ".headers"
    }

    static func parseTime(_ text: String) -> Timestamp? {
        if let seconds = Int64(text) { return Timestamp(seconds: seconds) }
        return Timestamp(rfc3339: text)
    }
}
