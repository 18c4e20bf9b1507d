import HTTPServer
import Rules

/// `/api/subscriptions`: webhooks managed at runtime, kept as YAML (see `SubscriptionService`).
/// Every answer carries the file's version as `ETag`; a write with `If-Match` is refused with 409
/// when the file changed since.
extension AdminHandler {
    func subscriptions(_ request: HTTPRequest, parts: [String], table: RouteTable, responder: Responder) throws(AdminFailure) -> HTTPResponse? {
        let service = context.subscriptions
        let method = request.head.method
        let ifMatch = request.head.header("if-match").map { $0.trimmingCharacters(in: " \t\"") }
        func answer(_ status: Int, _ value: JSONValue, version: String) -> HTTPResponse {
            var r = AdminAnswer.json(value, status: status)
            r.headers.append(HTTPHeader("ETag", "\"\(version)\""))
            return r
        }
        return try answering {
            switch (method, parts.count) {
            case ("GET", 0):
                let totals = try Self.subscriptionTotals(store: context.queries)
                let list = table.subscriptions.map { Self.subscriptionJSON($0, totals: totals) }
                return answer(200, .object(JSONObject([("subscriptions", .array(list))])), version: try service.version())
            case ("POST", 0):
                let change = try service.create(try Self.fields(request.body), ifMatch: ifMatch)
                return try written(change, status: 201, answer: answer)
            case ("GET", 1):
                guard let s = context.config.table.subscriptions.first(where: { $0.id == parts[0] }) else { throw SubscriptionService.Failure.notFound("no subscription '\(parts[0])'") }
                return answer(200, Self.subscriptionJSON(s, totals: try Self.subscriptionTotals(store: context.queries)), version: try service.version())
            case ("PUT", 1), ("PATCH", 1):
                return try written(try service.update(parts[0], try Self.fields(request.body), ifMatch: ifMatch), status: 200, answer: answer)
            case ("DELETE", 1):
                let change = try service.delete(parts[0], ifMatch: ifMatch)
                return answer(200, .object(JSONObject([("deleted", .string(parts[0]))])), version: change.version)
            case ("POST", 2) where parts[1] == "test":
                guard table.subscriptions.contains(where: { $0.id == parts[0] }) else { throw SubscriptionService.Failure.notFound("no subscription '\(parts[0])'") }
                return try testTarget(parts[0], body: request.body, table: table, responder: responder)
            case ("GET", 2) where parts[1] == "logs":
                guard table.subscriptions.contains(where: { $0.id == parts[0] }) else { throw SubscriptionService.Failure.notFound("no subscription '\(parts[0])'") }
                return try targetLog(parts[0], query: AdminQuery(request.head), store: context.queries, table: table)
            default:
                return AdminAnswer.error(405, "method_not_allowed", "\(method) is not served at \(request.head.path)")
            }
        }
    }

    /// Runs an endpoint whose steps throw the subscription service's failures (answered here) or the
    /// admin API's (thrown on, answered by the caller).
    func answering(_ body: () throws -> HTTPResponse?) throws(AdminFailure) -> HTTPResponse? {
        do {
            return try body()
        } catch let failure as SubscriptionService.Failure {
            return Self.failure(failure)
        } catch let failure as AdminFailure {
            throw failure
        } catch {
            return AdminAnswer.error(500, "internal", "unexpected error: \(error); see the server log")
        }
    }

    /// The answer to a create or update: the subscription as the reloaded table has it.
    private func written(_ change: SubscriptionService.Change, status: Int, answer: (Int, JSONValue, String) -> HTTPResponse) throws(AdminFailure) -> HTTPResponse {
        let id = change.entry?["id"]?.stringValue ?? ""
        guard let s = context.config.table.subscriptions.first(where: { $0.id == id }) else {
            return AdminAnswer.error(500, "not_reloaded", "the subscriptions file was written but the running config did not take it; see the server log")
        }
        var r = answer(status, Self.subscriptionJSON(s, totals: try Self.subscriptionTotals(store: context.queries)), change.version)
        if status == 201 { r.headers.append(HTTPHeader("Location", "/api/subscriptions/\(id)")) }
        return r
    }

    static func fields(_ body: [UInt8]) throws(SubscriptionService.Failure) -> SubscriptionFields {
        do { return try SubscriptionFields(json: body) } catch { throw .invalid(error.detail, []) }
    }

    static func failure(_ error: SubscriptionService.Failure) -> HTTPResponse {
        switch error {
        case .invalid(let detail, let diagnostics):
            var o = JSONObject([("error", .string("invalid")), ("detail", .string(detail))])
            o["diagnostics"] = .array(diagnostics.map { .string($0.description) })
            return AdminAnswer.json(.object(o), status: 422)
        case .notFound(let d): return AdminAnswer.error(404, "not_found", d)
        case .conflict(let d): return AdminAnswer.error(409, "conflict", d)
        case .unavailable(let d): return AdminAnswer.error(503, "unavailable", d, headers: [HTTPHeader("Retry-After", "5")])
        }
    }

    /// Per target: deliveries kept in the store by status, and the last attempt's time.
    struct SubscriptionTotals {
        var byStatus: [String: [String: Int]] = [:]
    }

    static func subscriptionTotals(store: AdminStore) throws(AdminFailure) -> SubscriptionTotals {
        let c = try AdminFailure.reading { try store.reads.stats(since: WallClock.now().milliseconds) }
        var totals = SubscriptionTotals()
        for (pair, n) in c.deliveries { totals.byStatus[pair.name, default: [:]][pair.status] = n }
        return totals
    }

    /// A subscription as the API shows it: never its secret, never its header values.
    static func subscriptionJSON(_ s: Subscription, totals: SubscriptionTotals) -> JSONValue {
        var o = JSONObject()
        o["id"] = .string(s.id)
        o["name"] = .string(SubscriptionFields.unescaped(s.name))
        o["url"] = .string(SubscriptionFields.unescaped(s.url))
        o["from"] = .array(s.sources.map { .string($0) })
        o["events"] = .array(s.events.map { .string(SubscriptionFields.unescaped($0)) })
        o["active"] = .bool(s.active)
        o["has_secret"] = .bool(s.hasSecret)
        o["timeout_ms"] = .number(JSONNumber(Int(s.timeoutMilliseconds)))
        o["retry_count"] = .number(JSONNumber(s.retryCount))
        o["headers"] = .array(s.headerNames.map { .string($0) })
        o["created_at"] = s.created.map { .string($0) } ?? .null
        o["updated_at"] = s.updated.map { .string($0) } ?? .null
        let counts = totals.byStatus[s.id] ?? [:]
        var d = JSONObject()
        for status in DeliveryStatus.allCases { d[status.rawValue] = .number(JSONNumber(counts[status.rawValue] ?? 0)) }
        o["deliveries"] = .object(d)
        o["file"] = .string(s.location.description)
        return .object(o)
    }
}
