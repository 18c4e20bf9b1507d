import HTTPServer
import Rules

/// What the operator console (`/`) reads besides the endpoints the API already had: the running
/// config's generation and last reload, the last hour per minute, and a bulk replay.
extension AdminHandler {
    /// `GET /api/config`: generation, counts, the last reload's outcome with its diagnostics.
    func configView(_ table: RouteTable) -> HTTPResponse {
        var o = JSONObject()
        o["generation"] = .number(JSONNumber(context.config.generation))
        o["directory"] = .string(context.reloader.directory)
        o["sources"] = .number(JSONNumber(table.sources.count))
        o["targets"] = .number(JSONNumber(table.targets.count))
        o["routes"] = .number(JSONNumber(table.routes.count))
        o["subscriptions"] = .number(JSONNumber(table.subscriptions.count))
        o["retention_ms"] = .number(JSONNumber(Int(table.settings.retentionMilliseconds)))
        o["dedup_window_ms"] = .number(JSONNumber(Int(table.settings.dedupWindowMilliseconds)))
        o["last_reload"] = context.reloader.lastOutcome ?? .null
        return AdminAnswer.json(.object(o))
    }

    /// `GET /api/stats/minutes?minutes=60`: events, deliveries and failed attempts per minute, oldest first.
    func minuteStats(_ query: AdminQuery) throws(AdminFailure) -> HTTPResponse {
        var minutes = 60
        if let t = query.text("minutes") {
            guard let n = Int(t), n >= 1, n <= 1440 else { throw .badRequest("minutes takes 1 to 1440, not '\(t)'") }
            minutes = n
        }
        let now = WallClock.now().milliseconds / 60_000
        let first = now - Int64(minutes) + 1
        let store = context.queries
        let counts = try AdminFailure.reading { try store.reads.minutes(since: first * 60_000) }
        let rows: [JSONValue] = (first...now).map { m in
            let c = counts[m] ?? StoreQueries.Minute()
            return .object(JSONObject([("at", .string(Timestamp(milliseconds: m * 60_000).rfc3339)), ("events", .number(JSONNumber(c.events))),
                                       ("deliveries", .number(JSONNumber(c.deliveries))), ("failed_attempts", .number(JSONNumber(c.failed)))]))
        }
        return AdminAnswer.json(.object(JSONObject([("minutes", .array(rows))])))
    }

    /// `POST /api/deliveries/replay?status=dead|orphaned[&target=T]`: `hookrouter replay --status`.
    func bulkReplay(_ query: AdminQuery) throws(AdminFailure) -> HTTPResponse {
        guard let text = query.text("status"), let status = DeliveryStatus(rawValue: text), status == .dead || status == .orphaned else {
            throw .badRequest("status takes dead or orphaned")
        }
        let target = query.text("target")
        let store = context.queries
        let ids = try AdminFailure.reading { try store.writes.replay(status: status, target: target, now: WallClock.now()) }
        if !ids.isEmpty { context.inbox.post(rescan: true) }
        Log.info("deliveries replayed by the admin API", ["status": status.rawValue, "target": target ?? "*", "count": String(ids.count)])
        return AdminAnswer.json(.object(JSONObject([("replayed", .array(ids.map { .number(JSONNumber(Int($0))) }))])))
    }

    /// The console's files: no data in them, so they are served without the token (the page asks
    /// for it and sends it with every API call).
    static func consoleAsset(_ path: String) -> HTTPResponse? {
        let (body, type): ([UInt8], String)
        switch path {
        case "/", "/index.html": (body, type) = (ConsoleAssets.page, "text/html; charset=utf-8")
        case "/console.js": (body, type) = (ConsoleAssets.script, "text/javascript; charset=utf-8")
        case "/console.css": (body, type) = (ConsoleAssets.style, "text/css; charset=utf-8")
        default: return nil
        }
        return HTTPResponse(status: 200, headers: [
            HTTPHeader("Content-Type", type), HTTPHeader("Cache-Control", "no-cache"),
            HTTPHeader("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'"),
            HTTPHeader("X-Content-Type-Options", "nosniff"), HTTPHeader("Referrer-Policy", "no-referrer"),
        ], body: body)
    }
}
