/// Column-wise parameters for `unnest($1::type[], …)`: one PostgreSQL array literal per column.
struct Columns {
    private var columns: [[String]] = []
    private let count: Int

    init(count: Int) { self.count = count }

    private mutating func add(_ column: Int, _ element: String) {
        while columns.count <= column { columns.append([]) }
        if columns[column].isEmpty { columns[column].reserveCapacity(count) }
        columns[column].append(element)
    }

    mutating func text(_ column: Int, _ value: String) { add(column, PGArray.quoted(value)) }
    mutating func optionalText(_ column: Int, _ value: String?) { add(column, value.map(PGArray.quoted) ?? "NULL") }
    mutating func int(_ column: Int, _ value: Int64) { add(column, String(value)) }
    mutating func optionalInt(_ column: Int, _ value: Int64?) { add(column, value.map(String.init) ?? "NULL") }
    mutating func bool(_ column: Int, _ value: Bool) { add(column, value ? "t" : "f") }
    /// bytea in hex form, quoted (its backslash escaped in the array literal).
    mutating func bytes(_ column: Int, _ value: [UInt8]) { add(column, "\"\\" + PGBytea.encode(value) + "\"") }

    var parameters: [String?] { columns.map { "{" + $0.joined(separator: ",") + "}" } }
}

/// Array parameters (`$1::bigint[]`, `$1::text[]`) as PostgreSQL array literals.
enum PGArray {
    /// `{1,2,3}`.
    static func ints(_ ids: some Sequence<Int64>) -> String { "{" + ids.map(String.init).joined(separator: ",") + "}" }

    /// `{"a","b\"c"}`.
    static func texts(_ items: [String]) -> String { "{" + items.map(quoted).joined(separator: ",") + "}" }

    /// `"…"` with `"` and `\` escaped: any text, NULL-looking or empty included.
    static func quoted(_ s: String) -> String {
        var out = "\""
        for c in s.unicodeScalars {
            if c == "\"" || c == "\\" { out.unicodeScalars.append("\\") }
            out.unicodeScalars.append(c)
        }
        return out + "\""
    }
}
