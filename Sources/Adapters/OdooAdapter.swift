import Rules

/// Odoo: custom modules post `event_type`/`event` with an API key header; core Odoo 17 posts
/// `_model`/`_action` with no header at all, so its only secret may be its path (and `allow_ips`).
struct OdooKind: AdapterKind {
    let name = "odoo"
    let configKeys = ["auth", "id"]
    /// `_model` types are open-ended (any Odoo model), so no list can say a route's type is unknown.
    let eventTypes: [String] = []

    func make(_ config: MappingReader, source: String) -> (any WebhookAdapter)? {
        var header: (String, [Secret])?
        if let auth = config.mapping("auth", subject: "'auth' of \(config.subject)") {
            auth.checkKeys(["header"])
            if let h = auth.mapping("header", subject: "'auth.header' of \(config.subject)") {
                h.checkKeys(["name", "value"])
                guard let name = h.string("name", required: true), let value = h.secrets("value", required: true) else { return nil }
                header = (name.lowercased(), value)
            }
        } else if !config.has("allow_ips") {
            config.context.warning("unauthenticated", "\(config.subject) has no 'auth' and no 'allow_ips'; its only secret is its path, so keep the path long and random", at: config.location(of: "adapter"))
        }
        guard let id = IDSource.read(config) else { return nil }
        return OdooAdapter(header: header, id: id)
    }
}

struct OdooAdapter: WebhookAdapter {
    let header: (name: String, secrets: [Secret])?
    let id: IDSource
    var credentialHeaders: [String] { header.map { [$0.name] } ?? [] }
    let credentialFields: [FieldPath] = []

    var bodyPaths: [FieldPath]? { AdapterSupport.paths("event_type", "event", "_model", "_action") + id.bodyPaths }

    func receive(_ request: InboundRequest, source: String, now: Timestamp) throws(AdapterError) -> Event {
        if let header {
            guard let given = request.header(header.name) else { throw .unauthorized("missing \(header.name) header") }
            guard AdapterSupport.matchesAny(Array(given.utf8), header.secrets) else { throw .unauthorized("API key does not match") }
        }
        let data = try AdapterSupport.parseObject(request)
        let type = [data["event_type"], data["event"], data["_model"]].lazy.compactMap { $0?.stringValue }.first { !$0.isEmpty } ?? source
        var attributes = JSONObject()
        if let model = data["_model"]?.stringValue { attributes["model"] = .string(model) }
        if let action = data["_action"]?.stringValue, let n = Self.actionID(action) { attributes["action_id"] = .number(JSONNumber(n)) }
        return AdapterSupport.event(request, source: source, type: type, id: id.id(request, data), time: nil, now: now,
                                    attributes: attributes, data: data, dropping: credentialHeaders)
    }

    /// 412 from "Notify BI(#412)".
    static func actionID(_ action: String) -> Int? {
        guard let open = action.lastIndex(of: "#"), action.hasSuffix(")") else { return nil }
        return Int(action[action.index(after: open)..<action.index(before: action.endIndex)])
    }

    func sign(_ request: inout InboundRequest, now: Timestamp) {
        if let header, let s = header.secrets.first { request.setHeader(header.name, s.text) }
    }
}
