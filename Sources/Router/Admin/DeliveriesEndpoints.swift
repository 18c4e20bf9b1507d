import HTTPServer
import Rules

/// `GET /api/deliveries`, `GET /api/deliveries/{id}`, `POST /api/deliveries/{id}/replay`: the CLI's
/// `deliveries` and `replay` over HTTP, on the same SQL. No body, no header value; a target's
/// response is shown with the event's redacted values and the target's secrets masked.
extension AdminHandler {
    /// Newest first, `limit` per page (default 50); `next_cursor` is the `cursor` of the next page, null on the last.
    func listDeliveries(_ query: AdminQuery, store: AdminStore) throws(AdminFailure) -> HTTPResponse {
        var filter = StoreQueries.Filter()
        do throws(AdminQuery.Invalid) {
            if let text = query.text("status") {
                guard let status = DeliveryStatus(rawValue: text) else {
                    throw AdminQuery.Invalid(detail: "status takes \(DeliveryStatus.allCases.map(\.rawValue).joined(separator: ", ")), not '\(text)'")
                }
                filter.status = status
            }
            filter.limit = try query.limit() + 1
            filter.sinceMilliseconds = try query.since()
            if let text = query.text("cursor") {
                guard let id = Int64(text), id > 0 else { throw AdminQuery.Invalid(detail: "cursor takes the next_cursor of the previous page, not '\(text)'") }
                filter.beforeID = id
            }
        } catch {
            throw .badRequest(error.detail)
        }
        filter.target = query.text("target")
        filter.source = query.text("source")
        filter.eventID = query.text("event")
        var rows = try AdminFailure.reading { try store.reads.deliveries(filter) }
        var next: JSONValue = .null
        if rows.count == filter.limit {
            rows.removeLast()
            if let last = rows.last { next = .string(String(last.id)) }
        }
        return AdminAnswer.json(.object(JSONObject([("items", .array(rows.map(DeliveriesCommand.json))), ("next_cursor", next)])))
    }

    /// One delivery, its event's identity and every attempt (time, status, duration, error, first 1 KiB of the answer).
    func showDelivery(_ id: Int64, store: AdminStore, table: RouteTable) throws(AdminFailure) -> HTTPResponse {
        guard let row = try AdminFailure.reading({ try store.reads.delivery(id: id) }) else {
            throw .notFound("no delivery \(id); list them with GET /api/deliveries")
        }
        let attempts = try AdminFailure.reading { try store.reads.attempts(of: id) }
        let secrets = store.secrets(source: row.source, eventSeq: row.eventSeq, target: row.target, table: table)
        guard case .object(var o) = DeliveriesCommand.json(row) else { return AdminAnswer.json(DeliveriesCommand.json(row)) }
        o["last_error"] = row.lastError.map { .string(Redaction.scrub($0, secrets: secrets)) } ?? .null
        o["attempt_log"] = .array(attempts.map { Self.attemptJSON($0, secrets: secrets, withDelivery: false) })
        return AdminAnswer.json(.object(o))
    }

    /// Same rules as `hookrouter replay ID`: dead and orphaned go back to pending, due now, with a fresh
    /// retry budget; pending is left alone; delivered only with `?force=true`. The engine is nudged to
    /// rescan the store at once instead of at its next second.
    func replayDelivery(_ id: Int64, query: AdminQuery, store: AdminStore) throws(AdminFailure) -> HTTPResponse {
        let force = query.flag("force")
        let result = try AdminFailure.reading {
            try store.writes.replay(ids: [id], force: force, now: WallClock.now())
        }
        if !result.unknown.isEmpty { throw .notFound("no delivery \(id); list them with GET /api/deliveries") }
        if !result.refusedDelivered.isEmpty {
            throw .conflict("delivery \(id) was delivered already; POST /api/deliveries/\(id)/replay?force=true to send it again")
        }
        if !result.alreadyPending.isEmpty {
            return AdminAnswer.json(.object(JSONObject([("id", .number(JSONNumber(Int(id)))), ("replayed", .bool(false)),
                                                        ("detail", .string("delivery \(id) is pending already; it is in the queue"))])))
        }
        context.inbox.post(rescan: true)
        let row = try? store.reads.delivery(id: id)
        Log.emit(.info, "delivery replayed by the admin API", [("source", row?.source ?? ""), ("route", row?.route ?? ""), ("target", row?.target ?? ""),
                                                               ("event_id", row?.eventID ?? ""), ("delivery_id", String(id)), ("force", force ? "yes" : "no")])
        return AdminAnswer.json(.object(JSONObject([("id", .number(JSONNumber(Int(id)))), ("replayed", .bool(true)), ("status", "pending")])))
    }

    static func attemptJSON(_ a: StoreQueries.AttemptRow, secrets: [String], withDelivery: Bool) -> JSONValue {
        var o = JSONObject()
        if withDelivery {
            o["delivery_id"] = .number(JSONNumber(Int(a.deliveryID)))
            o["route"] = .string(a.route)
            o["source"] = .string(a.source)
            o["event_id"] = .string(a.eventID)
        }
        o["attempt"] = .number(JSONNumber(a.attempt))
        o["started_at"] = .string(Timestamp(milliseconds: a.startedMilliseconds).rfc3339)
        o["status"] = a.statusCode.map { .number(JSONNumber($0)) } ?? .null
        o["duration_ms"] = a.durationMilliseconds.map { .number(JSONNumber(Int($0))) } ?? .null
        o["error"] = a.error.map { .string(Redaction.scrub($0, secrets: secrets)) } ?? .null
        o["response"] = .string(Redaction.scrub(String(decoding: a.response.prefix(1024), as: UTF8.self), secrets: secrets))
        // False for a delivery made at its first attempt: nothing was written for it but its outcome.
        o["recorded"] = .bool(a.recorded)
        return .object(o)
    }
}

/// Why an admin endpoint could not answer; each case is one HTTP status with the JSON error shape.
enum AdminFailure: Error {
    case badRequest(String)
    case notFound(String)
    case conflict(String)
    case busy(String)
    /// The store failed (its error's text goes to the log, never to the client).
    case store(String)

    var response: HTTPResponse {
        switch self {
        case .badRequest(let d): return AdminAnswer.error(400, "bad_request", d)
        case .notFound(let d): return AdminAnswer.error(404, "not_found", d)
        case .conflict(let d): return AdminAnswer.error(409, "conflict", d)
        case .busy(let d): return AdminAnswer.error(429, "busy", d, headers: [HTTPHeader("Retry-After", "1")])
        case .store(let e):
            Log.error("admin API cannot read the store", ["error": e])
            return AdminAnswer.error(503, "unavailable", "the store cannot be read now; see the server log")
        }
    }

    /// Runs a store call, turning its error into `.store`.
    static func reading<T>(_ body: () throws -> T) throws(AdminFailure) -> T {
        do {
            return try body()
        } catch {
            throw .store("\(error)")
        }
    }
}
