import Rules

/// Uazapi: the instance token in the body's `token` field; no signature exists.
struct UazapiKind: AdapterKind {
    let name = "uazapi"
    let configKeys = ["auth"]
    let eventTypes = ["messages", "messages_update", "connection", "call", "contacts", "presence", "groups", "labels",
                      "chats", "chat_labels", "blocks", "leads", "history", "sender"]

    func make(_ config: MappingReader, source: String) -> (any WebhookAdapter)? {
        guard let auth = config.mapping("auth", subject: "'auth' of \(config.subject)") else {
            config.context.error("missing-key", "\(config.subject) needs 'auth: { token: … }' (the instance token Uazapi puts in the body)", at: config.location)
            return nil
        }
        auth.checkKeys(["token"])
        guard let tokens = auth.secrets("token", required: true) else { return nil }
        return UazapiAdapter(tokens: tokens)
    }
}

struct UazapiAdapter: WebhookAdapter {
    let tokens: [Secret]
    let credentialHeaders: [String] = []
    let credentialFields = AdapterSupport.paths("token")

    var bodyPaths: [FieldPath]? {
        AdapterSupport.paths("token", "EventType", "instanceName", "owner", "state", "message.fromMe", "message.wasSentByApi", "message.id", "message.status", "message.messageTimestamp")
    }

    func receive(_ request: InboundRequest, source: String, now: Timestamp) throws(AdapterError) -> Event {
        // The credential is inside the body, so the body must parse before it can be checked.
        let data = try AdapterSupport.parseObject(request)
        guard let token = data["token"]?.stringValue else { throw .unauthorized("missing token") }
        guard AdapterSupport.matchesAny(Array(token.utf8), tokens) else { throw .unauthorized("token does not match") }
        guard let type = data["EventType"]?.stringValue, !type.isEmpty else { throw .badRequest("missing EventType") }
        let message = data["message"]
        var attributes = JSONObject()
        if let instance = AdapterSupport.text(data["instanceName"] ?? data["owner"]) { attributes["instance"] = .string(instance) }
        if let fromMe = message?["fromMe"]?.boolValue ?? message?["wasSentByApi"]?.boolValue { attributes["from_me"] = .bool(fromMe) }
        var id = AdapterSupport.text(message?["id"]).map { "\(type):\($0)" } ?? AdapterSupport.bodyHash(request.body)
        if type == "messages_update", let status = AdapterSupport.text(message?["status"] ?? data["state"]) { id += ":\(status)" }
        let time = AdapterSupport.epoch(message?["messageTimestamp"], milliseconds: true)
        return AdapterSupport.event(request, source: source, type: type, id: id, time: time, now: now,
                                    attributes: attributes, data: data, dropping: credentialHeaders)
    }

    /// The token travels in the body; a test body carries its own.
    func sign(_ request: inout InboundRequest, now: Timestamp) {}
}
