import HTTPServer
import Rules

/// `/api/webhooks/`: the fiscal system's own webhook API, field for field, mapped onto subscriptions
/// so its clients can point at hookrouter unchanged (README, "Subscriptions API"). Ids are the
/// subscriptions' (`sub-…`), treated as opaque by such clients.
extension AdminHandler {
    /// Fields the fiscal API returns that a client may send back in a PUT: accepted and ignored.
    static let compatReadOnly = ["id", "criado_em", "atualizado_em", "ultima_execucao", "total_execucoes", "total_erros"]
    static let compatFields = ["nome", "url", "eventos", "ativo", "secret_key", "timeout", "retry_count", "headers_customizados"]
    /// A header value the API never shows; sent back, it keeps the value the subscription has.
    static let hiddenHeaderValue = "<oculto>"

    func webhooks(_ request: HTTPRequest, parts: [String], table: RouteTable, responder: Responder) throws(AdminFailure) -> HTTPResponse? {
        let service = context.subscriptions
        let method = request.head.method
        return try answering {
            switch (method, parts.count) {
            case ("GET", 0):
                let totals = try Self.subscriptionTotals(store: context.queries)
                return AdminAnswer.json(.array(try table.subscriptions.map { s throws(AdminFailure) in try compatJSON(s, totals: totals, table: table) }))
            case ("POST", 0):
                let change = try service.create(try compatFields(request.body, id: nil), ifMatch: nil)
                return try compatWritten(change, status: 201)
            case ("GET", 1) where parts[0] == "estatisticas":
                return AdminAnswer.json(try compatStatistics(table))
            case ("GET", 1):
                return AdminAnswer.json(try compatJSON(try subscription(parts[0]), totals: try Self.subscriptionTotals(store: context.queries), table: table))
            case ("PUT", 1), ("PATCH", 1):
                return try compatWritten(try service.update(parts[0], try compatFields(request.body, id: parts[0]), ifMatch: nil), status: 200)
            case ("DELETE", 1):
                _ = try service.delete(parts[0], ifMatch: nil)
                return HTTPResponse(status: 204)
            case ("POST", 2) where parts[1] == "testar":
                _ = try subscription(parts[0])
                return try testTarget(parts[0], body: [], table: table, responder: responder, shape: AdminHandler.compatTestJSON)
            case ("GET", 2) where parts[1] == "logs":
                _ = try subscription(parts[0])
                let page = try targetLogPage(parts[0], query: AdminQuery(request.head), store: context.queries, table: table)
                return AdminAnswer.json(.array((page["items"]?.arrayValue ?? []).map(Self.compatLogJSON)))
            default:
                return AdminAnswer.error(405, "method_not_allowed", "\(method) is not served at \(request.head.path)")
            }
        }
    }

    private func subscription(_ id: String) throws(SubscriptionService.Failure) -> Subscription {
        guard let s = context.config.table.subscriptions.first(where: { $0.id == id }) else { throw .notFound("no webhook '\(id)'") }
        return s
    }

    private func compatWritten(_ change: SubscriptionService.Change, status: Int) throws(AdminFailure) -> HTTPResponse {
        let id = change.entry?["id"]?.stringValue ?? ""
        let table = context.config.table
        guard let s = table.subscriptions.first(where: { $0.id == id }) else {
            return AdminAnswer.error(500, "not_reloaded", "the subscriptions file was written but the running config did not take it; see the server log")
        }
        return AdminAnswer.json(try compatJSON(s, totals: try Self.subscriptionTotals(store: context.queries), table: table), status: status)
    }

    /// The fiscal API's request fields as subscription fields. `timeout` is in seconds (30 when a new
    /// one leaves it out), `retry_count` 3, `eventos` comma-separated, `headers_customizados` an object
    /// (or its JSON text); a header sent back as `<oculto>` keeps its value.
    private func compatFields(_ body: [UInt8], id: String?) throws(SubscriptionService.Failure) -> SubscriptionFields {
        guard let value = try? JSONValue.parse(body), case .object(let o) = value else {
            throw .invalid("send a JSON object with " + Self.compatFields.joined(separator: ", "), [])
        }
        if let unknown = o.keys.first(where: { !Self.compatFields.contains($0) && !Self.compatReadOnly.contains($0) }) {
            throw .invalid("campo desconhecido '\(unknown)'; os campos são " + Self.compatFields.joined(separator: ", "), [])
        }
        var canonical = JSONObject()
        for (from, to) in [("nome", "name"), ("url", "url"), ("eventos", "events"), ("ativo", "active"), ("timeout", "timeout"), ("retry_count", "retry_count")] {
            if let v = o[from] { canonical[to] = v }
        }
        if let v = o["secret_key"] {
            canonical["secret"] = (v.stringValue ?? "").isEmpty ? .null : v
        }
        if let v = o["headers_customizados"] {
            var headers: JSONValue = v
            if case .string(let text) = v { headers = text.isEmpty ? .object(JSONObject()) : ((try? JSONValue.parse(Array(text.utf8))) ?? v) }
            if case .null = headers { headers = .object(JSONObject()) }
            if let id, case .object(let h) = headers, h.contains(where: { $0.value.stringValue == Self.hiddenHeaderValue }) {
                let current = (try? context.subscriptions.entry(id))??.0["headers"]?.objectValue ?? JSONObject()
                headers = .object(JSONObject(h.map { k, v in
                    (k, v.stringValue == Self.hiddenHeaderValue ? .string(SubscriptionFields.unescaped(current[k]?.stringValue ?? "")) : v)
                }))
            }
            canonical["headers"] = headers
        }
        if id == nil {
            if canonical["timeout"] == nil { canonical["timeout"] = .number(JSONNumber(30)) }
            if canonical["retry_count"] == nil { canonical["retry_count"] = .number(JSONNumber(3)) }
        }
        do { return try SubscriptionFields(json: Array(JSONValue.object(canonical).serialized.utf8)) } catch { throw .invalid(error.detail, []) }
    }

    /// One webhook in the fiscal API's shape, with its execution totals.
    private func compatJSON(_ s: Subscription, totals: SubscriptionTotals, table: RouteTable) throws(AdminFailure) -> JSONValue {
        let counts = totals.byStatus[s.id] ?? [:]
        let executions = counts.values.reduce(0, +)
        let errors = (counts["dead"] ?? 0) + (counts["orphaned"] ?? 0)
        let last = try lastExecution(s.id, table: table)
        var o = JSONObject()
        o["id"] = .string(s.id)
        o["nome"] = .string(SubscriptionFields.unescaped(s.name))
        o["url"] = .string(SubscriptionFields.unescaped(s.url))
        o["eventos"] = .string(s.events.map(SubscriptionFields.unescaped).joined(separator: ","))
        o["ativo"] = .bool(s.active)
        o["timeout"] = .number(JSONNumber(Int(s.timeoutMilliseconds / 1000)))
        o["retry_count"] = .number(JSONNumber(s.retryCount))
        o["headers_customizados"] = .object(JSONObject(s.headerNames.map { ($0, .string(Self.hiddenHeaderValue)) }))
        o["criado_em"] = s.created.map { .string($0) } ?? .null
        o["atualizado_em"] = s.updated.map { .string($0) } ?? .null
        o["ultima_execucao"] = last.map { .string($0) } ?? .null
        o["total_execucoes"] = .number(JSONNumber(executions))
        o["total_erros"] = .number(JSONNumber(errors))
        return .object(o)
    }

    /// When the subscription's target was last attempted (its newest log line).
    private func lastExecution(_ id: String, table: RouteTable) throws(AdminFailure) -> String? {
        let page = try targetLogPage(id, query: AdminQuery(target: "/?limit=1"), store: context.queries, table: table)
        return page["items"]?.arrayValue?.first?.objectValue?["started_at"]?.stringValue
    }

    private func compatStatistics(_ table: RouteTable) throws(AdminFailure) -> JSONValue {
        let totals = try Self.subscriptionTotals(store: context.queries)
        var executions = 0, errors = 0, delivered = 0
        for s in table.subscriptions {
            let c = totals.byStatus[s.id] ?? [:]
            executions += c.values.reduce(0, +)
            errors += (c["dead"] ?? 0) + (c["orphaned"] ?? 0)
            delivered += c["delivered"] ?? 0
        }
        var o = JSONObject()
        o["total_webhooks"] = .number(JSONNumber(table.subscriptions.count))
        o["webhooks_ativos"] = .number(JSONNumber(table.subscriptions.filter(\.active).count))
        o["total_execucoes"] = .number(JSONNumber(executions))
        o["total_erros"] = .number(JSONNumber(errors))
        // A percentage with two decimals, as the fiscal system's statistics page shows it.
        o["taxa_sucesso"] = executions == 0 ? .null : (JSONNumber(Self.fixedPoint(delivered, executions, times: 100, decimals: 2)).map(JSONValue.number) ?? .null)
        return .object(o)
    }

    static func compatTestJSON(_ test: TestDelivery, _ outcome: TestDelivery.Outcome) -> JSONValue {
        guard case .object(let o) = testJSON(test, outcome) else { return .null }
        return .object(JSONObject([("sucesso", o["succeeded"] ?? .bool(false)), ("status_code", o["status"] ?? .null),
                                   ("tempo_resposta_ms", o["duration_ms"] ?? .null), ("resposta", o["response"] ?? .null), ("erro", o["error"] ?? .null)]))
    }

    static func compatLogJSON(_ item: JSONValue) -> JSONValue {
        let o = item.objectValue ?? JSONObject()
        let status = o["status"]?.numberValue?.intValue
        // A first-attempt success keeps no status code (README, "What is kept of a delivery"): it succeeded.
        let succeeded = o["recorded"]?.boolValue == false || status.map { (200..<300).contains($0) } ?? false
        return .object(JSONObject([
            ("id", o["delivery_id"] ?? .null), ("evento", o["event_id"] ?? .null), ("data_execucao", o["started_at"] ?? .null),
            ("status_code", o["status"] ?? .null), ("sucesso", .bool(succeeded)),
            ("tempo_resposta_ms", o["duration_ms"] ?? .null), ("erro", o["error"] ?? .null), ("tentativa", o["attempt"] ?? .null),
        ]))
    }
}
