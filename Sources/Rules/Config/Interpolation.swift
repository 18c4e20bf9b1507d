/// Expands `${VAR}` and `${VAR:-default}` from the environment. `${{ … }}` (templates) is left alone,
/// and `$${` writes a literal `${`.
public struct Interpolation: Sendable {
    public let environment: [String: String]

    public init(environment: [String: String]) {
        self.environment = environment
    }

    public enum Failure: Error, Equatable {
        case unset(String)
        case malformed(String)
    }

    public func expand(_ text: String) -> Result<String, Failure> {
        guard Self.mayHoldReference(text) else { return .success(text) }
        var out = ""
        var rest = text[...]
        while let dollar = rest.firstIndex(of: "$") {
            out += rest[..<dollar]
            let after = rest[dollar...].dropFirst()
            if after.hasPrefix("${") {  // $${ → ${
                out += "${"
                rest = after.dropFirst(2)
                continue
            }
            guard after.hasPrefix("{"), !after.dropFirst().hasPrefix("{") else {
                out += "$"
                rest = after
                continue
            }
            let body = after.dropFirst()
            guard let close = body.firstIndex(of: "}") else {
                return .failure(.malformed(String(rest[dollar...])))
            }
            let inner = body[..<close]
            let name: Substring
            var fallback: Substring?
            if let sep = inner.firstRange(of: ":-") {
                name = inner[..<sep.lowerBound]
                fallback = inner[sep.upperBound...]
            } else {
                name = inner
            }
            guard Self.isName(name) else { return .failure(.malformed("${\(inner)}")) }
            if let value = environment[String(name)], !(fallback != nil && value.isEmpty) {
                out += value
            } else if let fallback {
                out += fallback
            } else {
                return .failure(.unset(String(name)))
            }
            rest = body[body.index(after: close)...]
        }
        out += rest
        return .success(out)
    }

    /// Whether `text` has a `${` at all: a byte scan, because nearly every config string has none and
    /// `String.contains(String)` is a generic search that dominated compile time.
    static func mayHoldReference(_ text: String) -> Bool {
        var previous: UInt8 = 0
        for c in text.utf8 {
            if c == 0x7B, previous == 0x24 { return true }
            previous = c
        }
        return false
    }

    static func isName(_ s: Substring) -> Bool {
        guard let first = s.first, first == "_" || (first.isASCII && first.isLetter) else { return false }
        return s.allSatisfy { $0 == "_" || ($0.isASCII && ($0.isLetter || $0.isNumber)) }
    }
}
