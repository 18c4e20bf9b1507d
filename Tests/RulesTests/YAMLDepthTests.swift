import Testing
@testable import Rules

/// Deep nesting used to overflow the stack of the recursive loader (fuzz/yaml-config): a route file, or
/// a SIGHUP reload of one, could stop the process. Now it is one diagnostic.
struct YAMLDepthTests {
    @Test(arguments: [String(repeating: "[", count: 100_000), String(repeating: "[", count: 129) + String(repeating: "]", count: 129),
                      String(repeating: "{a: ", count: 5_000), String(repeating: "- ", count: 3_000) + "x"])
    func deepNestingIsAnError(_ text: String) {
        let (root, diagnostics) = YAMLLoader.load(Array(text.utf8), file: "deep.yaml")
        #expect(root == nil)
        #expect(diagnostics.errors.count == 1)
        #expect(diagnostics.errors.first?.location?.line == 1)
        let (table, all) = compile(["deep.yaml": text])
        #expect(table == nil && all.hasErrors)
    }

    @Test func nestingUpToTheLimitLoads() throws {
        let text = String(repeating: "[", count: YAMLLoader.maxDepth) + String(repeating: "]", count: YAMLLoader.maxDepth)
        let (root, diagnostics) = YAMLLoader.load(Array(text.utf8), file: "ok.yaml")
        #expect(!diagnostics.hasErrors)
        #expect(try #require(root).height == YAMLLoader.maxDepth)
    }

    /// Each alias brings its anchor's nesting: a chain of them is charged for the depth it expands to.
    @Test func aliasesCountTheirNesting() {
        let level = String(repeating: "[", count: 60) + "x" + String(repeating: "]", count: 60)
        let ok = "a: &a \(level)\nb: &b [[*a]]\n"
        #expect(!YAMLLoader.load(Array(ok.utf8), file: "ok.yaml").1.hasErrors)
        let deep = "a: &a \(level)\nb: &b \(String(repeating: "[", count: 60))*a\(String(repeating: "]", count: 60))\nc: [[[[[[[[[[*b]]]]]]]]]]\n"
        let (root, diagnostics) = YAMLLoader.load(Array(deep.utf8), file: "deep.yaml")
        #expect(root == nil)
        #expect(diagnostics.errors.map(\.message) == ["the file nests deeper than 128 levels once alias '*b' is expanded; flatten it"])
    }
}
