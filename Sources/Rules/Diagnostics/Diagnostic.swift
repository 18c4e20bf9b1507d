/// One finding about the configuration, compiler-style.
public struct Diagnostic: Sendable, Hashable, CustomStringConvertible {
    public enum Severity: String, Sendable, Hashable { case error, warning }

    public let severity: Severity
    /// A stable short name of the kind of finding (e.g. `unknown-key`), for tests and tooling.
    public let code: String
    /// Says what is wrong and how to fix it.
    public let message: String
    public let location: SourceLocation?

    public init(_ severity: Severity, _ code: String, _ message: String, at location: SourceLocation?) {
        self.severity = severity
        self.code = code
        self.message = message
        self.location = location
    }

    /// `file:line:col: error: message`
    public var description: String {
        let place = location.map { "\($0): " } ?? ""
        return "\(place)\(severity.rawValue): \(message)"
    }
}

/// Collects every finding so all of them can be shown at once, then failed on.
public struct Diagnostics: Sendable {
    public private(set) var items: [Diagnostic] = []

    public init() {}

    public var hasErrors: Bool { items.contains { $0.severity == .error } }
    public var errors: [Diagnostic] { items.filter { $0.severity == .error } }
    public var warnings: [Diagnostic] { items.filter { $0.severity == .warning } }

    public mutating func error(_ code: String, _ message: String, at location: SourceLocation?) {
        items.append(Diagnostic(.error, code, message, at: location))
    }

    public mutating func warning(_ code: String, _ message: String, at location: SourceLocation?) {
        items.append(Diagnostic(.warning, code, message, at: location))
    }

    public mutating func append(contentsOf other: Diagnostics) {
        items.append(contentsOf: other.items)
    }

    /// Sorted by place, errors before warnings at the same place; findings without a place last.
    public var sorted: [Diagnostic] {
        items.enumerated().sorted { a, b in
            switch (a.element.location, b.element.location) {
            case let (x?, y?) where x != y: return x < y
            case (nil, _?): return false
            case (_?, nil): return true
            default: return a.offset < b.offset
            }
        }.map(\.element)
    }
}
