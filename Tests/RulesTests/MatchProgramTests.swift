import Testing
@testable import Rules

/// The allocation-free decimal compare and the flat match program, checked against the reference
/// semantics of `Condition.holds` (which `explain` uses).
struct MatchProgramTests {
    @Test(arguments: [
        // signs and zeros
        ("0", "-0", 0), ("-0.0", "0e5", 0), ("0.000", "-0e-7", 0), ("-1", "0", -1), ("0", "1e-400", -1), ("-1e-400", "0", -1),
        ("-10", "-9", -1), ("-9.5", "-9.49", -1), ("3", "-3", 1),
        // exponents
        ("1e3", "1000", 0), ("1E+3", "999.9999", 1), ("1.5e-2", "0.015", 0), ("12.5e-1", "1.25", 0), ("-1e-2", "-0.01", 0),
        ("1e1000000", "9e999999", 1), ("2e-5", "1e-4", -1),
        // leading and trailing zeros
        ("0.0010", "1e-3", 0), ("0.01", "0.1", -1), ("100", "1e2", 0), ("10.000", "10", 0), ("0.5", "0.50000", 0),
        // huge integers, beyond Int64 and 2^53
        ("123456789012345678901234567890", "123456789012345678901234567891", -1),
        ("123456789012345678901234567890", "1.2345678901234567890123456789e29", 0),
        ("9007199254740993", "9007199254740992", 1), ("-18446744073709551616", "-18446744073709551615", -1),
        // money as text
        ("229.60", "229.6", 0), ("229.60", "100", 1), ("229.60", "229.61", -1), ("229.6", "229.599999999999999999", 1),
    ] as [(String, String, Int)])
    func decimalCompare(_ a: String, _ b: String, _ expected: Int) throws {
        let x = try #require(JSONNumber(a), "\(a)"), y = try #require(JSONNumber(b), "\(b)")
        #expect(x.compare(y) == expected, "\(a) vs \(b)")
        #expect(y.compare(x) == -expected, "\(b) vs \(a)")
        // The load-time key against bytes of an event value, both ways round.
        var pool: [UInt8] = []
        let key = DecimalKey(y, pool: &pool)
        let c = pool.withUnsafeBufferPointer { p in a.withUTF8Bytes { key.compare(number: $0, pool: p) } }
        #expect(c == expected, "\(a) vs key \(b)")
        let notNumber = pool.withUnsafeBufferPointer { p in "12abc".withUTF8Bytes { key.compare(text: $0, pool: p) } }
        #expect(notNumber == nil)
    }

    /// Every operator and operand kind over every kind of value, present and absent, through `[*]`,
    /// `any`/`all`/`not`: the compiled program agrees with `Condition.holds` on each pair.
    @Test func programAgreesWithConditions() throws {
        let operands = ["paid", "'229.60'", "229.6", "100", "'100'", "-5", "0", "1e2", "true", "false", "null", "'a'", "'10'", "820982911946154508"]
        let paths = ["data.v", "'data.items[*].v'", "'data.items[1].v'", "attributes.v", "data.missing", "'data[\"k.e\"]'", "type", "id", "data",
                     "source", "time", "received_at", "headers.x-a", "headers.x-missing", "headers", "attributes"]
        var conditions: [String] = []
        for path in paths {
            for op in ["eq", "ne", "gt", "gte", "lt", "lte", "contains"] {
                for operand in operands { conditions.append("{ path: \(path), \(op): \(operand) }") }
            }
            conditions.append("{ path: \(path), in: [paid, 229.6, 'x', true, null] }")
            conditions.append("{ path: \(path), not_in: [paid, '100', 7] }")
            conditions.append("{ path: \(path), exists: true }")
            conditions.append("{ path: \(path), exists: false }")
            conditions.append("{ path: \(path), matches: '^[0-9.]+$' }")
        }
        conditions.append("{ any: [{ path: data.v, eq: 1 }, { not: { path: data.w, exists: true } }] }")
        conditions.append("{ all: [{ path: data.v, exists: true }, { any: [{ path: data.v, lt: 0 }, { path: data.v, gt: 200 }] }] }")
        conditions.append("{ not: { all: [{ path: data.v, ne: paid }, { path: 'data.items[*].v', exists: false }] } }")
        // Each condition twice, on routes far apart, so the per-event memo of shared tests is exercised.
        conditions += conditions
        var routes = "routes:\n"
        for (i, c) in conditions.enumerated() { routes += "  - { name: r\(i), from: shop, when: [\(c)], to: [inventory] }\n" }
        let (table, diagnostics) = compile(["a.yaml": baseConfig + routes])
        let t = try #require(table, "\(rendered(diagnostics))")

        let values = [#""paid""#, #""229.60""#, "229.6", "100", #""100""#, "-5", "-0.0", "1E2", "true", "false", "null",
                      #""a""#, #""abc""#, #""10""#, "820982911946154508", "[]", #"["paid", 229.6, "a"]"#, #"{"a": 1}"#, #""12x""#]
        var checked = 0
        for v in values {
            let data = #"{"v": \#(v), "items": [{"v": 1}, {"v": \#(v)}], "k.e": \#(v)}"#
            var attributes = JSONObject()
            attributes["v"] = try JSONValue.parse(v)
            // Header names repeat and differ in case; each value is one reached value.
            let headers = [HTTPField("X-A", v), HTTPField("x-a", "paid")]
            for e in [event(type: "orders/paid", data: data, headers: headers, attributes: attributes), event(type: "100", data: "{}")] {
                let matched = Set(t.match(e, source: 0).map(\.route))
                for route in t.routes {
                    let expected = route.condition!.holds(for: e)
                    #expect(matched.contains(route.index) == expected, "\(conditions[route.index]) on \(v)")
                    checked += 1
                }
            }
        }
        #expect(checked > 10_000)
    }

    @Test func globsAndUnknownTypesUseTheCompiledPatterns() throws {
        let routes = """
            routes:
              - { name: a, from: shop, events: ["orders/*", refunds/create], to: [inventory] }
              - { name: b, from: shop, events: ["?rders/pai?"], to: [slack] }
              - { name: c, from: shop, events: ["*create"], to: [erp] }
            """
        let (table, _) = compile(["a.yaml": baseConfig + routes])
        let t = try #require(table)
        func names(_ type: String) -> [String] { t.match(event(type: type, data: "{}"), source: 0).map { t.routes[$0.route].name } }
        #expect(names("orders/paid") == ["a", "b"])
        #expect(names("orders/create") == ["a", "c"])
        #expect(names("refunds/create") == ["a", "c"])
        #expect(names("products/update") == [])
        #expect(names("") == [])
    }
}
