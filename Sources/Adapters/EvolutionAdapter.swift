import Rules

/// Evolution API v2: no signature of its own; one or more of a static header, an HS256 JWT, the body
/// `apikey`, or a hex HMAC in a gateway's `X-Signature`. All configured must hold.
struct EvolutionKind: AdapterKind {
    let name = "evolution"
    let configKeys = ["auth", "by_events"]
    static let dotted = [
        "application.startup", "qrcode.updated", "connection.update", "messages.set", "messages.upsert", "messages.edited",
        "messages.update", "messages.delete", "send.message", "send.message.update", "contacts.set", "contacts.upsert",
        "contacts.update", "presence.update", "chats.set", "chats.update", "chats.upsert", "chats.delete", "groups.upsert",
        "groups.update", "group-participants.update", "call", "typebot.start", "typebot.change.status", "labels.edit",
        "labels.association", "logout.instance", "remove.instance",
    ]
    /// The older gateway format's events, kept as they are.
    static let legacy = ["message", "reaction", "message_deleted", "delivery_status", "read_status"]
    var eventTypes: [String] { Self.dotted + Self.legacy }

    func make(_ config: MappingReader, source: String) -> (any WebhookAdapter)? {
        guard let auth = config.mapping("auth", subject: "'auth' of \(config.subject)") else {
            config.context.error("missing-key", "\(config.subject) needs 'auth' with at least one of header, jwt_key, apikey, signature", at: config.location)
            return nil
        }
        auth.checkKeys(["header", "jwt_key", "apikey", "signature"])
        var checks = EvolutionAdapter.Checks()
        if let h = auth.mapping("header", subject: "'auth.header' of \(config.subject)") {
            h.checkKeys(["name", "value"])
            if let n = h.string("name", required: true), let v = h.secrets("value", required: true) { checks.header = (n.lowercased(), v) }
        }
        checks.jwtKeys = auth.secrets("jwt_key")
        checks.apikeys = auth.secrets("apikey")
        if let s = auth.mapping("signature", subject: "'auth.signature' of \(config.subject)") {
            s.checkKeys(["header", "secret"])
            if let v = s.secrets("secret", required: true) { checks.signature = ((s.string("header") ?? "X-Signature").lowercased(), v) }
        }
        guard checks.header != nil || checks.jwtKeys != nil || checks.apikeys != nil || checks.signature != nil else {
            if !config.context.diagnostics.hasErrors {
                config.context.error("value", "'auth' of \(config.subject) needs at least one of header, jwt_key, apikey, signature", at: auth.location)
            }
            return nil
        }
        return EvolutionAdapter(checks: checks)
    }
}

struct EvolutionAdapter: WebhookAdapter {
    struct Checks: Sendable {
        var header: (name: String, secrets: [Secret])?
        var jwtKeys: [Secret]?
        var apikeys: [Secret]?
        var signature: (header: String, secrets: [Secret])?
    }

    let checks: Checks
    var credentialHeaders: [String] { [checks.header?.name, checks.signature?.header, "authorization"].compactMap { $0 } }
    let credentialFields = AdapterSupport.paths("apikey")

    var bodyPaths: [FieldPath]? {
        AdapterSupport.paths("apikey", "event", "instance", "data.key.fromMe", "data.key.id", "data.fromMe", "data.keyId", "data.status", "data.message.id", "data.messageTimestamp")
    }

    func receive(_ request: InboundRequest, source: String, now: Timestamp) throws(AdapterError) -> Event {
        if let h = checks.header {
            guard let v = request.header(h.name) else { throw .unauthorized("missing \(h.name) header") }
            guard AdapterSupport.matchesAny(Array(v.utf8), h.secrets) else { throw .unauthorized("header value does not match") }
        }
        if let s = checks.signature {
            guard let v = request.header(s.header), let given = Hex.decode(v) else { throw .unauthorized("missing \(s.header) header") }
            guard s.secrets.contains(where: { ConstantTime.equals(given, Digest.hmac(.sha256, key: $0.bytes, message: request.body)) }) else {
                throw .unauthorized("signature does not match")
            }
        }
        if let keys = checks.jwtKeys {
            guard let auth = request.header("authorization"), auth.hasPrefix("Bearer ") else { throw .unauthorized("missing Bearer token") }
            try JWT.verifyHS256(String(auth.dropFirst(7)), keys: keys, now: now)
        }
        let data = try AdapterSupport.parseObject(request)
        if let keys = checks.apikeys {
            guard let key = data["apikey"]?.stringValue else { throw .unauthorized("missing apikey") }
            guard AdapterSupport.matchesAny(Array(key.utf8), keys) else { throw .unauthorized("apikey does not match") }
        }
        guard let type = Self.type(data["event"]?.stringValue, suffix: request.pathSuffix) else { throw .badRequest("missing event") }
        let payload = data["data"]
        let instance = AdapterSupport.text(data["instance"]) ?? ""
        var attributes = JSONObject()
        attributes["instance"] = .string(instance)
        if let fromMe = payload?["key"]?["fromMe"]?.boolValue ?? payload?["fromMe"]?.boolValue { attributes["from_me"] = .bool(fromMe) }
        let id: String
        if type == "messages.update", let keyId = AdapterSupport.text(payload?["keyId"] ?? payload?["key"]?["id"]) {
            id = "\(instance):\(keyId):\(AdapterSupport.text(payload?["status"]) ?? "")"
        } else if let keyId = AdapterSupport.text(payload?["key"]?["id"] ?? payload?["message"]?["id"]) {
            id = "\(instance):\(type):\(keyId)"
        } else {
            id = AdapterSupport.bodyHash(request.body)
        }
        // date_time is server local time labelled Z; the message's own timestamp (seconds) is right.
        let time = AdapterSupport.epoch(payload?["messageTimestamp"], milliseconds: false)
        return AdapterSupport.event(request, source: source, type: type, id: id, time: time, now: now,
                                    attributes: attributes, data: data, dropping: credentialHeaders)
    }

    /// `MESSAGES_UPSERT`, `messages.upsert` and the by-events suffix `messages-upsert` all mean `messages.upsert`.
    static func type(_ event: String?, suffix: String?) -> String? {
        guard let raw = event.flatMap({ $0.isEmpty ? nil : $0 }) ?? suffix else { return nil }
        let lower = raw.lowercased()
        if EvolutionKind.legacy.contains(lower) || EvolutionKind.dotted.contains(lower) { return lower }
        let canonical = lower.replacingOccurrences("_", ".").replacingOccurrences("-", ".")
        return EvolutionKind.dotted.first { $0.replacingOccurrences("-", ".") == canonical } ?? canonical
    }

    func sign(_ request: inout InboundRequest, now: Timestamp) {
        if let h = checks.header, let s = h.secrets.first { request.setHeader(h.name, s.text) }
        if let s = checks.signature, let k = s.secrets.first {
            request.setHeader(s.header, Hex.encode(Digest.hmac(.sha256, key: k.bytes, message: request.body)))
        }
        if let k = checks.jwtKeys?.first {
            request.setHeader("Authorization", "Bearer " + JWT.mintHS256(key: k, now: now))
        }
    }
}

/// The HS256 JWT Evolution v2.3+ sends: claims iat, exp = iat + 600, app "evolution", action "webhook".
enum JWT {
    static let leewaySeconds: Int64 = 30

    static func verifyHS256(_ token: String, keys: [Secret], now: Timestamp) throws(AdapterError) {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let headerBytes = Base64.decodeURL(String(parts[0])), let claimBytes = Base64.decodeURL(String(parts[1])),
              let given = Base64.decodeURL(String(parts[2])) else { throw .unauthorized("malformed token") }
        guard let header = try? JSONValue.parse(headerBytes), header["alg"]?.stringValue == "HS256" else { throw .unauthorized("unsupported token algorithm") }
        let signed = Array("\(parts[0]).\(parts[1])".utf8)
        guard keys.contains(where: { ConstantTime.equals(given, Digest.hmac(.sha256, key: $0.bytes, message: signed)) }) else {
            throw .unauthorized("token signature does not match")
        }
        guard let claims = try? JSONValue.parse(claimBytes) else { throw .unauthorized("malformed token") }
        let nowSeconds = now.seconds
        guard let exp = claims["exp"]?.numberValue?.intValue, Int64(exp) + leewaySeconds >= nowSeconds else { throw .unauthorized("token expired") }
        if let iat = claims["iat"]?.numberValue?.intValue, Int64(iat) - leewaySeconds > nowSeconds { throw .unauthorized("token issued in the future") }
    }

    static func mintHS256(key: Secret, now: Timestamp) -> String {
        let header = Base64.encodeURL(Array(#"{"alg":"HS256","typ":"JWT"}"#.utf8))
        let claims = Base64.encodeURL(Array(#"{"app":"evolution","action":"webhook","iat":\#(now.seconds),"exp":\#(now.seconds + 600)}"#.utf8))
        let mac = Digest.hmac(.sha256, key: key.bytes, message: Array("\(header).\(claims)".utf8))
        return "\(header).\(claims).\(Base64.encodeURL(mac))"
    }
}
