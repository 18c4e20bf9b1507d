import Synchronization

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
    public let subscriptions: [Subscription]
    /// This table's number, unique in the process and growing: a cache of something resolved in a
    /// table keeps this instead of a reference, which would keep a reloaded-away table alive.
    public let generation: UInt64
    private static let generations = Atomic<UInt64>(0)

    private let sourceIndexByName: [String: Int]
    private let targetIndexByName: [String: Int]
    private let sourceIndexByPath: [String: Int]
    private let streamIndexByPath: [String: Int]
    private let candidates: [Candidates]
    /// Conditions, event patterns and targets of every route as flat plain data (see `MatchProgram`).
    private let program: MatchProgram
    /// Per source: what of a body to build at ingest (see `bodyDemand(for:)`).
    let bodyDemands: [JSONDemand?]

    /// Per source: for each exact type the routes that may take it (exact and glob, in file order),
    /// and for any other type the routes with globs or no `events`; as ranges of `MatchProgram.lists`.
    struct Candidates: Sendable {
        var byType: [String: Range<Int>] = [:]
        var other: Range<Int> = 0..<0
    }

    /// One delivery a match asks for.
    public struct Match: Sendable, Hashable {
        public let route: Int
        public let target: Int
    }

    init(settings: Settings, sources: [Source], targets: [Target], routes: [Route], tests: [TestCase], subscriptions: [Subscription] = []) {
        self.settings = settings
        self.subscriptions = subscriptions
        generation = Self.generations.add(1, ordering: .relaxed).newValue
        self.sources = sources
        self.targets = targets
        self.routes = routes
        self.tests = tests
        sourceIndexByName = Dictionary(sources.map { ($0.name, $0.index) }, uniquingKeysWith: { a, _ in a })
        bodyDemands = sources.map { Self.bodyDemand(for: $0, routes: routes) }
        targetIndexByName = Dictionary(targets.map { ($0.name, $0.index) }, uniquingKeysWith: { a, _ in a })
        sourceIndexByPath = Dictionary(sources.map { ($0.path, $0.index) }, uniquingKeysWith: { a, _ in a })
        streamIndexByPath = Dictionary(targets.compactMap { t in t.stream.map { ($0.path, t.index) } }, uniquingKeysWith: { a, _ in a })

        var exactBySource = [[String: [Int]]](repeating: [:], count: sources.count)
        var otherBySource = [[Int]](repeating: [], count: sources.count)
        for route in routes {
            for s in route.sources {
                if route.events.isEmpty || route.events.contains(where: \.isGlob) {
                    otherBySource[s].append(route.index)
                }
                for pattern in route.events where !pattern.isGlob {
                    if exactBySource[s][pattern.text]?.last != route.index {
                        exactBySource[s][pattern.text, default: []].append(route.index)
                    }
                }
            }
        }
        var builder = MatchProgramBuilder(routes: routes)
        var candidates = [Candidates](repeating: Candidates(), count: sources.count)
        for s in sources.indices {
            let other = otherBySource[s]
            let start = builder.lists.count
            builder.lists += other.map { Int32($0) }
            candidates[s].other = start..<builder.lists.count
            // An exact type must also see the glob routes that take it, in file order.
            for (type, exact) in exactBySource[s] {
                let globs = type.withUTF8Bytes { type in
                    builder.withCode { code in other.filter { code.takes(route: $0, type: type) } }
                }
                let merged = Self.mergeSorted(exact, globs)
                let start = builder.lists.count
                builder.lists += merged.map { Int32($0) }
                candidates[s].byType[type] = start..<builder.lists.count
            }
        }
        self.candidates = candidates
        self.program = MatchProgram(builder: builder)
    }

    /// Two ascending lists merged, without repeats.
    private static func mergeSorted(_ a: [Int], _ b: [Int]) -> [Int] {
        var out: [Int] = []
        out.reserveCapacity(a.count + b.count)
        var i = 0, j = 0
        while i < a.count || j < b.count {
            let next: Int
            if j == b.count || (i < a.count && a[i] <= b[j]) { next = a[i]; i += 1 } else { next = b[j]; j += 1 }
            if out.last != next { out.append(next) }
        }
        return out
    }

    public func sourceIndex(named name: String) -> Int? { sourceIndexByName[name] }
    public func targetIndex(named name: String) -> Int? { targetIndexByName[name] }

    /// The stream target served at `path`, if any.
    public func streamTarget(forPath path: String) -> Target? {
        streamIndexByPath[path].map { targets[$0] }
    }

    /// Whether any target is a stream (the ingest path then checks stream paths first).
    public var hasStreams: Bool { !streamIndexByPath.isEmpty }

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
        let code = program.code
        let exact = candidates[source].byType[event.type]
        let list = exact ?? candidates[source].other
        if list.isEmpty { return }
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: max(code.memoCount, 1)) { memo in
            memo.initialize(repeating: 0)
            if exact != nil {
                Self.run(code, list, event, type: nil, memo: memo.baseAddress!, into: &out)
            } else {
                event.type.withUTF8Bytes { type in Self.run(code, list, event, type: type, memo: memo.baseAddress!, into: &out) }
            }
        }
    }

    /// Evaluates the candidate routes at `list` of `code.lists`; `type` set when their events must be checked.
    private static func run(_ code: MatchProgram.Code, _ list: Range<Int>, _ event: Event,
                            type: UnsafeBufferPointer<UInt8>?, memo: UnsafeMutablePointer<UInt8>, into out: inout [Match]) {
        for i in list {
            let r = Int(code.lists[i])
            if let type, !code.takes(route: r, type: type) { continue }
            let route = code.routes[r]
            if route.condition >= 0, !code.holds(Int(route.condition), event, memo) { continue }
            for t in Int(route.targetStart)..<Int(route.targetEnd) { out.append(Match(route: r, target: code.targets[t])) }
            if route.final { return }
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
