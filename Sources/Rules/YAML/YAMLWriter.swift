/// Writes JSON-shaped values as block-style YAML that `YAMLLoader` reads back to the same values:
/// every string double-quoted (so `yes`, `012` or `: ` stay text), numbers and booleans plain.
public enum YAMLWriter {
    /// `value` as the body of a mapping or sequence at `indent` spaces (a scalar on its own line).
    public static func write(_ value: JSONValue, indent: Int = 0, into out: inout String) {
        let pad = String(repeating: " ", count: indent)
        switch value {
        case .object(let o) where !o.isEmpty:
            for (key, v) in o {
                out += pad + Self.key(key) + ":"
                inline(v, indent: indent, into: &out)
            }
        case .array(let items) where !items.isEmpty:
            for item in items {
                out += pad + "-"
                switch item {
                case .object(let o) where !o.isEmpty:
                    // The first key on the dash's line, the rest aligned under it.
                    var rest = ""
                    write(item, indent: indent + 2, into: &rest)
                    out += " " + rest.dropFirst(indent + 2)
                default:
                    inline(item, indent: indent, into: &out)
                }
            }
        default:
            out += pad + scalar(value) + "\n"
        }
    }

    /// After `key:` or `-`: a scalar or empty collection on the same line, else a nested block.
    private static func inline(_ v: JSONValue, indent: Int, into out: inout String) {
        switch v {
        case .object(let o) where !o.isEmpty:
            out += "\n"
            write(v, indent: indent + 2, into: &out)
        case .array(let a) where !a.isEmpty:
            out += "\n"
            write(v, indent: indent + 2, into: &out)
        default:
            out += " " + scalar(v) + "\n"
        }
    }

    /// A mapping key: plain when it is an identifier YAML reads as text, else quoted.
    static func key(_ k: String) -> String {
        let reserved = ["true", "false", "null", "yes", "no", "on", "off", "y", "n"]
        guard let first = k.utf8.first, (first >= 0x41 && first <= 0x5A) || (first >= 0x61 && first <= 0x7A) || first == 0x5F,
              k.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x5F || $0 == 0x2D }),
              !reserved.contains(k.lowercased()) else { return quoted(k) }
        return k
    }

    /// One scalar (or an empty collection) in flow form.
    public static func scalar(_ v: JSONValue) -> String {
        switch v {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .number: return v.serialized
        case .string(let s): return quoted(s)
        case .array: return "[]"
        case .object: return "{}"
        }
    }

    /// A YAML double-quoted scalar: `"` and `\` escaped, control characters as `\uXXXX`.
    public static func quoted(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 || u.value == 0x7F || (0x80...0x9F).contains(u.value) || u.value == 0x2028 || u.value == 0x2029 || u.value == 0xFEFF {
                    let hex = String(u.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out + "\""
    }
}
