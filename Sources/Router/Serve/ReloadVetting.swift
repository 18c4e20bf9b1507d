import Rules

/// What a reload's new settings may not do, or do only at the next start, judged against the running
/// ones before the table is swapped: without it a changed listen address or store was taken in
/// silence and never applied.
struct ReloadVetting: Sendable {
    /// The admin listener is reachable from other hosts: a reload may change its token, not remove it.
    let adminOffLoopback: Bool
    /// `--listen` / `--admin` were given: the files' addresses do not apply, now or after a restart.
    let listenFlag: Bool
    let adminFlag: Bool

    /// Errors (the reload is refused) and warnings (taken; the setting waits for a restart). Never a
    /// value: some of these settings are secrets or hold credentials.
    func diagnostics(running: Settings, new: Settings) -> [Diagnostic] {
        var out: [Diagnostic] = []
        if adminOffLoopback, Self.adminToken(new) == nil {
            out.append(Diagnostic(.error, "admin-token-required",
                                  "settings.admin.token: the admin listener is not on loopback, so a reload cannot remove its token; the running config stays",
                                  at: nil))
        }
        func restart(_ setting: String, _ changed: Bool) {
            guard changed else { return }
            out.append(Diagnostic(.warning, "needs-restart", "\(setting) changed; it takes effect when the router restarts (until then the running value stays)", at: nil))
        }
        if !listenFlag { restart("settings.listen", running.listen != new.listen) }
        if !adminFlag { restart("settings.admin.listen", running.adminListen != new.adminListen) }
        restart("settings.store", running.store != new.store)
        restart("settings.store_key", running.storeKey != new.storeKey)
        restart("settings.http", running.headerTimeoutMilliseconds != new.headerTimeoutMilliseconds
            || running.bodyTimeoutMilliseconds != new.bodyTimeoutMilliseconds
            || running.keepAliveTimeoutMilliseconds != new.keepAliveTimeoutMilliseconds
            || running.maxConnections != new.maxConnections || running.maxBufferedBodyBytes != new.maxBufferedBodyBytes)
        return out
    }

    /// The admin API's token in these settings; an empty one is none.
    static func adminToken(_ settings: Settings) -> Secret? {
        settings.adminToken.flatMap { $0.isEmpty ? nil : $0 }
    }
}
