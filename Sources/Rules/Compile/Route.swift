/// A compiled route: which events it takes and where they go.
public final class Route: Sendable {
    public let name: String
    public let index: Int
    /// Source indices.
    public let sources: [Int]
    /// Empty: every event type.
    public let events: [EventPattern]
    public let condition: Condition?
    /// Target indices.
    public let targets: [Int]
    public let body: BodyMode
    public let final: Bool
    /// For stream targets: a slow client loses `normal` events before `critical` ones.
    public let priority: Priority
    public let location: SourceLocation

    public func takes(type: String) -> Bool {
        events.isEmpty || events.contains { $0.matches(type) }
    }

    init(name: String, index: Int, sources: [Int], events: [EventPattern], condition: Condition?, targets: [Int], body: BodyMode, final: Bool, priority: Priority, location: SourceLocation) {
        self.name = name
        self.index = index
        self.sources = sources
        self.events = events
        self.condition = condition
        self.targets = targets
        self.body = body
        self.final = final
        self.priority = priority
        self.location = location
    }
}

/// What a route sends as the request body.
public enum BodyMode: Sendable {
    case raw
    case event
    case template(Template)

    /// Whether rendering the body reads the parsed event (a raw body is sent as stored).
    public var readsEvent: Bool {
        if case .raw = self { return false }
        return true
    }

    public var name: String {
        switch self {
        case .raw: return "raw"
        case .event: return "event"
        case .template: return "template"
        }
    }
}

/// An event type or a glob of them (`orders/*`, `nfe.*`, `*`).
public struct EventPattern: Sendable, Hashable, CustomStringConvertible {
    public let text: String
    public let isGlob: Bool

    public init(_ text: String) {
        self.text = text
        self.isGlob = text.contains("*") || text.contains("?")
    }

    public var description: String { text }

    public func matches(_ type: String) -> Bool {
        isGlob ? Glob.matches(pattern: text, text: type) : text == type
    }
}

/// Shell-style `*` and `?` over bytes; `*` crosses `/` and `.` (so `orders/*` and `*` are what they look like).
public enum Glob {
    public static func matches(pattern: String, text: String) -> Bool {
        var p = pattern, t = text
        return p.withUTF8 { pb in t.withUTF8 { tb in matches(pattern: pb, text: tb) } }
    }
}
