/// Writes the Prometheus text exposition format (version 0.0.4): `# HELP`, `# TYPE`, then samples.
struct PrometheusText {
    private(set) var text = ""

    typealias Labels = KeyValuePairs<String, String>

    mutating func family(_ name: String, _ type: String, _ help: String) {
        text += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
    }

    mutating func sample(_ name: String, _ labels: [(String, String)] = [], _ value: Double) {
        text += name
        if !labels.isEmpty {
            text += "{" + labels.map { "\($0.0)=\"\(Self.escape($0.1))\"" }.joined(separator: ",") + "}"
        }
        text += " " + Self.format(value) + "\n"
    }

    mutating func sample(_ name: String, _ labels: [(String, String)] = [], _ value: Int) {
        sample(name, labels, Double(value))
    }

    /// A histogram: cumulative `_bucket` samples with `le`, then `_sum` and `_count`.
    mutating func histogram(_ name: String, _ labels: [(String, String)], bounds: [Double], counts: [Int], sum: Double) {
        var cumulative = 0
        for (i, bound) in bounds.enumerated() {
            cumulative += counts[i]
            sample(name + "_bucket", labels + [("le", Self.format(bound))], cumulative)
        }
        cumulative += counts[bounds.count]
        sample(name + "_bucket", labels + [("le", "+Inf")], cumulative)
        sample(name + "_sum", labels, sum)
        sample(name + "_count", labels, cumulative)
    }

    static func escape(_ s: String) -> String {
        var out = ""
        for c in s {
            switch c {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.append(c)
            }
        }
        return out
    }

    static func format(_ v: Double) -> String {
        if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
        return String(v)
    }
}
