import Testing
@testable import Router
@testable import Rules

/// What a reload's settings may do, against those the router started with.
struct ReloadVettingTests {
    func settings(_ yaml: String) throws -> Settings {
        try compileTable("settings:\n" + yaml + "sources:\n  in: { adapter: none, path: /in }\n").settings
    }

    @Test func settingsAppliedOnlyAtStartAreNamedWithoutTheirValues() throws {
        let running = try settings("  listen: 127.0.0.1:8080\n  store_key: \"\(String(repeating: "k", count: 32))\"\n  http: { header_timeout: 5s }\n")
        let new = try settings("  listen: 127.0.0.1:8081\n  store_key: \"\(String(repeating: "j", count: 32))\"\n  http: { header_timeout: 9s }\n  retention: 1d\n")
        let vetting = ReloadVetting(applied: running, adminOffLoopback: false, listenFlag: false, adminFlag: false)
        let found = vetting.diagnostics(new: new)
        #expect(found.map(\.code) == ["needs-restart", "needs-restart", "needs-restart"])
        #expect(found.map(\.severity) == [.warning, .warning, .warning], "taken, with a warning")
        let text = found.map(\.message).joined(separator: "\n")
        #expect(text.contains("settings.listen") && text.contains("settings.store_key") && text.contains("settings.http"))
        #expect(!text.contains("8081") && !text.contains("jjjj"), "no value, a secret least of all: \(text)")
        #expect(vetting.diagnostics(new: running).isEmpty, "back to what it started with: nothing waits")
        // With --listen given, the file's address never applies: nothing to say about it.
        let flagged = ReloadVetting(applied: running, adminOffLoopback: false, listenFlag: true, adminFlag: false)
        #expect(!flagged.diagnostics(new: new).map(\.message).joined().contains("settings.listen"))
    }

    @Test func anOffLoopbackAdminListenerKeepsSomeToken() throws {
        let withToken = try settings("  admin: { token: first }\n")
        let rotated = try settings("  admin: { token: second }\n")
        let without = try settings("  retention: 1d\n")
        let offLoopback = ReloadVetting(applied: withToken, adminOffLoopback: true, listenFlag: false, adminFlag: false)
        #expect(offLoopback.diagnostics(new: rotated).isEmpty, "a rotation is taken")
        #expect(offLoopback.diagnostics(new: without).map(\.severity) == [.error])
        let loopback = ReloadVetting(applied: withToken, adminOffLoopback: false, listenFlag: false, adminFlag: false)
        #expect(loopback.diagnostics(new: without).isEmpty, "on loopback a token is optional, as at start")
    }
}
