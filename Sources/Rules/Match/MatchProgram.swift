/// Every route's `events` and `when`, compiled into flat arrays of plain data for the hot path.
///
/// `Condition` (an indirect enum) stays the source of truth for `explain`; this is the same logic
/// laid out so that evaluating it copies no enum payload and retains nothing of the table: nodes,
/// tests, path steps and operands are POD structs in buffers owned by this object, numbers are
/// decoded at load time, field-path keys and string operands are interned.
final class MatchProgram: @unchecked Sendable {
    // Immutable after init; the buffers are read from any thread and freed in deinit.

    /// One node of a condition tree, in prefix order: a node's children follow it, `size` nodes in all.
    struct Node {
        enum Kind: UInt8 { case test, all, any, not }
        let kind: Kind
        /// Nodes in this subtree, this one included.
        let size: Int32
        /// For `.test`: index into `tests`.
        let test: Int32
    }

    /// One `{path, op: operand}`: interned, so routes sharing a test share its entry.
    struct Test: Hashable {
        enum Op: UInt8 { case eq, ne, oneOf, noneOf, greater, greaterOrEqual, less, lessOrEqual, exists, notExists, matches, contains }
        let op: Op
        let path: Int32
        /// Operands at `operand..<operand+operandCount` (one, except for in/not_in); regex index for `.matches`.
        let operand: Int32
        let operandCount: Int32
    }

    /// A path with its root resolved; its steps after the root at `stepStart..<stepEnd`.
    struct Path: Hashable {
        let root: EventRoot
        let stepStart: Int32
        let stepEnd: Int32
    }

    struct Step: Hashable {
        enum Kind: UInt8 { case key, index, wildcard }
        let kind: Kind
        /// Key: index into `strings`; index: the array index.
        let value: Int32
    }

    /// A scalar operand with its forms decoded once.
    struct Operand {
        enum Kind: UInt8 { case null, bool, number, string }
        let kind: Kind
        let bool: Bool
        /// String operands: index into `strings`.
        let string: Int32
        /// Number operands, and string operands that hold a number ("229.60"): the decoded value.
        let number: DecimalKey?
    }

    /// One route's part: where its condition starts (-1: none) and which event patterns it takes.
    struct Route {
        let condition: Int32
        let patternStart: Int32
        let patternEnd: Int32
        let targetStart: Int32
        let targetEnd: Int32
        let final: Bool
    }

    /// An event pattern's bytes in `bytes`.
    struct Pattern {
        let start: Int32
        let count: Int32
        let isGlob: Bool
    }

    /// At most this many shared tests are remembered per event: the scratch is on the stack and
    /// cleared for every match, so it must stay small whatever the size of the config.
    static let maxMemoSlots = 512

    /// The raw views the evaluator reads; plain pointers, copied freely.
    struct Code {
        let nodes: UnsafeBufferPointer<Node>
        let tests: UnsafeBufferPointer<Test>
        let paths: UnsafeBufferPointer<Path>
        let steps: UnsafeBufferPointer<Step>
        let operands: UnsafeBufferPointer<Operand>
        let strings: UnsafeBufferPointer<String>
        let regexes: UnsafeBufferPointer<CompiledRegex>
        let bytes: UnsafeBufferPointer<UInt8>
        let routes: UnsafeBufferPointer<Route>
        let patterns: UnsafeBufferPointer<Pattern>
        let targets: UnsafeBufferPointer<Int>
        let lists: UnsafeBufferPointer<Int32>
        let memoSlots: UnsafeBufferPointer<Int32>
        /// Per path, the general form, for roots walked the general way (headers, time).
        let eventPaths: UnsafeBufferPointer<EventPath>
        var memoCount: Int { Swift.min(memoSlots.count, MatchProgram.maxMemoSlots) }
    }

    let code: Code

    init(builder b: MatchProgramBuilder) {
        code = Code(nodes: Self.copy(b.nodes), tests: Self.copy(b.tests), paths: Self.copy(b.paths),
                    steps: Self.copy(b.steps), operands: Self.copy(b.operands), strings: Self.copy(b.strings),
                    regexes: Self.copy(b.regexes), bytes: Self.copy(b.bytes), routes: Self.copy(b.routes),
                    patterns: Self.copy(b.patterns), targets: Self.copy(b.targets), lists: Self.copy(b.lists),
                    memoSlots: Self.copy(b.memoSlots), eventPaths: Self.copy(b.eventPaths))
    }

    deinit {
        Self.free(code.nodes); Self.free(code.tests); Self.free(code.paths); Self.free(code.steps)
        Self.free(code.operands); Self.free(code.strings); Self.free(code.regexes); Self.free(code.bytes)
        Self.free(code.routes); Self.free(code.patterns); Self.free(code.targets); Self.free(code.lists); Self.free(code.memoSlots); Self.free(code.eventPaths)
    }

    private static func copy<T>(_ array: [T]) -> UnsafeBufferPointer<T> {
        let buffer = UnsafeMutableBufferPointer<T>.allocate(capacity: max(array.count, 1))
        _ = buffer.initialize(from: array)
        return UnsafeBufferPointer(rebasing: buffer[..<array.count])
    }

    private static func free<T>(_ buffer: UnsafeBufferPointer<T>) {
        let mutable = UnsafeMutableBufferPointer(mutating: buffer)
        mutable.deinitialize()
        mutable.baseAddress?.deallocate()
    }
}

extension MatchProgram.Code {
    /// Whether route `r` takes events of a type whose UTF-8 bytes are `type`.
    @inline(__always)
    func takes(route r: Int, type: UnsafeBufferPointer<UInt8>) -> Bool {
        let route = routes[r]
        if route.patternStart == route.patternEnd { return true }
        for p in Int(route.patternStart)..<Int(route.patternEnd) {
            let pattern = patterns[p]
            let text = UnsafeBufferPointer(rebasing: bytes[Int(pattern.start)..<Int(pattern.start + pattern.count)])
            if pattern.isGlob ? Glob.matches(pattern: text, text: type) : text.elementsEqual(type) { return true }
        }
        return false
    }

    /// Whether the condition tree at `node` holds for `event`; `memo` remembers shared tests for this
    /// event (0 unknown, 1 false, 2 true).
    func holds(_ node: Int, _ event: Event, _ memo: UnsafeMutablePointer<UInt8>) -> Bool {
        let n = nodes[node]
        switch n.kind {
        case .test:
            let t = Int(n.test)
            let slot = Int(memoSlots[t])
            if slot < 0 { return holds(test: t, event) }
            let known = memo[slot]
            if known != 0 { return known == 2 }
            let result = holds(test: t, event)
            memo[slot] = result ? 2 : 1
            return result
        case .all:
            var child = node + 1
            let end = node + Int(n.size)
            while child < end {
                if !holds(child, event, memo) { return false }
                child += Int(nodes[child].size)
            }
            return true
        case .any:
            var child = node + 1
            let end = node + Int(n.size)
            while child < end {
                if holds(child, event, memo) { return true }
                child += Int(nodes[child].size)
            }
            return false
        case .not:
            return !holds(node + 1, event, memo)
        }
    }

    /// One test: any reached value satisfies it; a path that reaches nothing satisfies only ne, not_in, exists: false.
    func holds(test t: Int, _ event: Event) -> Bool {
        let test = tests[t]
        let path = paths[Int(test.path)]
        var reached = false
        let satisfied: Bool
        switch path.root {
        case .data:
            satisfied = visit(event.data, Int(path.stepStart), Int(path.stepEnd), test, &reached)
        case .attributes:
            satisfied = visitObject(event.attributes, Int(path.stepStart), Int(path.stepEnd), test, &reached)
        case .type:
            reached = true
            satisfied = apply(test, toString: event.type)
        case .source:
            reached = true
            satisfied = apply(test, toString: event.source)
        case .id:
            reached = true
            satisfied = apply(test, toString: event.id)
        case .time, .receivedAt, .headers:
            // Rare in conditions; the general walk (headers are case-insensitive and may repeat).
            var found = false
            eventPaths[Int(test.path)].forEachValue(in: event) { value in
                reached = true
                if apply(test, to: value) { found = true; return false }
                return true
            }
            satisfied = found
        }
        if reached { return satisfied }
        switch test.op {
        case .ne, .noneOf, .notExists: return true
        default: return false
        }
    }

    /// Walks steps `i..<end` from `value`; true as soon as a reached value satisfies the test.
    func visit(_ value: JSONValue, _ i: Int, _ end: Int, _ test: MatchProgram.Test, _ reached: inout Bool) -> Bool {
        if i == end {
            reached = true
            return apply(test, to: value)
        }
        switch value {
        case .object(let object):
            return visitObject(object, i, end, test, &reached)
        case .array(let items):
            let step = steps[i]
            return items.withUnsafeBufferPointer { items in
                switch step.kind {
                case .index:
                    let n = Int(step.value)
                    guard n < items.count else { return false }
                    return visit(items[n], i + 1, end, test, &reached)
                case .wildcard:
                    for k in 0..<items.count where visit(items[k], i + 1, end, test, &reached) { return true }
                    return false
                case .key:
                    return false
                }
            }
        default:
            return false
        }
    }

    func visitObject(_ object: JSONObject, _ i: Int, _ end: Int, _ test: MatchProgram.Test, _ reached: inout Bool) -> Bool {
        if i == end {
            reached = true
            return apply(test, to: .object(object))
        }
        let step = steps[i]
        switch step.kind {
        case .key:
            guard let j = object.index(forKey: strings[Int(step.value)]) else { return false }
            return object.withValues { visit($0[j], i + 1, end, test, &reached) }
        case .wildcard:
            return object.withValues { values in
                for j in 0..<values.count where visit(values[j], i + 1, end, test, &reached) { return true }
                return false
            }
        case .index:
            return false
        }
    }

    /// The operator on one reached value.
    func apply(_ test: MatchProgram.Test, to value: JSONValue) -> Bool {
        switch value {
        case .string(let s): return apply(test, toString: s)
        case .number(let n): return apply(test, toNumber: n)
        default: break
        }
        let o = Int(test.operand)
        switch test.op {
        case .exists: return true
        case .notExists: return false
        case .eq: return equal(value, o)
        case .ne: return !equal(value, o)
        case .oneOf: return anyEqual(value, test)
        case .noneOf: return !anyEqual(value, test)
        case .greater, .greaterOrEqual, .less, .lessOrEqual, .matches: return false
        case .contains:
            guard case .array(let items) = value else { return false }
            for item in items where equal(item, o) { return true }
            return false
        }
    }

    @inline(__always)
    private func anyEqual(_ value: JSONValue, _ test: MatchProgram.Test) -> Bool {
        for o in Int(test.operand)..<Int(test.operand + test.operandCount) where equal(value, o) { return true }
        return false
    }

    /// `Comparison.equal` for a value that is neither string nor number: only null and bools can equal a scalar.
    private func equal(_ value: JSONValue, _ o: Int) -> Bool {
        switch value {
        case .string(let s): return equal(string: s, o)
        case .number(let n): return equal(number: n, o)
        case .null: return operands[o].kind == .null
        case .bool(let b): return operands[o].kind == .bool && operands[o].bool == b
        default: return false
        }
    }

    private func equal(string s: String, _ o: Int) -> Bool {
        let operand = operands[o]
        switch operand.kind {
        case .string: return strings[Int(operand.string)] == s
        case .number: return s.withUTF8Bytes { operand.number!.compare(text: $0, pool: bytes) } == 0
        default: return false
        }
    }

    private func equal(number n: JSONNumber, _ o: Int) -> Bool {
        guard let key = operands[o].number else { return false }
        return n.text.withUTF8Bytes { key.compare(number: $0, pool: bytes) } == 0
    }

    func apply(_ test: MatchProgram.Test, toString s: String) -> Bool {
        let o = Int(test.operand)
        switch test.op {
        case .exists: return true
        case .notExists: return false
        case .eq: return equal(string: s, o)
        case .ne: return !equal(string: s, o)
        case .oneOf, .noneOf:
            var found = false
            for k in o..<o + Int(test.operandCount) where equal(string: s, k) { found = true; break }
            return test.op == .oneOf ? found : !found
        case .greater, .greaterOrEqual, .less, .lessOrEqual:
            let operand = operands[o]
            let c: Int?
            switch operand.kind {
            case .number: c = s.withUTF8Bytes { operand.number!.compare(text: $0, pool: bytes) }
            case .string: c = Self.byteOrder(s, strings[Int(operand.string)])
            default: c = nil
            }
            guard let c else { return false }
            return Self.satisfies(test.op, c)
        case .matches:
            return regexes[o].matches(s)
        case .contains:
            let operand = operands[o]
            guard operand.kind == .string else { return false }
            return s.contains(strings[Int(operand.string)])
        }
    }

    func apply(_ test: MatchProgram.Test, toNumber n: JSONNumber) -> Bool {
        let o = Int(test.operand)
        switch test.op {
        case .exists: return true
        case .notExists: return false
        case .eq: return equal(number: n, o)
        case .ne: return !equal(number: n, o)
        case .oneOf, .noneOf:
            var found = false
            for k in o..<o + Int(test.operandCount) where equal(number: n, k) { found = true; break }
            return test.op == .oneOf ? found : !found
        case .greater, .greaterOrEqual, .less, .lessOrEqual:
            // A string operand orders against a number only when it holds one.
            guard let key = operands[o].number else { return false }
            return Self.satisfies(test.op, n.text.withUTF8Bytes { key.compare(number: $0, pool: bytes) })
        case .matches, .contains:
            return false
        }
    }

    @inline(__always)
    static func satisfies(_ op: MatchProgram.Test.Op, _ c: Int) -> Bool {
        switch op {
        case .greater: return c > 0
        case .greaterOrEqual: return c >= 0
        case .less: return c < 0
        case .lessOrEqual: return c <= 0
        default: return false
        }
    }

    static func byteOrder(_ x: String, _ y: String) -> Int {
        x == y ? 0 : (x.utf8.lexicographicallyPrecedes(y.utf8) ? -1 : 1)
    }
}

extension Glob {
    /// `matches(pattern:text:)` over bytes in place: `*` and `?` with one backtrack point, no allocation.
    static func matches(pattern p: UnsafeBufferPointer<UInt8>, text t: UnsafeBufferPointer<UInt8>) -> Bool {
        var pi = 0, ti = 0, star = -1, mark = 0
        while ti < t.count {
            if pi < p.count, p[pi] == UInt8(ascii: "?") || p[pi] == t[ti] {
                pi += 1; ti += 1
            } else if pi < p.count, p[pi] == UInt8(ascii: "*") {
                star = pi; mark = ti; pi += 1
            } else if star >= 0 {
                pi = star + 1; mark += 1; ti = mark
            } else {
                return false
            }
        }
        while pi < p.count, p[pi] == UInt8(ascii: "*") { pi += 1 }
        return pi == p.count
    }
}
