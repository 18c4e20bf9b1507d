/// A request as an adapter sees it: raw bytes and headers, before any parsing.
public struct InboundRequest: Sendable {
    public var method: String
    /// The path as received, without the query.
    public var path: String
    /// With `by_events`, what followed the source's path (`messages-upsert` of `/in/evo/messages-upsert`).
    public var pathSuffix: String?
    public var headers: [HTTPField]
    public var body: [UInt8]
    public var remoteAddress: String
    /// What of the body to build when parsing it; nil builds all of it.
    public var bodyDemand: JSONDemand?

    public init(method: String = "POST", path: String, pathSuffix: String? = nil, headers: [HTTPField], body: [UInt8], remoteAddress: String = "127.0.0.1") {
        self.method = method
        self.path = path
        self.pathSuffix = pathSuffix
        self.headers = headers
        self.body = body
        self.remoteAddress = remoteAddress
    }

    /// First value of a header, case-insensitive.
    public func header(_ name: String) -> String? { headers.value(named: name) }

    public mutating func setHeader(_ name: String, _ value: String) {
        headers.removeAll { $0.name.caseInsensitiveEquals(name) }
        headers.append(HTTPField(name, value))
    }
}

/// Why an adapter refused a request. Details are safe to send back: they never say which byte differed
/// and never hold a secret.
public enum AdapterError: Error, Sendable, Equatable, CustomStringConvertible {
    /// 401: missing or wrong credential.
    case unauthorized(String)
    /// 400: the body is not what the provider sends (malformed JSON, missing envelope).
    case badRequest(String)

    public var description: String {
        switch self {
        case .unauthorized(let d): return "unauthorized: \(d)"
        case .badRequest(let d): return "bad request: \(d)"
        }
    }
}

/// One configured source's verifier and normaliser. Pure: no I/O, the clock is passed in.
public protocol WebhookAdapter: Sendable {
    /// Proves the request authentic on its raw bytes, then parses it and derives type, id and time.
    func receive(_ request: InboundRequest, source: String, now: Timestamp) throws(AdapterError) -> Event
    /// Lower-case names of headers that carry credentials for this source: never kept, logged or shown.
    var credentialHeaders: [String] { get }
    /// Body fields that carry credentials (Evolution `apikey`, Uazapi `token`): always redacted.
    var credentialFields: [FieldPath] { get }
    /// Adds what the provider would (signature, token) so the request authenticates; for `test` and `explain`.
    func sign(_ request: inout InboundRequest, now: Timestamp)
    /// Every body path `receive` reads (from the body's root), so ingest can build only those and what
    /// routes test (`JSONDemand`); nil when the adapter needs the whole body. Reading a path not listed
    /// here finds it absent.
    var bodyPaths: [FieldPath]? { get }
}

extension WebhookAdapter {
    public var bodyPaths: [FieldPath]? { nil }
}

/// An adapter as the config compiler sees it: its name, its keys and the event types it can produce.
public protocol AdapterKind: Sendable {
    var name: String { get }
    /// Event types the provider documents; empty when the sender decides (hmac, none, standard-webhooks).
    var eventTypes: [String] { get }
    /// Source keys this adapter takes besides the common ones (`path`, `rate_limit`, …).
    var configKeys: [String] { get }
    /// Whether `check` should warn that the source authenticates nothing.
    var isUnauthenticated: Bool { get }
    /// Builds the adapter for one source, reporting config problems through `config.context`.
    func make(_ config: MappingReader, source: String) -> (any WebhookAdapter)?
    /// A better event type for a route that names an unknown one (Shopify `orders/refunded` → `refunds/create`).
    func suggestion(forUnknownType type: String) -> String?
}

extension AdapterKind {
    public var isUnauthenticated: Bool { false }
    public func suggestion(forUnknownType type: String) -> String? { Suggestion.closest(to: type, in: eventTypes) }
}

/// The adapters the compiler knows, by name.
public struct AdapterCatalog: Sendable {
    public let kinds: [String: any AdapterKind]

    public init(_ kinds: [any AdapterKind]) {
        var map: [String: any AdapterKind] = [:]
        for k in kinds { map[k.name] = k }
        self.kinds = map
    }

    public var names: [String] { kinds.keys.sorted() }
}
