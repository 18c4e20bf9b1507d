import Testing
@testable import Rules

/// The strict parser, exact numbers and the writer.
struct JSONTests {
    @Test(arguments: [
        ("", "empty body"), ("{", "expected a string key"), ("[1,]", "unexpected character ']'"),
        ("{\"a\":1,}", "expected a string key"), ("01", "invalid number"), ("+1", "unexpected character '+'"),
        (".5", "unexpected character '.'"), ("1.", "invalid number"), ("NaN", "unexpected character 'N'"),
        ("'a'", "unexpected character '''"), ("{\"a\" 1}", "expected ':' after object key"), ("[1 2]", "expected ',' or ']' after array element"),
        ("\"a\tb\"", "control character in string"), ("\"\\x\"", "invalid escape '\\x'"), ("\"\\ud800\"", "lone surrogate in \\u escape"),
        ("{\"a\":1,\"a\":2}", "duplicate key \"a\""), ("tru", "unexpected end of input"), ("{} x", "unexpected data after the JSON value"),
        ("// c\n{}", "unexpected character '/'"),
    ] as [(String, String)])
    func rejects(_ text: String, _ message: String) {
        #expect(throws: JSONParseError.self) { try JSONValue.parse(text) }
        do {
            _ = try JSONValue.parse(text)
        } catch {
            #expect(error.message == message, "for \(text)")
        }
    }

    /// Containers share the parser's stacks of open members: each must get exactly its own, and a key
    /// is a duplicate only within its own object.
    @Test func nestedContainersKeepTheirOwnMembers() throws {
        let v = try JSONValue.parse(#"{"a":{"b":1,"c":[1,{"b":2},[]]},"b":[{"a":"x\ny"},{}],"c":"\u00e3"}"#)
        #expect(v == ["a": ["b": 1, "c": [1, ["b": 2], []]], "b": [["a": "x\ny"], [:]], "c": "ã"])
        #expect(v.objectValue?.keys == ["a", "b", "c"])
        #expect(throws: JSONParseError.self) { try JSONValue.parse(#"{"a":{"x":1,"y":{"x":2},"x":3}}"#) }
        #expect(throws: JSONParseError.self) { try JSONValue.parse(#"[{"a":[1,2,{"a":1,"a":2}]}]"#) }
    }

    @Test func rejectsInvalidUTF8() {
        for bytes: [UInt8] in [[0x22, 0xC3, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22], [0x22, 0xC0, 0xAF, 0x22], [0x22, 0xFF, 0x22]] {
            #expect(throws: JSONParseError.self) { try JSONValue.parse(bytes) }
        }
    }

    @Test func deepNestingFailsFast() {
        let deep = [UInt8](repeating: 0x5B, count: 100_000)
        #expect(throws: JSONParseError.self) { try JSONValue.parse(deep) }
        let ok = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        #expect((try? JSONValue.parse(ok)) != nil)
    }

    @Test func shopifyBodyRoundTripsWithExactIds() throws {
        let body = #"{"id":820982911946154508,"admin_graphql_api_id":"gid:\/\/shopify\/Order\/820982911946154508","total_price":"229.60","nome":"Jo\u00e3o","ok":true,"x":null,"f":-1.5e-3}"#
        let v = try JSONValue.parse(body)
        #expect(v["admin_graphql_api_id"] == .string("gid://shopify/Order/820982911946154508"))
        #expect(v["nome"] == .string("João"))
        #expect(v["id"]?.numberValue?.text == "820982911946154508")
        #expect(v.serialized == #"{"id":820982911946154508,"admin_graphql_api_id":"gid://shopify/Order/820982911946154508","total_price":"229.60","nome":"João","ok":true,"x":null,"f":-1.5e-3}"#)
    }

    @Test func surrogatePairsAndEscapes() throws {
        #expect(try JSONValue.parse(#""\ud83d\ude00 \n\"""#) == .string("😀 \n\""))
        #expect(JSONValue.string("a\"b\\c\n\u{01}").serialized == #""a\"b\\c\n\u0001""#)
    }

    /// Every character that must be escaped, alone, at either end and between plain runs, reads back
    /// as the same string (the writer copies unescaped runs whole).
    @Test func everyEscapeReadsBack() throws {
        let specials = (0..<0x20).map { String(UnicodeScalar(UInt8($0))) } + ["\"", "\\"]
        for c in specials {
            for text in [c, "ação" + c, c + "✅ x", "abc" + c + "def" + c + c + "g", ""] {
                let written = JSONValue.string(text).serialized
                #expect(try JSONValue.parse(written) == .string(text), "\(written)")
            }
        }
        #expect(JSONValue.string("\u{1F}\u{7F}").serialized == #""\u001f\#u{7F}""#)
    }

    @Test(arguments: [
        ("1.0", "1", 0), ("1e2", "100", 0), ("229.60", "229.6", 0), ("-0", "0", 0), ("0.1", "0.10e0", 0),
        ("820982911946154508", "820982911946154509", -1), ("9007199254740993", "9007199254740992", 1),
        ("-5", "3", -1), ("-5", "-3", -1), ("1e-3", "0.002", -1), ("12.5", "1.25e1", 0), ("100", "99.999", 1),
    ] as [(String, String, Int)])
    func exactComparison(_ a: String, _ b: String, _ expected: Int) throws {
        let x = try #require(JSONNumber(a)), y = try #require(JSONNumber(b))
        #expect(x.compare(y) == expected)
        #expect(y.compare(x) == -expected)
    }

    @Test func objectsKeepOrderAndCompareByMembers() throws {
        let a = try JSONValue.parse(#"{"b":1,"a":2}"#)
        #expect(a.objectValue?.keys == ["b", "a"])
        #expect(a == (try JSONValue.parse(#"{"a":2,"b":1}"#)))
        #expect(a.prettySerialized == "{\n  \"b\": 1,\n  \"a\": 2\n}")
    }

    @Test func fieldPaths() throws {
        let p = try FieldPath(parsing: "data.line_items[*].sku")
        #expect(p.segments == [.key("data"), .key("line_items"), .wildcard, .key("sku")])
        #expect(p.description == "data.line_items[*].sku")
        #expect(try FieldPath(parsing: #"data["a.b"][2]"#).description == #"data["a.b"][2]"#)
        let v = try JSONValue.parse(#"{"line_items":[{"sku":"A"},{"x":1},{"sku":"B"}]}"#)
        var found: [JSONValue] = []
        p.forEachValue(in: v, droppingFirst: 1) { found.append($0); return true }
        #expect(found == ["A", "B"])
        #expect(try FieldPath(parsing: "line_items[5].sku").firstValue(in: v) == nil)
    }

    @Test(arguments: [("", 1), ("a..b", 3), ("a.", 3), ("a[1", 4), ("a[x]", 3), ("a b", 2)] as [(String, Int)])
    func badFieldPaths(_ text: String, _ column: Int) {
        do {
            _ = try FieldPath(parsing: text)
            Issue.record("'\(text)' parsed")
        } catch {
            #expect(error.column == column, "\(text): \(error)")
        }
    }
}

/// Strings are scanned eight bytes at a time where no byte can end or escape them: whatever byte stops
/// the scan, wherever it falls in a word (or in the tail shorter than a word), the parser must see it
/// as the bytewise loop would, in built values and in skipped ones.
struct JSONStringWordTests {
    /// `{"k":"<prefix><byte><suffix>"}` parsed whole and with the member skipped (a demand for another key).
    static func outcomes(_ inner: [UInt8]) -> (whole: String, skipped: String) {
        let bytes = Array(#"{"k":""#.utf8) + inner + Array(#""}"#.utf8)
        func run(_ demand: JSONDemand?) -> String {
            do {
                let v = try JSONValue.parse(bytes, demand: demand)
                return "ok \(v)"
            } catch {
                return "\(error.offset): \(error.message)"
            }
        }
        return (run(nil), run(JSONDemand(paths: [try! FieldPath(parsing: "other")])))
    }

    @Test func everyStopByteIsSeenAtEveryPosition() {
        let empty: JSONValue = [:]
        for length in 0..<26 {
            for at in 0...length {
                let place = "length \(length) at \(at)"
                func outcome(_ inserted: [UInt8]) -> (whole: String, skipped: String) {
                    var inner = [UInt8](repeating: 0x61, count: length)
                    inner.insert(contentsOf: inserted, at: at)
                    return Self.outcomes(inner)
                }
                func kept(_ middle: String) -> String {
                    let value: JSONValue = ["k": .string(String(repeating: "a", count: at) + middle + String(repeating: "a", count: length - at))]
                    return "ok \(value)"
                }
                // A control character: refused at its own offset (6 = after `{"k":"`), built or skipped.
                let control = "\(6 + at): control character in string"
                #expect(outcome([0x01]) == (control, control), "\(place)")
                // An escaped quote: decoded, the string goes on after it.
                #expect(outcome([0x5C, 0x22]) == (kept("\""), "ok \(empty)"), "\(place)")
                // A byte outside ASCII: the string is validated as UTF-8 (0xFF never is, "ã" is).
                #expect(outcome([0xFF]) == ("6: invalid UTF-8 in string", "6: invalid UTF-8 in string"), "\(place)")
                #expect(outcome([0xC3, 0xA3]) == (kept("ã"), "ok \(empty)"), "\(place)")
                // A quote: the string ends early, and what follows is not a member's end.
                #expect(outcome([0x22]).whole == "\(7 + at): expected ',' or '}' after object member", "\(place)")
                // Bytes at the edges of what the word scans flag, and whole and broken sequences of every
                // length: the same verdict built or skipped.
                let edges: [[UInt8]] = [[0x1F], [0x20], [0x21], [0x23], [0x5B], [0x5D], [0x7F], [0x80], [0x9F], [0xA0], [0xBF],
                                        [0xC0, 0x80], [0xC2, 0x80], [0xDF, 0xBF], [0xE2, 0x82, 0xAC], [0xE2, 0x82], [0xE0, 0x9F, 0x80],
                                        [0xED, 0xA0, 0x80], [0xED, 0x9F, 0xBF], [0xF0, 0x9F, 0x98, 0x80], [0xF0, 0x8F, 0xBF, 0xBF],
                                        [0xF4, 0x90, 0x80, 0x80], [0xF5, 0x80, 0x80, 0x80], [0xF0, 0x9F, 0x98], [0xC3, 0x5C, 0x6E],
                                        [0xC3, 0x01], [0x5C, 0x75, 0x30, 0x30, 0x65, 0x33, 0xC3, 0xA3], [0xFF, 0x5C, 0x71]]
                for inserted in edges {
                    let (whole, skipped) = outcome(inserted)
                    #expect(whole.hasPrefix("ok") ? skipped == "ok \(empty)" : skipped == whole, "\(place) \(inserted): \(whole) / \(skipped)")
                }
            }
        }
    }

    /// UTF8Validation skips ASCII a word at a time and jumps to a word's first other byte: it agrees with
    /// the standard library on text that mixes the two at every alignment, well-formed or not.
    @Test func utf8ValidationAgreesWithTheStandardLibrary() {
        var rng = SplitMix(seed: 11)
        let pieces: [[UInt8]] = [[0x61], [0x20], [0x7F], [0xC3, 0xA3], [0xE2, 0x82, 0xAC], [0xF0, 0x9F, 0x98, 0x80], [0x80], [0xC3],
                                 [0xE2, 0x82], [0xED, 0xA0, 0x80], [0xE0, 0x80, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xC0, 0xAF], [0xFF]]
        for _ in 0..<5000 {
            var bytes: [UInt8] = []
            for _ in 0..<Int(rng.next() % 24) {
                // Mostly ASCII, as text is; sometimes one of the other pieces.
                bytes += rng.next() % 4 == 0 ? pieces[Int(rng.next() % UInt64(pieces.count))] : [UInt8(0x21 + rng.next() % 90)]
            }
            let expected = String(validating: bytes, as: UTF8.self) != nil
            #expect(bytes.withUnsafeBufferPointer { UTF8Validation.isValid($0) } == expected, "\(bytes)")
        }
    }

    /// Two keys the parser keeps apart (canonically equivalent, of different UTF-8 lengths): the object
    /// equals itself and a copy, and not one with the values swapped.
    @Test func anObjectWithEquivalentKeysEqualsItself() throws {
        let v = try JSONValue.parse(Array("{\"\u{e9}\":1,\"e\u{301}\":2}".utf8))
        #expect(v == (try JSONValue.parse(Array("{\"\u{e9}\":1,\"e\u{301}\":2}".utf8))))
        #expect(v == (try JSONValue.parse(Array("{\"e\u{301}\":2,\"\u{e9}\":1}".utf8))))
        #expect(v != (try JSONValue.parse(Array("{\"\u{e9}\":2,\"e\u{301}\":1}".utf8))))
        #expect(JSONValue.object(JSONObject([("\u{e9}", 1)])) == (try JSONValue.parse(Array("{\"e\u{301}\":1}".utf8))))
    }
}
