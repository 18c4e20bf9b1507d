/// The compiled, immutable configuration: what the server serves from until the next reload.
///
/// Everything that can be decided at load time is: names resolved to indices, patterns split into
/// exact types (hashed) and globs, conditions and templates compiled.
public final class RouteTable: Sendable {
    public let settings: Settings
    public let sources: [Source]
    public let targets: [Target]
    public let routes: [Route]
    public let tests: [TestCase]

    private let sourceIndexByName: [String: Int]
    private let targetIndexByName: [String: Int]
    private let sourceIndexByPath: [String: Int]
    private let candidates: [Candidates]
    /// What matching needs of each route, flat, so the hot loop copies no `Route` (and retains nothing).
    private let entries: [Entry]
    private let flatTargets: [Int]

    struct Entry: Sendable {
        let condition: Condition?
        let targets: Range<Int>
        let final: Bool
    }

    /// Per source: for each exact type the routes that may take it (exact and glob, in file order),
    /// and for any other type the routes with globs or no `events`.
    struct Candidates: Sendable {
        var byType: [String: [Int]] = [:]
        var other: [Int] = []
    }

    /// One delivery a match asks for.
    public struct Match: Sendable, Hashable {
        public let route: Int
        public let target: Int
    }

    init(settings: Settings, sources: [Source], targets: [Target], routes: [Route], tests: [TestCase]) {
        self.settings = settings
        self.sources = sources
        self.targets = targets
        self.routes = routes
        self.tests = tests
        sourceIndexByName = Dictionary(sources.map { ($0.name, $0.index) }, uniquingKeysWith: { a, _ in a })
        targetIndexByName = Dictionary(targets.map { ($0.name, $0.index) }, uniquingKeysWith: { a, _ in a })
        sourceIndexByPath = Dictionary(sources.map { ($0.path, $0.index) }, uniquingKeysWith: { a, _ in a })

        var candidates = [Candidates](repeating: Candidates(), count: sources.count)
        for route in routes {
            for s in route.sources {
                if route.events.isEmpty || route.events.contains(where: \.isGlob) {
                    candidates[s].other.append(route.index)
                }
                for pattern in route.events where !pattern.isGlob {
                    if candidates[s].byType[pattern.text]?.last != route.index {
                        candidates[s].byType[pattern.text, default: []].append(route.index)
                    }
                }
            }
        }
        // An exact type must also see the glob routes that take it, in file order.
        for s in candidates.indices {
            for (type, exact) in candidates[s].byType {
                let globs = candidates[s].other.filter { routes[$0].takes(type: type) }
                candidates[s].byType[type] = Array(Set(exact + globs)).sorted()
            }
        }
        self.candidates = candidates
        var flat: [Int] = []
        var entries: [Entry] = []
        for route in routes {
            let start = flat.count
            flat += route.targets
            entries.append(Entry(condition: route.condition, targets: start..<flat.count, final: route.final))
        }
        self.entries = entries
        self.flatTargets = flat
    }

    public func sourceIndex(named name: String) -> Int? { sourceIndexByName[name] }
    public func targetIndex(named name: String) -> Int? { targetIndexByName[name] }

    /// The source serving `path`, with the by-events suffix when the path is `<source path>/<suffix>`.
    public func source(forPath path: String) -> (source: Int, suffix: String?)? {
        if let s = sourceIndexByPath[path] { return (s, nil) }
        guard let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return nil }
        let suffix = path[path.index(after: slash)...]
        guard !suffix.isEmpty, let s = sourceIndexByPath[String(path[..<slash])], sources[s].byEvents else { return nil }
        return (s, String(suffix))
    }

    /// Appends one `Match` per (route, target) the event must be delivered to, in file order;
    /// a matching `final` route ends the search.
    public func match(_ event: Event, source: Int, into out: inout [Match]) {
        let exact = candidates[source].byType[event.type]
        let list = exact ?? candidates[source].other
        entries.withUnsafeBufferPointer { entries in
            flatTargets.withUnsafeBufferPointer { targets in
                for r in list {
                    if exact == nil, !routes[r].takes(type: event.type) { continue }
                    if let condition = entries[r].condition, !condition.holds(for: event) { continue }
                    for i in entries[r].targets { out.append(Match(route: r, target: targets[i])) }
                    if entries[r].final { return }
                }
            }
        }
    }

    /// Convenience for callers that do not reuse a buffer.
    public func match(_ event: Event, source: Int) -> [Match] {
        var out: [Match] = []
        match(event, source: source, into: &out)
        return out
    }

    /// For `explain`: every route of the source with why it did or did not take the event.
    public func verdicts(_ event: Event, source: Int) -> [(route: Int, reason: String?)] {
        var out: [(Int, String?)] = []
        var stoppedBy: String?
        for route in routes where route.sources.contains(source) {
            if let stoppedBy {
                out.append((route.index, "an earlier final route '\(stoppedBy)' matched"))
                continue
            }
            if !route.takes(type: event.type) {
                out.append((route.index, "type '\(event.type)' is not in events [\(route.events.map(\.text).joined(separator: ", "))]"))
                continue
            }
            if let condition = route.condition, let failure = condition.failure(for: event) {
                out.append((route.index, "condition failed: \(failure)"))
                continue
            }
            out.append((route.index, nil))
            if route.final { stoppedBy = route.name }
        }
        return out
    }
}
