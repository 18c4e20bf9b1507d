import Testing
@testable import Rules

/// Parsing with a demand: the same verdict and error as a full parse for every input, and the same
/// values at every demanded path.
struct JSONDemandTests {
    static let demands: [JSONDemand] = [
        JSONDemand(paths: []),
        JSONDemand(paths: [path("a")]),
        JSONDemand(paths: [path("x.y"), path("a[1]")]),
        JSONDemand(paths: [path("a[*].b"), path("k")]),
    ]

    static func path(_ text: String) -> FieldPath { try! FieldPath(parsing: text) }

    static func outcome(_ text: String, _ demand: JSONDemand?) -> String {
        do {
            _ = try JSONValue.parse(Array(text.utf8), demand: demand)
            return "ok"
        } catch {
            return "\(error.offset): \(error.message)"
        }
    }

    @Test(arguments: [
        "", "{", "[1,]", "{\"a\":1,}", "01", "+1", "1.", "NaN", "{\"a\" 1}", "[1 2]", "\"a\tb\"", "\"\\x\"", "\"\\ud800\"",
        "{\"a\":1,\"a\":2}", "tru", "{} x", "// c\n{}",
        // Inside values nobody asked for: still refused, with the same error.
        "{\"z\":{\"q\":1,\"q\":2}}", "{\"z\":{\"q\":1,\"\\u0071\":2}}", "{\"z\":[1,{\"a\":tru}]}", "{\"z\":\"a\u{1}b\"}",
        "{\"z\":\"\\ud800x\"}", "{\"z\":[1,2", "{\"z\":{\"a\" 1}}", "{\"z\":-}", "{\"z\":01}", "{\"z\":{,}}",
        String(repeating: "[", count: 70) + String(repeating: "]", count: 70),
        "{\"z\":" + String(repeating: "[", count: 70) + String(repeating: "]", count: 70) + "}",
        // Accepted either way.
        "{\"z\":{\"q\":1,\"r\":{\"q\":2}},\"a\":[{\"b\":1},{\"b\":[2]}],\"x\":{\"y\":\"\\u00e3\"}}", "[1,{\"a\":2},\"\\\"\"]", "3", "\"s\"",
        "{\"k\":\"\\/\",\"esc\\u0061ped\":1,\"escaped\":2}",
    ])
    func sameVerdictAsAFullParse(_ text: String) {
        let full = Self.outcome(text, nil)
        for demand in Self.demands { #expect(Self.outcome(text, demand) == full, "\(text)") }
    }

    /// Past 16 keys duplicates are found with a hash set (a scan was quadratic): the same verdicts.
    @Test func manyKeysAreCheckedForDuplicatesToo() {
        let keys = (0..<40).map { "\"key\($0)\":\($0)" }
        let distinct = "{" + keys.joined(separator: ",") + "}"
        let late = "{" + keys.joined(separator: ",") + ",\"key3\":0}"
        let escaped = "{" + keys.joined(separator: ",") + ",\"\\u006bey39\":0}"
        for text in [distinct, late, escaped, "{\"z\":\(late)}", "{\"z\":\(escaped)}", "{\"z\":\(distinct)}"] {
            let full = Self.outcome(text, nil)
            for demand in Self.demands { #expect(Self.outcome(text, demand) == full, "\(text)") }
        }
        #expect(Self.outcome(late, nil).hasSuffix("duplicate key \"key3\""))
        #expect(Self.outcome("{\"z\":\(escaped)}", JSONDemand(paths: [])).hasSuffix("duplicate key \"key39\""))
        #expect(Self.outcome(distinct, nil) == "ok")
    }

    /// Keys are equal as Strings are (canonical equivalence), and below the scan limit only at the same
    /// UTF-8 length (`DuplicateKeys`): a skipped object's keys compare the same way, however written.
    @Test func canonicallyEquivalentKeysAreDuplicatesAsAFullParseSays() {
        let fillers = (0..<16).map { "\"f\($0)\":0" }.joined(separator: ",")
        let cases: [(String, Bool)] = [
            ("\"a\u{301}\u{316}\":1,\"a\u{316}\u{301}\":2", true),    // raw, same length, marks reordered
            ("\"\\u00e9\":1,\"e\\u0301\":2", false),                  // escaped, 2 and 3 bytes: not below the limit
            ("\"\u{e9}\":1,\"e\u{301}\":2", false),                      // raw, 2 and 3 bytes
            ("\(fillers),\"\u{e9}\":1,\"e\u{301}\":2", true),           // past the limit: a set, canonical
            ("\(fillers),\"\\u00e9\":1,\"e\\u0301\":2", true),
            ("\(fillers),\"K\":1,\"\u{212A}\":2", true),                  // KELVIN SIGN is K
            ("\"K\":1,\"\\u212A\":2", false),
            ("\"ab\u{e9}\":1,\"a\\u0062\u{e9}\":2", true),
        ]
        for (members, duplicate) in cases {
            for text in ["{\(members)}", "{\"z\":{\(members)}}", "[{\"z\":[{\(members)}]}]"] {
                let full = Self.outcome(text, nil)
                #expect(full.contains("duplicate key") == duplicate, "\(text): \(full)")
                for demand in Self.demands { #expect(Self.outcome(text, demand) == full, "\(text)") }
            }
        }
    }

    /// Edges of the skipper's own checks (numbers read in one pass, escapes checked without decoding,
    /// literals, keys on its stack, the depth limit), each skipped and built with the same verdict.
    @Test func skippedEdgesGetTheFullParsesVerdict() {
        var values = [
            "-0", "0", "1e5", "1E+5", "1e-05", "-0.0e0", "12.50", "01", "-01", "00", "1.", ".5", "-", "--1", "1e", "1e+",
            "2-", "1.2.3", "1e5e", "0x1", "+1", "1-2", "123456789012345678901234567890", "tru", "true", "truex", "nul",
            "null", "fals", "false", "t", "nulL",
            "\"\\u12\"", "\"\\u12G4\"", "\"\\udc00\"", "\"\\ud800\\u0041\"", "\"\\ud800\\ud800\"", "\"\\ud83d\\ude00\"",
            "\"\\ud800\\\"", "\"\\ud800\"", "\"\\\"", "\"a\\\\\"", "\"\\q\"", "\"\\u00e3\\n\u{1}\"", "\"\\u00e3", "\"\\n",
            "\"ok\\n\\t\\r\\b\\f\\/\\\\\\\"\"", "\"\\u0000\"",
        ]
        // Invalid UTF-8 before, between and after escapes, and against a later error (which wins).
        let bad = "\u{FFFD}"  // stands for the byte 0xC3 followed by '(' below
        values += ["\"\(bad)\\n\"", "\"\\n\(bad)\"", "\"\\u00e3\(bad)x\\t\"", "\"\(bad)\\q\"", "\"\(bad)\\n\u{1}\"", "\"\(bad)\\n"]
        var texts: [[UInt8]] = []
        for v in values {
            for wrap in ["{\"z\":\(v)}", "{\"z\":[\(v)]}", "{\"z\":{\"k\":\(v),\"m\":1}}", "[\(v),1]", "{\"z\":\(v)"] {
                var bytes: [UInt8] = []
                for unit in wrap.utf8 { bytes.append(unit) }
                texts.append(Self.replacingBad(bytes))
            }
        }
        // Keys: duplicates before and after the 16-key limit, escaped or not, and an inner object's keys
        // (on the stack above its parent's) gone when it closes.
        let keys = (0..<20).map { "\"k\($0)\":\($0)" }
        for count in [15, 16, 17, 18] {
            let head = keys.prefix(count).joined(separator: ",")
            for last in ["\"k0\":1", "\"k\(count - 1)\":1", "\"\\u006b0\":1", "\"k\(count)\":1", "\"k\\u0030\":1"] {
                texts.append(Array("{\"z\":{\(head),\(last)}}".utf8))
                texts.append(Array("{\"z\":{\"o\":{\(head),\"in\":{\(head)}},\(head),\(last)}}".utf8))
            }
        }
        texts.append(Array(#"{"z":{"x":1,"b":{"x":2},"x":3}}"#.utf8))
        texts.append(Array(#"{"z":{"x":1,"b":{"y":2},"y":3}}"#.utf8))
        texts.append(Array(#"{"z":[{"x":1},{"x":2}],"y":{"":1,"":2}}"#.utf8))
        // Past the stacks' first capacity: 40 open objects with 15 keys each, then a duplicate at the bottom.
        let wide = keys.prefix(15).joined(separator: ",")
        let deep = String(repeating: "{\(wide),\"d\":", count: 40) + "1" + String(repeating: "}", count: 40)
        texts.append(Array("{\"z\":\(deep)}".utf8))
        texts.append(Array("{\"z\":{\(wide),\"d\":\(deep),\"k3\":0}}".utf8))
        // The depth limit: at it and one past it, in arrays and objects.
        for depth in [63, 64] {
            texts.append(Array(("{\"z\":" + String(repeating: "[", count: depth) + String(repeating: "]", count: depth) + "}").utf8))
            texts.append(Array(("{\"z\":" + String(repeating: "{\"a\":", count: depth) + "1" + String(repeating: "}", count: depth) + "}").utf8))
        }
        for text in texts {
            let full = Self.outcome(text, nil)
            for demand in Self.demands { #expect(Self.outcome(text, demand) == full, "\(String(decoding: text, as: UTF8.self))") }
        }
        #expect(Self.outcome(Array("{\"z\":-0}".utf8), JSONDemand(paths: [])) == "ok")
        #expect(Self.outcome(Array("{\"z\":01}".utf8), JSONDemand(paths: [])) == "5: invalid number")
        #expect(Self.outcome(Array(("{\"z\":" + String(repeating: "[", count: 64) + String(repeating: "]", count: 64) + "}").utf8), JSONDemand(paths: [])) == "68: nesting deeper than 64 levels")
    }

    static func outcome(_ bytes: [UInt8], _ demand: JSONDemand?) -> String {
        do throws(JSONParseError) {
            _ = try JSONValue.parse(bytes, demand: demand)
            return "ok"
        } catch {
            return "\(error.offset): \(error.message)"
        }
    }

    /// U+FFFD's UTF-8 (EF BF BD) replaced by an invalid pair, C3 28.
    static func replacingBad(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [], i = 0
        while i < bytes.count {
            if i + 2 < bytes.count, bytes[i] == 0xEF, bytes[i + 1] == 0xBF, bytes[i + 2] == 0xBD {
                out += [0xC3, 0x28]
                i += 3
            } else {
                out.append(bytes[i])
                i += 1
            }
        }
        return out
    }

    /// A quote, escape, control byte, non-ASCII character or invalid byte at each offset of a long string
    /// gives the same result built or skipped, and the error names that byte (a guard for scanning
    /// strings a machine word at a time, tried once and worth trying again).
    @Test func everyOffsetOfALongStringIsChecked() throws {
        let fillers = (before: String(repeating: "a", count: 24), after: String(repeating: "b", count: 24))
        for offset in 0..<20 {
            let head = String(fillers.before.prefix(offset)), tail = String(fillers.after.prefix(19 - offset))
            for (middle, expected) in [("\\n", head + "\n" + tail), ("ã", head + "ã" + tail), ("\\u00e3", head + "ã" + tail), ("\\\"", head + "\"" + tail)] {
                let text = "{\"k\":\"" + head + middle + tail + "\"}"
                #expect(try JSONValue.parse(Array(text.utf8)) == .object(JSONObject(uniqueKeys: ["k"], values: [.string(expected)])))
                for demand in Self.demands { #expect(Self.outcome(text, demand) == "ok", "\(text)") }
            }
            let control = "{\"k\":\"" + head + "\u{1}" + tail + "\"}"
            #expect(Self.outcome(control, nil) == "\(6 + offset): control character in string")
            for demand in Self.demands { #expect(Self.outcome(control, demand) == Self.outcome(control, nil)) }
            let invalid = Array("{\"k\":\"\(head)".utf8) + [0xC3, 0x28] + Array("\(tail)\"}".utf8)
            let verdicts = ([nil] + Self.demands.map { Optional($0) }).map { (demand: JSONDemand?) -> String in
                do throws(JSONParseError) { _ = try JSONValue.parse(invalid, demand: demand); return "ok" } catch { return error.message }
            }
            #expect(verdicts.allSatisfy { $0 == "invalid UTF-8 in string" }, "\(verdicts)")
        }
    }

    @Test func invalidUTF8InASkippedStringIsRefused() {
        let bytes: [UInt8] = Array("{\"z\":\"".utf8) + [0xC3, 0x28] + Array("\"}".utf8)
        #expect(throws: JSONParseError.self) { try JSONValue.parse(bytes, demand: JSONDemand(paths: [])) }
    }

    @Test func demandedPathsReadWhatAFullParseReads() throws {
        var rng = SplitMix(seed: 7)
        for _ in 0..<400 {
            let doc = Self.randomValue(&rng, depth: 0)
            let text = doc.serialized
            let full = try JSONValue.parse(text)
            var paths: [FieldPath] = []
            Self.collectPaths(full, [], &paths)
            let wanted = paths.filter { _ in rng.next() % 3 == 0 }.map { path in
                // Some demands ask for every member instead of one.
                FieldPath(segments: path.segments.map { rng.next() % 4 == 0 ? .wildcard : $0 })
            }
            let pruned = try JSONValue.parse(Array(text.utf8), demand: JSONDemand(paths: wanted))
            // What a demanded path reaches is built whole, so comparing the path's values compares
            // everything below them too.
            for p in wanted {
                var a: [JSONValue] = [], b: [JSONValue] = []
                p.forEachValue(in: full) { a.append($0); return true }
                p.forEachValue(in: pruned) { b.append($0); return true }
                #expect(a == b, "\(p) in \(text) wanting \(wanted)")
            }
        }
    }

    /// A demanded object's keys are checked as byte ranges and matched against the demand's names by
    /// their bytes when plain (`parseObject(depth:demand:)`): the same verdicts and the same kept values
    /// as a full parse, however a key is written and whichever keys are wanted.
    @Test func demandedObjectsCheckAndMatchKeysAsAFullParse() throws {
        let key = { (text: String) in FieldPath(segments: [.key(text)]) }
        let demands: [[FieldPath]] = [
            [Self.path("evento"), Self.path("event"), Self.path("type"), Self.path("timestamp")],
            [Self.path("dados.chave_acesso"), Self.path("evento")],
            [Self.path("a[1].b"), Self.path("c")],
            [Self.path("items[*].sku"), Self.path("z.q")],
            [key("a\u{e7}\u{e3}o"), key("\u{e9}"), key("a\u{301}\u{316}"), key(""), key("K")],
            [FieldPath(segments: [.wildcard, .key("x")])],
        ]
        let fillers = (0..<16).map { "\"f\($0)\":0" }.joined(separator: ",")
        let others = (0..<16).map { "\"g\($0)\":0" }.joined(separator: ",")
        var members = [
            #""evento":1,"evento":2"#, #""x":1,"x":2"#, #""evento":1,"ev\u0065nto":2"#, #""ev\u0065nto":"a","z":1"#,
            #""evento":"a","event":"b","type":"c","timestamp":"d""#, #""evento":{"evento":1},"z":{"evento":2,"evento":3}"#,
            #""z":{"q":1},"q":2"#, #""z":{"q":1,"r":{"q":2}},"q":3,"r":4"#, #""a":[{"b":1},{"b":2,"b":3}],"c":0"#,
            #""a":[{"b":1},{"b":2,"c":3,"\u0062":4}]"#, #""a":[0,{"b":{"b":1,"b":2}}]"#, #""dados":{"chave_acesso":"k","x":1,"x":2}"#,
            #""dados":{"chave_acesso":"k","chave_acess\u006f":1},"evento":0"#, #""dados":[1],"dados":2"#,
            #""items":[{"sku":1,"sku":2}]"#, #""items":{"p":{"sku":"a"},"q":{"sku":"b","s\u006bu":"c"}}"#,
            #""a\u00e7\u00e3o":1"#, "\"a\u{e7}\u{e3}o\":1,\"a\\u00e7\\u00e3o\":2", #""e\u0301":1,"\u00e9":2"#,
            "\"\u{e9}\":1,\"e\u{301}\":2", "\"a\u{316}\u{301}\":1", "\"a\u{301}\u{316}\":1,\"a\u{316}\u{301}\":2",
            #""":1,"":2"#, #""":1,"\u0000":2"#, #""\u212A":1,"K":2"#, "\"\u{212A}\":1",
            #""x":{"x":1},"y":{"x":2,"x":3}"#, #""x":[{"x":1}],"x":0"#,
            // Past the 16-key scan limit: a set, with canonical equivalence, in the demanded object and in
            // a skipped one after it (each pops its own set).
            "\(fillers),\"evento\":1,\"ev\\u0065nto\":2", "\(fillers),\"\u{e9}\":1,\"e\u{301}\":2", "\(fillers),\"K\":1,\"\u{212A}\":2",
            "\(fillers),\"evento\":1,\"z\":{\(fillers),\"q\":1},\"f3\":2", "\"z\":{\(fillers)},\(fillers),\"evento\":1,\"f15\":1",
            "\"dados\":{\(fillers),\"chave_acesso\":1},\(fillers),\"z\":{\(fillers),\"f0\":1}",
            "\"dados\":{\(fillers),\"chave_acesso\":1,\"f0\":2},\"evento\":1",
            // A demanded object past the limit inside another: the outer one goes on with its own set.
            "\(fillers),\"dados\":{\(others),\"chave_acesso\":1,\"q\":1},\"q\":2", "\(fillers),\"dados\":{\(others),\"chave_acesso\":1},\"f1\":2",
        ]
        members += members.map { $0 + #","tail":{"q":1,"q":2}"# }
        var texts: [String] = []
        for m in members { texts += ["{\(m)}", "[{\(m)}]", "{\"a\":[0,{\(m)}]}", "{\"items\":[{\(m)}]}", "{\"z\":{\(m)}}", "{\(m)"] }
        for text in texts {
            let full = Self.outcome(text, nil)
            for paths in demands {
                let demand = JSONDemand(paths: paths)
                #expect(Self.outcome(text, demand) == full, "\(text)")
                guard full == "ok" else { continue }
                let whole = try JSONValue.parse(text), kept = try JSONValue.parse(Array(text.utf8), demand: demand)
                for p in paths {
                    var a: [JSONValue] = [], b: [JSONValue] = []
                    p.forEachValue(in: whole) { a.append($0); return true }
                    p.forEachValue(in: kept) { b.append($0); return true }
                    #expect(a == b, "\(p) in \(text)")
                }
            }
        }
        // A key written with escapes is kept under its text, and only what is demanded is kept.
        let ingest = JSONDemand(paths: demands[0])
        #expect(try JSONValue.parse(Array(#"{"ev\u0065nto":"a","dados":{"evento":1},"type":2}"#.utf8), demand: ingest) == ["evento": "a", "type": 2])
        #expect(try JSONValue.parse(Array(#"{"z":1}"#.utf8), demand: ingest) == [:])
        #expect(Self.outcome(#"{"evento":1,"ev\u0065nto":2}"#, ingest) == #"12: duplicate key "evento""#)
        let nonASCII = JSONDemand(paths: demands[4])
        #expect(try JSONValue.parse(Array(#"{"a\u00e7\u00e3o":1,"K":2,"\u212A":3}"#.utf8), demand: nonASCII) == ["ação": 1, "K": 2])
    }

    @Test func unwantedArrayElementsKeepPositions() throws {
        let v = try JSONValue.parse(Array(#"{"a":[{"b":1},{"b":2,"c":3}],"d":4}"#.utf8), demand: JSONDemand(paths: [Self.path("a[1].b")]))
        #expect(v == ["a": [nil, ["b": 2]]])
    }

    static func collectPaths(_ v: JSONValue, _ prefix: [FieldPath.Segment], _ out: inout [FieldPath]) {
        if !prefix.isEmpty, case .key = prefix[0] { out.append(FieldPath(segments: prefix)) }
        switch v {
        case .object(let o): for (k, child) in o { collectPaths(child, prefix + [.key(k)], &out) }
        case .array(let a) where !prefix.isEmpty: for (i, child) in a.enumerated() { collectPaths(child, prefix + [.index(i)], &out) }
        default: break
        }
    }

    static func randomValue(_ rng: inout SplitMix, depth: Int) -> JSONValue {
        let keys = ["a", "b", "c", "k", "x", "y", "long key with spaces and more", "ã", "q"]
        switch rng.next() % (depth > 3 ? 4 : 6) {
        case 0: return .number(JSONNumber(Int(rng.next() % 1000)))
        case 1: return .string(["s", "text with \"quotes\"", "ação", "\u{1}", "a somewhat longer string value"][Int(rng.next() % 5)])
        case 2: return .bool(rng.next() % 2 == 0)
        case 3: return .null
        case 4: return .array((0..<Int(rng.next() % 4)).map { _ in randomValue(&rng, depth: depth + 1) })
        default:
            var o = JSONObject()
            for _ in 0..<Int(rng.next() % 5) { o[keys[Int(rng.next() % UInt64(keys.count))]] = randomValue(&rng, depth: depth + 1) }
            return .object(o)
        }
    }
}

/// A small deterministic generator, so a failure reproduces.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
