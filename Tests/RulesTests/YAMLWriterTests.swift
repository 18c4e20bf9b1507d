import Testing
@testable import Rules

/// What the writer emits reads back to the same values, whatever the text holds.
struct YAMLWriterTests {
    func roundTrip(_ value: JSONValue) -> JSONValue? {
        var text = "v:\n"
        YAMLWriter.write(value, indent: 2, into: &text)
        let (root, d) = YAMLLoader.load(Array(text.utf8), file: "t.yaml")
        #expect(!d.hasErrors, "\(text)")
        return root?["v"]?.jsonValue
    }

    @Test func valuesThatLookLikeOtherTypesStayText() throws {
        let tricky: [String] = ["yes", "no", "null", "012", "1e3", "- a", "a: b", "#x", "\"q\"", "back\\slash", "tab\there", "line\nbreak",
                                "  spaced  ", "", "ünïcödé ✓", "${HOME}", "[1]", "{a}", "\u{1}", "*ref", "&anchor", "!tag", "%x", "@x", "`x"]
        for s in tricky {
            let value = JSONValue.object(JSONObject([("k", .string(s))]))
            #expect(roundTrip(value)?.serialized == value.serialized, "\(s)")
        }
    }

    @Test func nestedListsAndMappingsKeepTheirShape() throws {
        let value = try JSONValue.parse(Array(#"{"subscriptions":[{"id":"sub-1","events":["a","b"],"when":[{"path":"data.x","eq":1.50}],"active":false,"headers":{},"n":null,"e":[]},{"id":"sub-2","yes":true}]}"#.utf8))
        #expect(roundTrip(value)?.serialized == value.serialized)
    }

    @Test func keysArePlainOnlyWhenYAMLReadsThemAsText() {
        #expect(YAMLWriter.key("X-Tenant") == "X-Tenant")
        #expect(YAMLWriter.key("yes") == "\"yes\"")
        #expect(YAMLWriter.key("1a") == "\"1a\"")
        #expect(YAMLWriter.key("a b") == "\"a b\"")
    }
}
