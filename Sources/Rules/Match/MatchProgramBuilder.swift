/// Lays out compiled routes as a `MatchProgram`, interning paths, keys, strings and tests.
struct MatchProgramBuilder {
    var nodes: [MatchProgram.Node] = []
    var tests: [MatchProgram.Test] = []
    var paths: [MatchProgram.Path] = []
    var eventPaths: [EventPath] = []
    var steps: [MatchProgram.Step] = []
    var operands: [MatchProgram.Operand] = []
    var strings: [String] = []
    var regexes: [CompiledRegex] = []
    var bytes: [UInt8] = []
    var routes: [MatchProgram.Route] = []
    var patterns: [MatchProgram.Pattern] = []
    var targets: [Int] = []
    /// Per test: its slot in the per-event memo, or -1 (see `MatchProgram.maxMemoSlots`).
    var memoSlots: [Int32] = []
    /// Per test: how many condition nodes use it.
    private var uses: [Int] = []
    /// Candidate route lists (see `RouteTable.Candidates`), back to back.
    var lists: [Int32] = []

    private var testIndex: [MatchProgram.Test: Int32] = [:]
    private var pathIndex: [EventPath: Int32] = [:]
    private var stringIndex: [String: Int32] = [:]
    /// Operand lists already laid out.
    private var operandIndex: [[JSONValue]: Int32] = [:]
    private var regexIndex: [String: Int32] = [:]

    init(routes: [Route]) {
        for route in routes {
            let condition = route.condition.map { add($0) } ?? -1
            let patternStart = Int32(patterns.count)
            for event in route.events {
                patterns.append(.init(start: Int32(bytes.count), count: Int32(event.text.utf8.count), isGlob: event.isGlob))
                bytes += event.text.utf8
            }
            let targetStart = Int32(targets.count)
            targets += route.targets
            self.routes.append(.init(condition: condition, patternStart: patternStart, patternEnd: Int32(patterns.count),
                                     targetStart: targetStart, targetEnd: Int32(targets.count), final: route.final))
        }
        // Tests used by several routes are worth remembering within one event; the most used get slots.
        memoSlots = [Int32](repeating: -1, count: tests.count)
        let shared = uses.indices.filter { uses[$0] > 1 }.sorted { uses[$0] > uses[$1] || (uses[$0] == uses[$1] && $0 < $1) }
        for (slot, t) in shared.prefix(MatchProgram.maxMemoSlots).enumerated() { memoSlots[t] = Int32(slot) }
    }

    /// Appends the tree in prefix order; returns its first node.
    private mutating func add(_ condition: Condition) -> Int32 {
        let at = nodes.count
        switch condition {
        case .test(let path, let comparison):
            nodes.append(.init(kind: .test, size: 1, test: test(path, comparison)))
            return Int32(at)
        case .all(let items), .any(let items):
            let kind: MatchProgram.Node.Kind
            if case .all = condition { kind = .all } else { kind = .any }
            nodes.append(.init(kind: kind, size: 0, test: -1))
            for item in items { _ = add(item) }
            nodes[at] = .init(kind: kind, size: Int32(nodes.count - at), test: -1)
        case .not(let inner):
            nodes.append(.init(kind: .not, size: 0, test: -1))
            _ = add(inner)
            nodes[at] = .init(kind: .not, size: Int32(nodes.count - at), test: -1)
        }
        return Int32(at)
    }

    private mutating func test(_ path: EventPath, _ comparison: Comparison) -> Int32 {
        let p = self.path(path)
        let test: MatchProgram.Test
        switch comparison {
        case .eq(let v): test = .init(op: .eq, path: p, operand: operands([v]), operandCount: 1)
        case .ne(let v): test = .init(op: .ne, path: p, operand: operands([v]), operandCount: 1)
        case .oneOf(let vs): test = .init(op: .oneOf, path: p, operand: operands(vs), operandCount: Int32(vs.count))
        case .noneOf(let vs): test = .init(op: .noneOf, path: p, operand: operands(vs), operandCount: Int32(vs.count))
        case .greater(let v, let orEqual):
            test = .init(op: orEqual ? .greaterOrEqual : .greater, path: p, operand: operands([v]), operandCount: 1)
        case .less(let v, let orEqual):
            test = .init(op: orEqual ? .lessOrEqual : .less, path: p, operand: operands([v]), operandCount: 1)
        case .exists(let expected): test = .init(op: expected ? .exists : .notExists, path: p, operand: 0, operandCount: 0)
        case .contains(let v): test = .init(op: .contains, path: p, operand: operands([v]), operandCount: 1)
        case .matches(let regex):
            let r: Int32
            if let known = regexIndex[regex.pattern] {
                r = known
            } else {
                r = Int32(regexes.count)
                regexes.append(regex)
                regexIndex[regex.pattern] = r
            }
            test = .init(op: .matches, path: p, operand: r, operandCount: 0)
        }
        if let known = testIndex[test] {
            uses[Int(known)] += 1
            return known
        }
        let t = Int32(tests.count)
        tests.append(test)
        uses.append(1)
        testIndex[test] = t
        return t
    }

    private mutating func path(_ path: EventPath) -> Int32 {
        if let known = pathIndex[path] { return known }
        let start = Int32(steps.count)
        for segment in path.path.segments.dropFirst() {
            switch segment {
            case .key(let k): steps.append(.init(kind: .key, value: string(k)))
            case .index(let n): steps.append(.init(kind: .index, value: Int32(clamping: n)))
            case .wildcard: steps.append(.init(kind: .wildcard, value: 0))
            }
        }
        let p = Int32(paths.count)
        paths.append(.init(root: path.root, stepStart: start, stepEnd: Int32(steps.count)))
        eventPaths.append(path)
        pathIndex[path] = p
        return p
    }

    private mutating func string(_ s: String) -> Int32 {
        if let known = stringIndex[s] { return known }
        let i = Int32(strings.count)
        strings.append(s)
        stringIndex[s] = i
        return i
    }

    /// The routes, patterns and bytes laid out so far, read as the evaluator reads them (for building
    /// candidate lists with the same glob code the matcher runs).
    func withCode<R>(_ body: (MatchProgram.Code) -> R) -> R {
        routes.withUnsafeBufferPointer { routes in
            patterns.withUnsafeBufferPointer { patterns in
                bytes.withUnsafeBufferPointer { bytes in
                    body(MatchProgram.Code(nodes: .init(start: nil, count: 0), tests: .init(start: nil, count: 0),
                                           paths: .init(start: nil, count: 0), steps: .init(start: nil, count: 0),
                                           operands: .init(start: nil, count: 0), strings: .init(start: nil, count: 0),
                                           regexes: .init(start: nil, count: 0), bytes: bytes, routes: routes,
                                           patterns: patterns, targets: .init(start: nil, count: 0),
                                           lists: .init(start: nil, count: 0), memoSlots: .init(start: nil, count: 0),
                                           eventPaths: .init(start: nil, count: 0)))
                }
            }
        }
    }

    /// Lays out a list of scalar operands (or finds the same list laid out before).
    private mutating func operands(_ values: [JSONValue]) -> Int32 {
        if let known = operandIndex[values] { return known }
        let start = Int32(operands.count)
        for v in values {
            switch v {
            case .null:
                operands.append(.init(kind: .null, bool: false, string: -1, number: nil))
            case .bool(let b):
                operands.append(.init(kind: .bool, bool: b, string: -1, number: nil))
            case .number(let n):
                operands.append(.init(kind: .number, bool: false, string: -1, number: DecimalKey(n, pool: &bytes)))
            case .string(let s):
                // A string holding a number equals and orders against numbers by value ("229.60" == 229.6).
                let number = JSONNumber(s).map { DecimalKey($0, pool: &bytes) }
                operands.append(.init(kind: .string, bool: false, string: string(s), number: number))
            case .array, .object:
                // Operands are YAML scalars; nothing reaches here. Such an operand equals nothing.
                operands.append(.init(kind: .null, bool: false, string: -1, number: nil))
            }
        }
        operandIndex[values] = start
        return start
    }
}
