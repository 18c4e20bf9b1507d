/// Where a field path starts in the normalised event: `type`, `data.…`, `attributes.…`, `headers.…`.
public enum EventRoot: String, Sendable, CaseIterable {
    case id, source, type, time, receivedAt = "received_at", headers, attributes, data

    /// Roots that hold a single text value and take no further segments.
    var isLeaf: Bool {
        switch self {
        case .id, .source, .type, .time, .receivedAt: return true
        case .headers, .attributes, .data: return false
        }
    }
}

/// A field path checked against the event's shape at load time, so nothing is looked up by name twice.
public struct EventPath: Sendable, Hashable, CustomStringConvertible {
    public let root: EventRoot
    public let path: FieldPath

    /// Parses and checks `text`; the error says what to write instead.
    public static func parse(_ text: String) -> Result<EventPath, PathProblem> {
        let path: FieldPath
        do {
            path = try FieldPath(parsing: text)
        } catch {
            return .failure(PathProblem(message: "invalid path '\(text)': \(error.message)"))
        }
        guard case .key(let first)? = path.segments.first, let root = EventRoot(rawValue: first) else {
            let first: String
            if case .key(let k)? = path.segments.first { first = k } else { first = text }
            let names = EventRoot.allCases.map(\.rawValue)
            let hint = Suggestion.closest(to: first, in: names).map { "did you mean '\($0)'?" }
                ?? "paths start with one of \(names.joined(separator: ", ")); provider fields are under 'data.'"
            return .failure(PathProblem(message: "path '\(text)' does not start with a part of the event (\(hint))"))
        }
        if root.isLeaf, path.segments.count > 1 {
            return .failure(PathProblem(message: "'\(root.rawValue)' is text and has no fields; remove what follows it in '\(text)'"))
        }
        return .success(EventPath(root: root, path: path))
    }

    public var description: String { path.description }

    /// Calls `body` with every value the path reaches; stops when `body` returns false.
    public func forEachValue(in event: Event, _ body: (JSONValue) -> Bool) {
        switch root {
        case .id: _ = body(.string(event.id))
        case .source: _ = body(.string(event.source))
        case .type: _ = body(.string(event.type))
        case .time: _ = body(.string(event.time.rfc3339))
        case .receivedAt: _ = body(.string(event.receivedAt.rfc3339))
        case .data:
            path.forEachValue(in: event.data, droppingFirst: 1, body)
        case .attributes:
            path.forEachValue(in: .object(event.attributes), droppingFirst: 1, body)
        case .headers:
            if path.segments.count == 1 {
                _ = body(event.headersObject)
            } else if case .key(let name) = path.segments[1] {
                // Header names are case-insensitive and may repeat: each value is one reached value.
                for field in event.headers where field.name.caseInsensitiveEquals(name) {
                    if path.segments.count == 2 {
                        if !body(.string(field.value)) { return }
                    }
                }
            }
        }
    }

    public func firstValue(in event: Event) -> JSONValue? {
        var found: JSONValue?
        forEachValue(in: event) { found = $0; return false }
        return found
    }
}

public struct PathProblem: Error, Sendable {
    public let message: String
}

extension Event {
    /// Headers as a JSON object (lower-case names; repeated names keep the first value).
    public var headersObject: JSONValue {
        var object = JSONObject()
        for field in headers where object[field.name.lowercased()] == nil {
            object[field.name.lowercased()] = .string(field.value)
        }
        return .object(object)
    }
}

extension String {
    /// ASCII case-insensitive equality without allocating.
    public func caseInsensitiveEquals(_ other: String) -> Bool {
        // No copies of the strings or their views on the way (each was a retain and a release).
        guard utf8.count == other.utf8.count else { return false }
        if self == other { return true }  // header names arrive lower-cased: usually one memcmp
        // Names from configs keep their capitals ("X-Shopify-Topic"): compare bytes, not a generic zip.
        return withUTF8Bytes { bx in
            other.withUTF8Bytes { by in
                for k in 0..<bx.count where bx[k] != by[k] {
                    let lx = bx[k] >= 0x41 && bx[k] <= 0x5A ? bx[k] | 0x20 : bx[k]
                    let ly = by[k] >= 0x41 && by[k] <= 0x5A ? by[k] | 0x20 : by[k]
                    if lx != ly { return false }
                }
                return true
            }
        }
    }
}
