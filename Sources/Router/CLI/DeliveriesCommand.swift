import Rules

/// `hookrouter deliveries`: lists deliveries from the store, newest first (SPEC §1).
enum DeliveriesCommand: Command {
    static let name = "deliveries"
    static let summary = "list deliveries from the store"
    static let usage = """
        Usage: hookrouter deliveries [--data DIR | --store URL] [--status S] [--target T] [--event ID] [--limit N] [--format text|json]

        Lists deliveries newest first, each with its event (source, id, type) and its last attempt
        (status code, error, time). Bodies and header values are never shown. Reads the store while
        the server runs.

        Options:
          --data DIR           the data directory of 'hookrouter serve' (default ./data)
          --store URL          the PostgreSQL store (postgres://…; default $HOOKROUTER_STORE)
          --status S           pending, delivered, dead or orphaned
          --target T           only deliveries to target T
          --event ID           only deliveries of the event with this id
          --limit N            at most N rows (default 50)
          --format text|json   aligned columns (default) or a JSON array

        Exit: 0, 1 when the store cannot be opened, 2 usage.

        """

    static func run(_ args: [String]) -> Int32 {
        let parsed: Arguments
        do {
            parsed = try Arguments(args, valued: CommandStore.options.union(["--status", "--target", "--event", "--limit", "--format"]), flags: [])
        } catch {
            return usageError("\(error)")
        }
        guard parsed.positionals.isEmpty else { return usageError("unexpected argument '\(parsed.positionals[0])'") }
        var filter = StoreQueries.Filter()
        if let text = parsed.value("--status") {
            guard let status = DeliveryStatus(rawValue: text) else {
                return usageError("--status takes \(DeliveryStatus.allCases.map(\.rawValue).joined(separator: ", ")), not '\(text)'")
            }
            filter.status = status
        }
        if let text = parsed.value("--limit") {
            guard let n = Int(text), n > 0 else { return usageError("--limit takes a positive number, not '\(text)'") }
            filter.limit = n
        }
        let format = parsed.value("--format") ?? "text"
        guard format == "text" || format == "json" else { return usageError("--format takes text or json, not '\(format)'") }
        filter.target = parsed.value("--target")
        filter.eventID = parsed.value("--event")

        let rows: [StoreQueries.DeliveryRow]
        let store: CommandStore
        do {
            store = try CommandStore.open(parsed, writable: false)
        } catch {
            return failure(error.description)
        }
        let queries = store.queries
        do {
            rows = try queries.deliveries(filter)
        } catch {
            return failure("cannot read deliveries in \(store.place): \(error)")
        }
        if format == "json" {
            Output.stdout(JSONValue.array(rows.map(json)).serialized + "\n")
        } else {
            Output.stdout(text(rows))
            if rows.isEmpty, let target = filter.target, let known = try? queries.targetNames(), !known.contains(target) {
                Output.stderr("hookrouter deliveries: no delivery was ever made to target '\(target)'\(Suggestion.hint(for: target, in: known)).\n")
            }
        }
        return ExitCode.ok
    }

    static func json(_ r: StoreQueries.DeliveryRow) -> JSONValue {
        func time(_ ms: Int64?) -> JSONValue { ms.map { .string(Timestamp(milliseconds: $0).rfc3339) } ?? .null }
        func int(_ v: Int64?) -> JSONValue { v.map { .number(JSONNumber(Int($0))) } ?? .null }
        return .object(JSONObject([
            ("id", int(r.id)), ("status", .string(r.status)), ("target", .string(r.target)), ("route", .string(r.route)),
            ("source", .string(r.source)), ("event_id", .string(r.eventID)), ("type", .string(r.type)),
            ("attempts", int(Int64(r.attempts))), ("created_at", time(r.createdMilliseconds)), ("updated_at", time(r.updatedMilliseconds)),
            ("next_attempt_at", time(r.nextAttemptMilliseconds)), ("last_status", int(r.lastStatusCode.map(Int64.init))),
            ("last_error", r.lastError.map(JSONValue.string) ?? .null), ("last_attempt_at", time(r.lastAttemptMilliseconds)),
            ("last_duration_ms", int(r.lastDurationMilliseconds)),
        ]))
    }

    static let headings = ["ID", "STATUS", "TRIES", "TARGET", "ROUTE", "SOURCE", "EVENT", "TYPE", "LAST", "LAST ATTEMPT", "NEXT", "ERROR"]

    /// Aligned columns; the error column last and unpadded, since it is the long one.
    static func text(_ rows: [StoreQueries.DeliveryRow]) -> String {
        guard !rows.isEmpty else { return "no deliveries\n" }
        func time(_ ms: Int64?) -> String { ms.map { Timestamp(milliseconds: $0).rfc3339 } ?? "-" }
        let table = [headings] + rows.map { r in
            [String(r.id), r.status, String(r.attempts), r.target, r.route, r.source, r.eventID, r.type,
             r.lastStatusCode.map(String.init) ?? "-", time(r.lastAttemptMilliseconds), time(r.nextAttemptMilliseconds),
             r.lastError.map(oneLine) ?? ""]
        }
        var widths = [Int](repeating: 0, count: headings.count)
        for line in table { for (i, cell) in line.enumerated() { widths[i] = max(widths[i], cell.count) } }
        var out = ""
        for line in table {
            var cells: [String] = []
            for (i, cell) in line.enumerated() {
                cells.append(i == line.count - 1 ? cell : cell + String(repeating: " ", count: widths[i] - cell.count))
            }
            var l = cells.joined(separator: "  ")
            while l.last == " " { l.removeLast() }
            out += l + "\n"
        }
        return out
    }

    /// Error texts come from libcurl and targets: keep each on one line of the table.
    static func oneLine(_ s: String) -> String {
        String(s.map { $0 == "\n" || $0 == "\r" || $0 == "\t" ? " " : $0 })
    }
}
