/// A path into JSON: `data.line_items[*].sku`, `headers.x-shopify-shop-domain`, `data["key.with.dots"]`.
public struct FieldPath: Sendable, Hashable, CustomStringConvertible {
    public enum Segment: Sendable, Hashable {
        case key(String)
        case index(Int)
        case wildcard
    }

    public let segments: [Segment]

    public init(segments: [Segment]) { self.segments = segments }

    public var hasWildcard: Bool { segments.contains(.wildcard) }

    /// Parses the text form; the first segment must be a key.
    public init(parsing text: String) throws(FieldPathError) {
        let b = Array(text.utf8)
        var segments: [Segment] = []
        var i = 0
        func err(_ message: String) -> FieldPathError { FieldPathError(column: i + 1, message: message) }
        func isKeyByte(_ c: UInt8) -> Bool { c != 0x2E && c != 0x5B && c != 0x5D && c > 0x20 && c != 0x7F }
        guard !b.isEmpty else { throw FieldPathError(column: 1, message: "the path is empty") }
        var expectKey = true
        while i < b.count {
            if expectKey {
                let start = i
                while i < b.count, isKeyByte(b[i]) { i += 1 }
                guard i > start else {
                    throw err(i < b.count && b[i] == 0x2E ? "empty segment between dots" : (i < b.count && b[i] <= 0x20 ? "spaces are not allowed in paths" : "expected a field name"))
                }
                segments.append(.key(String(decoding: b[start..<i], as: UTF8.self)))
                expectKey = false
                continue
            }
            switch b[i] {
            case 0x2E:
                i += 1
                guard i < b.count else { throw err("the path ends with a dot") }
                expectKey = true
            case 0x5B:
                i += 1
                if i < b.count, b[i] == 0x2A {
                    i += 1
                    segments.append(.wildcard)
                } else if i < b.count, b[i] == 0x22 {
                    i += 1
                    var key: [UInt8] = []
                    while i < b.count, b[i] != 0x22 {
                        if b[i] == 0x5C, i + 1 < b.count { i += 1 }
                        key.append(b[i])
                        i += 1
                    }
                    guard i < b.count else { throw err("unclosed quote in brackets") }
                    i += 1
                    segments.append(.key(String(decoding: key, as: UTF8.self)))
                } else {
                    let start = i
                    while i < b.count, b[i] >= 0x30, b[i] <= 0x39 { i += 1 }
                    guard i > start, i - start < 10, let n = Int(String(decoding: b[start..<i], as: UTF8.self)) else {
                        throw err("brackets take an index like [0], [*] or a quoted key like [\"a.b\"]")
                    }
                    segments.append(.index(n))
                }
                guard i < b.count, b[i] == 0x5D else { throw err("unclosed bracket; add ']'") }
                i += 1
            default:
                throw err("unexpected '\(String(decoding: [b[i]], as: UTF8.self))'; separate fields with '.'")
            }
        }
        if segments.isEmpty { throw FieldPathError(column: 1, message: "the path is empty") }
        self.segments = segments
    }

    public var description: String {
        var out = ""
        for (i, s) in segments.enumerated() {
            switch s {
            case .key(let k):
                if k.utf8.contains(where: { $0 == 0x2E || $0 == 0x5B || $0 == 0x5D || $0 <= 0x20 || $0 == 0x22 }) || k.isEmpty {
                    out += "[\"" + k.replacingAll("\\", "\\\\").replacingAll("\"", "\\\"") + "\"]"
                } else {
                    out += (i == 0 ? "" : ".") + k
                }
            case .index(let n): out += "[\(n)]"
            case .wildcard: out += "[*]"
            }
        }
        return out
    }

    /// Calls `body` with every value the path reaches from `root`; stops when it returns false.
    public func forEachValue(in root: JSONValue, _ body: (JSONValue) -> Bool) {
        forEachValue(in: root, droppingFirst: 0, body)
    }

    /// The same, starting after the first `drop` segments (the event root already resolved).
    public func forEachValue(in root: JSONValue, droppingFirst drop: Int, _ body: (JSONValue) -> Bool) {
        segments.withUnsafeBufferPointer { segments in
            _ = Self.visit(root, segments, min(drop, segments.count), body)
        }
    }

    public func firstValue(in root: JSONValue) -> JSONValue? {
        var found: JSONValue?
        forEachValue(in: root) { found = $0; return false }
        return found
    }

    /// Returns false when `body` asked to stop. Segments and elements are read in place (no slices,
    /// no copies of each element).
    private static func visit(_ value: JSONValue, _ segments: UnsafeBufferPointer<Segment>, _ i: Int, _ body: (JSONValue) -> Bool) -> Bool {
        guard i < segments.count else { return body(value) }
        switch segments[i] {
        case .key(let k):
            guard case .object(let o) = value, let j = o.index(forKey: k) else { return true }
            return o.withValues { visit($0[j], segments, i + 1, body) }
        case .index(let n):
            guard case .array(let a) = value, n < a.count else { return true }
            return a.withUnsafeBufferPointer { visit($0[n], segments, i + 1, body) }
        case .wildcard:
            switch value {
            case .array(let a):
                return a.withUnsafeBufferPointer { items in
                    for item in items.indices where !visit(items[item], segments, i + 1, body) { return false }
                    return true
                }
            case .object(let o):
                return o.withValues { items in
                    for item in items.indices where !visit(items[item], segments, i + 1, body) { return false }
                    return true
                }
            default:
                return true
            }
        }
    }
}

/// Why a path does not parse, with the 1-based column of the problem.
public struct FieldPathError: Error, Sendable, Equatable, CustomStringConvertible {
    public let column: Int
    public let message: String
    public var description: String { "column \(column): \(message)" }
}

extension String {
    func replacingAll(_ target: String, _ replacement: String) -> String {
        guard contains(target) else { return self }
        var out = ""
        var rest = self[...]
        while let r = rest.firstRange(of: target) {
            out += rest[..<r.lowerBound]
            out += replacement
            rest = rest[r.upperBound...]
        }
        return out + rest
    }
}
