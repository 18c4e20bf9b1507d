import Rules

/// Generic HMAC (the fiscal system's format): configurable header, algorithm, encoding and prefix.
struct HMACKind: AdapterKind {
    let name = "hmac"
    let configKeys = ["secret", "header", "encoding", "prefix", "algorithm", "type", "id"]
    let eventTypes: [String] = []

    func make(_ config: MappingReader, source: String) -> (any WebhookAdapter)? {
        let secrets = config.secrets("secret", required: true)
        let header = config.string("header") ?? "X-Webhook-Signature"
        let encoding = config.choice("encoding", ["hex", "base64"]) ?? "hex"
        let prefix = config.string("prefix") ?? ""
        let algorithm = config.choice("algorithm", HashAlgorithm.allCases.map(\.rawValue)).flatMap(HashAlgorithm.init) ?? .sha256
        let typePaths = typePaths(config)
        let id = IDSource.read(config)
        guard let secrets, let id else { return nil }
        return HMACAdapter(secrets: secrets, header: header.lowercased(), base64: encoding == "base64", prefix: prefix,
                           algorithm: algorithm, typePaths: typePaths, id: id)
    }

    private func typePaths(_ config: MappingReader) -> [FieldPath] {
        guard let text = config.string("type") else {
            return ["evento", "event", "type"].map { FieldPath(segments: [.key($0)]) }
        }
        return AdapterSupport.bodyPath(config, text, at: config.value("type")?.location).map { [$0] } ?? []
    }
}

/// Where an adapter takes the deduplication id from: a header, a body path, or the body's hash.
enum IDSource: Sendable {
    case header(String)
    case path(FieldPath)
    case bodyHash

    static func read(_ config: MappingReader) -> IDSource? {
        guard let id = config.mapping("id", subject: "'id' of \(config.subject)") else { return .bodyHash }
        id.checkKeys(["header", "path"])
        if let h = id.string("header") { return .header(h) }
        if let p = id.string("path") { return AdapterSupport.bodyPath(config, p, at: id.value("path")?.location).map { .path($0) } }
        config.context.error("value", "'id' of \(config.subject) takes { header: NAME } or { path: body.path }", at: id.location)
        return nil
    }

    /// The body path the id is read from, if any.
    var bodyPaths: [FieldPath] {
        if case .path(let p) = self { return [p] }
        return []
    }

    func id(_ request: InboundRequest, _ data: JSONValue) -> String {
        switch self {
        case .header(let name): return AdapterSupport.nonEmpty(request.header(name)) ?? AdapterSupport.bodyHash(request.body)
        case .path(let path): return AdapterSupport.nonEmpty(AdapterSupport.text(path.firstValue(in: data))) ?? AdapterSupport.bodyHash(request.body)
        case .bodyHash: return AdapterSupport.bodyHash(request.body)
        }
    }
}

struct HMACAdapter: WebhookAdapter {
    let secrets: [Secret]
    let header: String
    let base64: Bool
    let prefix: String
    let algorithm: HashAlgorithm
    let typePaths: [FieldPath]
    let id: IDSource
    /// Stored, not computed: every request reads it.
    let credentialHeaders: [String]
    let credentialFields: [FieldPath] = []

    init(secrets: [Secret], header: String, base64: Bool, prefix: String, algorithm: HashAlgorithm, typePaths: [FieldPath], id: IDSource) {
        self.secrets = secrets
        self.header = header
        self.base64 = base64
        self.prefix = prefix
        self.algorithm = algorithm
        self.typePaths = typePaths
        self.id = id
        credentialHeaders = [header]
    }

    var bodyPaths: [FieldPath]? { typePaths + id.bodyPaths + AdapterSupport.paths("timestamp") }

    func receive(_ request: InboundRequest, source: String, now: Timestamp) throws(AdapterError) -> Event {
        guard var signature = request.header(header) else { throw .unauthorized("missing \(header) header") }
        if !prefix.isEmpty {
            guard signature.hasPrefix(prefix) else { throw .unauthorized("signature does not match") }
            signature.removeFirst(prefix.count)
        }
        guard let given = base64 ? Base64.decode(signature) : Hex.decode(signature),
              secrets.contains(where: { ConstantTime.equals(given, Digest.hmac(algorithm, key: $0.bytes, message: request.body)) }) else {
            throw .unauthorized("signature does not match")
        }
        let data = try AdapterSupport.parse(request)
        let type = typePaths.lazy.compactMap { $0.firstValue(in: data)?.stringValue }.first { !$0.isEmpty } ?? source
        let time = (data["timestamp"]?.stringValue).flatMap { Timestamp(rfc3339: $0) }
        return AdapterSupport.event(request, source: source, type: type, id: id.id(request, data), time: time, now: now,
                                    attributes: JSONObject(), data: data, dropping: credentialHeaders)
    }

    func sign(_ request: inout InboundRequest, now: Timestamp) {
        guard let secret = secrets.first else { return }
        let mac = Digest.hmac(algorithm, key: secret.bytes, message: request.body)
        request.setHeader(header, prefix + (base64 ? Base64.encode(mac) : Hex.encode(mac)))
    }
}
