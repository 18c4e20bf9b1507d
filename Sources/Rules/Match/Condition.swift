/// A compiled `when:` condition. Paths are parsed and regexes compiled at load time.
public indirect enum Condition: Sendable {
    case test(EventPath, Comparison)
    case all([Condition])
    case any([Condition])
    case not(Condition)

    /// Whether the event satisfies the condition.
    ///
    /// With `[*]` a test holds if any reached value satisfies it. A path that reaches nothing satisfies
    /// only `ne`, `not_in` and `exists: false`.
    public func holds(for event: Event) -> Bool {
        switch self {
        case .test(let path, let comparison):
            return comparison.holds(at: path, in: event)
        case .all(let items):
            for c in items where !c.holds(for: event) { return false }
            return true
        case .any(let items):
            for c in items where c.holds(for: event) { return true }
            return false
        case .not(let inner):
            return !inner.holds(for: event)
        }
    }

    /// Every path the condition tests.
    public var paths: [EventPath] {
        var out: [EventPath] = []
        collectPaths(into: &out)
        return out
    }

    private func collectPaths(into out: inout [EventPath]) {
        switch self {
        case .test(let path, _): out.append(path)
        case .all(let items): for c in items { c.collectPaths(into: &out) }
        case .any(let items): for c in items { c.collectPaths(into: &out) }
        case .not(let inner): inner.collectPaths(into: &out)
        }
    }

    /// The first part that fails, as text for `explain` ("data.financial_status eq paid").
    public func failure(for event: Event) -> String? {
        switch self {
        case .test(let path, let comparison):
            if comparison.holds(at: path, in: event) { return nil }
            let found = path.firstValue(in: event).map { "found \($0.serialized)" } ?? "path absent"
            return "\(path) \(comparison) (\(found))"
        case .all(let items):
            for c in items { if let f = c.failure(for: event) { return f } }
            return nil
        case .any(let items):
            if items.contains(where: { $0.holds(for: event) }) { return nil }
            return "none of any: [\(items.compactMap { $0.failure(for: event) }.joined(separator: "; "))]"
        case .not(let inner):
            return inner.holds(for: event) ? "not: {\(inner)} holds" : nil
        }
    }
}

extension Condition: CustomStringConvertible {
    public var description: String {
        switch self {
        case .test(let p, let c): return "\(p) \(c)"
        case .all(let items): return "all: [\(items.map(\.description).joined(separator: ", "))]"
        case .any(let items): return "any: [\(items.map(\.description).joined(separator: ", "))]"
        case .not(let inner): return "not: {\(inner)}"
        }
    }
}
