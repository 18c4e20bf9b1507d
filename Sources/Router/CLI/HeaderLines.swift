import Rules

/// `Name: value` header lines, as `--header` takes them and `.headers` files hold them.
enum HeaderLines {
    struct Malformed: Error, CustomStringConvertible {
        let line: String
        var description: String { "'\(line)' is not a header; write it as 'Name: value'" }
    }

    /// One `Name: value`; the value is trimmed of the spaces around it, the name must be a token.
    static func parse(_ line: String) throws(Malformed) -> HTTPField {
        guard let colon = line.firstIndex(of: ":") else { throw Malformed(line: line) }
        let name = String(line[..<colon])
        let value = trimmed(line[line.index(after: colon)...])
        guard !name.isEmpty, name.utf8.allSatisfy(isTokenByte) else { throw Malformed(line: line) }
        return HTTPField(name, String(value))
    }

    /// Every non-empty line of a `.headers` file (CRLF or LF); `#` starts a comment line.
    static func parse(file bytes: [UInt8]) throws(Malformed) -> [HTTPField] {
        var out: [HTTPField] = []
        // Split on bytes: to String, "\r\n" is one character and would not split on "\n".
        for raw in bytes.split(separator: UInt8(ascii: "\n")) {
            let line = Substring(String(decoding: raw.last == UInt8(ascii: "\r") ? raw.dropLast() : raw, as: UTF8.self))
            if trimmed(line).isEmpty || line.hasPrefix("#") { continue }
            out.append(try parse(String(line)))
        }
        return out
    }

    private static func trimmed(_ s: Substring) -> Substring {
        guard let first = s.firstIndex(where: { $0 != " " && $0 != "\t" }),
              let last = s.lastIndex(where: { $0 != " " && $0 != "\t" }) else { return "" }
        return s[first...last]
    }

    /// RFC 9110 token characters.
    private static func isTokenByte(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): return true
        default: return "!#$%&'*+-.^_`|~".utf8.contains(b)
        }
    }
}
