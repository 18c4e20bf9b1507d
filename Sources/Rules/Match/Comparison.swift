/// One operator of SPEC §3.1 with its operand, typed at load time.
public enum Comparison: Sendable {
    case eq(JSONValue)
    case ne(JSONValue)
    case oneOf([JSONValue])
    case noneOf([JSONValue])
    case greater(JSONValue, orEqual: Bool)
    case less(JSONValue, orEqual: Bool)
    case exists(Bool)
    case matches(CompiledRegex)
    case contains(JSONValue)

    public static let operatorNames = ["eq", "ne", "in", "not_in", "gt", "gte", "lt", "lte", "exists", "matches", "contains"]

    func holds(at path: EventPath, in event: Event) -> Bool {
        var reached = false
        var satisfied = false
        path.forEachValue(in: event) { value in
            reached = true
            if self.test(value) { satisfied = true; return false }
            return true
        }
        if reached { return satisfied }
        switch self {
        case .ne, .noneOf: return true
        case .exists(let expected): return !expected
        default: return false
        }
    }

    /// The operator on one reached value.
    func test(_ value: JSONValue) -> Bool {
        switch self {
        case .eq(let operand): return Self.equal(value, operand)
        case .ne(let operand): return !Self.equal(value, operand)
        case .oneOf(let set): return set.contains { Self.equal(value, $0) }
        case .noneOf(let set): return !set.contains { Self.equal(value, $0) }
        case .greater(let operand, let orEqual):
            guard let c = Self.order(value, operand) else { return false }
            return c > 0 || (orEqual && c == 0)
        case .less(let operand, let orEqual):
            guard let c = Self.order(value, operand) else { return false }
            return c < 0 || (orEqual && c == 0)
        case .exists(let expected): return expected
        case .matches(let regex):
            guard case .string(let s) = value else { return false }
            return regex.matches(s)
        case .contains(let operand):
            switch value {
            case .string(let s):
                guard case .string(let needle) = operand else { return false }
                return s.contains(needle)
            case .array(let items):
                return items.contains { Self.equal($0, operand) }
            default:
                return false
            }
        }
    }

    /// Equality by JSON type; a number equals a string holding the same number ("229.60" == 229.6),
    /// because providers send money and ids as either.
    static func equal(_ a: JSONValue, _ b: JSONValue) -> Bool {
        switch (a, b) {
        case (.number(let x), .number(let y)): return x.numericallyEquals(y)
        case (.number(let x), .string(let s)), (.string(let s), .number(let x)):
            return JSONNumber(s).map { $0.numericallyEquals(x) } ?? false
        default: return a == b
        }
    }

    /// Order of two values: numbers (or numeric strings against a number) numerically, strings by bytes.
    static func order(_ a: JSONValue, _ b: JSONValue) -> Int? {
        switch (a, b) {
        case (.number(let x), .number(let y)): return x.compare(y)
        case (.string(let s), .number(let y)): return JSONNumber(s).map { $0.compare(y) }
        case (.number(let x), .string(let s)): return JSONNumber(s).map { x.compare($0) }
        case (.string(let x), .string(let y)): return x == y ? 0 : (x.utf8.lexicographicallyPrecedes(y.utf8) ? -1 : 1)
        default: return nil
        }
    }
}

extension Comparison: CustomStringConvertible {
    public var description: String {
        switch self {
        case .eq(let v): return "eq \(v.serialized)"
        case .ne(let v): return "ne \(v.serialized)"
        case .oneOf(let v): return "in \(JSONValue.array(v).serialized)"
        case .noneOf(let v): return "not_in \(JSONValue.array(v).serialized)"
        case .greater(let v, let e): return "\(e ? "gte" : "gt") \(v.serialized)"
        case .less(let v, let e): return "\(e ? "lte" : "lt") \(v.serialized)"
        case .exists(let b): return "exists \(b)"
        case .matches(let r): return "matches \(r.pattern)"
        case .contains(let v): return "contains \(v.serialized)"
        }
    }
}

/// A regular expression compiled once at load time.
public struct CompiledRegex: @unchecked Sendable {
    // Regex is immutable after compilation; matching from several threads is safe.
    let regex: Regex<AnyRegexOutput>
    public let pattern: String

    public init(_ pattern: String) throws {
        self.regex = try Regex(pattern)
        self.pattern = pattern
    }

    public func matches(_ s: String) -> Bool {
        (try? regex.firstMatch(in: s)) != nil
    }
}
