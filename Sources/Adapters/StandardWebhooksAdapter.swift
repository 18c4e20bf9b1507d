import Rules

/// Standard Webhooks: `webhook-signature: v1,<base64>` over "{id}.{timestamp}.{body}", ±tolerance.
struct StandardWebhooksKind: AdapterKind {
    let name = "standard-webhooks"
    let configKeys = ["secret", "tolerance", "type"]
    let eventTypes: [String] = []

    func make(_ config: MappingReader, source: String) -> (any WebhookAdapter)? {
        guard let secrets = config.secrets("secret", required: true) else { return nil }
        var keys: [[UInt8]] = []
        for s in secrets {
            var text = s.text
            if text.hasPrefix("whsec_") { text.removeFirst(6) }
            guard let key = Base64.decode(text), !key.isEmpty else {
                config.context.error("value", "'secret' of \(config.subject) must be 'whsec_' followed by base64", at: config.value("secret")?.location)
                return nil
            }
            keys.append(key)
        }
        let tolerance = config.duration("tolerance") ?? 300_000
        let typePath = AdapterSupport.bodyPath(config, config.string("type") ?? "type", at: config.value("type")?.location)
        guard let typePath else { return nil }
        return StandardWebhooksAdapter(keys: keys, toleranceMilliseconds: tolerance, typePath: typePath)
    }
}

struct StandardWebhooksAdapter: WebhookAdapter {
    let keys: [[UInt8]]
    let toleranceMilliseconds: Int64
    let typePath: FieldPath
    let credentialHeaders = ["webhook-signature"]
    let credentialFields: [FieldPath] = []

    var bodyPaths: [FieldPath]? { [typePath] }

    func receive(_ request: InboundRequest, source: String, now: Timestamp) throws(AdapterError) -> Event {
        guard let id = AdapterSupport.nonEmpty(request.header("webhook-id")), let ts = request.header("webhook-timestamp"),
              let signatures = request.header("webhook-signature") else {
            throw .unauthorized("missing webhook-id, webhook-timestamp or webhook-signature header")
        }
        guard let seconds = Int64(ts), Self.within(toleranceMilliseconds, seconds: seconds, of: now) else {
            throw .unauthorized("webhook-timestamp is outside the allowed tolerance")
        }
        let parts = [Array(id.utf8), Array(".\(ts).".utf8), request.body]
        let expected = keys.map { Digest.hmac(.sha256, key: $0, parts: parts) }
        var ok = false
        for candidate in signatures.split(separator: " ") where candidate.hasPrefix("v1,") {
            guard let given = Base64.decode(String(candidate.dropFirst(3))) else { continue }
            for e in expected where ConstantTime.equals(given, e) { ok = true }
        }
        guard ok else { throw .unauthorized("signature does not match") }
        let data = try AdapterSupport.parse(request)
        // An empty type is absent, as in the hmac and odoo adapters (a CloudEvent's type must not be empty).
        let type = AdapterSupport.nonEmpty(typePath.firstValue(in: data)?.stringValue) ?? source
        return AdapterSupport.event(request, source: source, type: type, id: id, time: Timestamp(seconds: seconds), now: now,
                                    attributes: JSONObject(), data: data, dropping: credentialHeaders)
    }

    /// Whether `seconds` (sender's clock) is within the tolerance of `now`. The header is the sender's text:
    /// a value near Int64's limits must be refused, not overflow (found by fuzz/adapters).
    static func within(_ toleranceMilliseconds: Int64, seconds: Int64, of now: Timestamp) -> Bool {
        let (ms, o1) = seconds.multipliedReportingOverflow(by: 1000)
        let (skew, o2) = ms.subtractingReportingOverflow(now.milliseconds)
        return !o1 && !o2 && skew >= -toleranceMilliseconds && skew <= toleranceMilliseconds
    }

    func sign(_ request: inout InboundRequest, now: Timestamp) {
        guard let key = keys.first else { return }
        let id = AdapterSupport.nonEmpty(request.header("webhook-id")) ?? "msg_" + Hex.encode(Digest.sha256(request.body)).prefix(24)
        let ts = String(now.seconds)
        request.setHeader("webhook-id", id)
        request.setHeader("webhook-timestamp", ts)
        let mac = Digest.hmac(.sha256, key: key, parts: [Array(id.utf8), Array(".\(ts).".utf8), request.body])
        request.setHeader("webhook-signature", "v1," + Base64.encode(mac))
    }
}
