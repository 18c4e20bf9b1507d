/// A YAML node with the place it was written, so every diagnostic can point at it.
public struct YAMLNode: Sendable {
    public enum Kind: Sendable {
        case scalar(YAMLScalar)
        case sequence([YAMLNode])
        case mapping([YAMLPair])
    }

    public let kind: Kind
    public let location: SourceLocation

    public init(_ kind: Kind, at location: SourceLocation) {
        self.kind = kind
        self.location = location
    }

    public var scalar: YAMLScalar? {
        if case .scalar(let s) = kind { return s }
        return nil
    }

    public var sequence: [YAMLNode]? {
        if case .sequence(let items) = kind { return items }
        return nil
    }

    public var mapping: [YAMLPair]? {
        if case .mapping(let pairs) = kind { return pairs }
        return nil
    }

    /// The value under `key` in a mapping.
    public subscript(key: String) -> YAMLNode? {
        mapping?.first { $0.key == key }?.value
    }

    /// What the node is, for messages like "expected a mapping, found a list".
    public var kindName: String {
        switch kind {
        case .scalar(let s): return s.isNull ? "nothing" : "a scalar"
        case .sequence: return "a list"
        case .mapping: return "a mapping"
        }
    }
}

/// One `key: value` of a mapping. Keys are scalars; complex keys are rejected at load.
public struct YAMLPair: Sendable {
    public let key: String
    public let keyLocation: SourceLocation
    public let value: YAMLNode
}

/// A scalar's text and whether it was quoted: plain `true`, `12`, `null` are typed, quoted ones are text.
public struct YAMLScalar: Sendable, Hashable {
    public let text: String
    public let isPlain: Bool

    public init(text: String, isPlain: Bool) {
        self.text = text
        self.isPlain = isPlain
    }

    public var isNull: Bool { isPlain && (text.isEmpty || text == "~" || text == "null" || text == "Null" || text == "NULL") }

    public var boolValue: Bool? {
        guard isPlain else { return nil }
        switch text {
        case "true", "True", "TRUE": return true
        case "false", "False", "FALSE": return false
        default: return nil
        }
    }

    /// The scalar as the JSON value it would be in a YAML 1.2 core schema reading.
    public var jsonValue: JSONValue {
        if isNull { return .null }
        if let b = boolValue { return .bool(b) }
        if isPlain, let n = JSONNumber(text) { return .number(n) }
        return .string(text)
    }
}

extension YAMLNode {
    /// The node as a JSON value (mappings keep their order); used for inline bodies and templates.
    public var jsonValue: JSONValue {
        switch kind {
        case .scalar(let s): return s.jsonValue
        case .sequence(let items): return .array(items.map(\.jsonValue))
        case .mapping(let pairs): return .object(JSONObject(pairs.map { ($0.key, $0.value.jsonValue) }))
        }
    }
}
