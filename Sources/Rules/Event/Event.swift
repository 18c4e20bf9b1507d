/// The one normalised event every adapter produces (SPEC §4.1).
public struct Event: Sendable {
    /// Deduplication id, unique per source.
    public var id: String
    public var source: String
    public var type: String
    public var time: Timestamp
    public var receivedAt: Timestamp
    /// Lower-case names; credential-carrying headers are never kept.
    public var headers: [HTTPField]
    /// Facts the adapter derived, flat and lower-case (`shop_domain`, `instance`, `action_id`…).
    public var attributes: JSONObject
    /// The provider's body, parsed.
    public var data: JSONValue
    /// The provider's original bytes, unchanged (for `body: raw`).
    public var body: [UInt8]
    public var contentType: String

    public init(id: String, source: String, type: String, time: Timestamp, receivedAt: Timestamp,
                headers: [HTTPField], attributes: JSONObject, data: JSONValue, body: [UInt8], contentType: String) {
        self.id = id
        self.source = source
        self.type = type
        self.time = time
        self.receivedAt = receivedAt
        self.headers = headers
        self.attributes = attributes
        self.data = data
        self.body = body
        self.contentType = contentType
    }

    public func header(_ name: String) -> String? { headers.value(named: name) }
}

/// One header as received. Names compare case-insensitively.
public struct HTTPField: Sendable, Hashable {
    public var name: String
    public var value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

extension Array where Element == HTTPField {
    /// The first value of the header `name`, case-insensitive. By index: iterating would copy each
    /// field (two retains and releases per header passed) on every lookup of every request.
    public func value(named name: String) -> String? {
        for i in indices where self[i].name.caseInsensitiveEquals(name) { return self[i].value }
        return nil
    }
}
