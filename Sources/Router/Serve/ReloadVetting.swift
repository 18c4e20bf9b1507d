import Rules

/// What a reload's new settings may not do, or do only at the next start, judged before the table is
/// swapped: without it a changed listen address or store was taken in silence and never applied.
struct ReloadVetting: Sendable {
    /// The settings the router started with: the ones its listeners, store and limits still use, however
    /// many reloads later (each reload says again what differs).
    let applied: Settings
    /// The admin listener is reachable from other hosts: a reload may change its token, not remove it.
    let adminOffLoopback: Bool
    /// `--listen` / `--admin` were given: the files' addresses do not apply, now or after a restart.
    let listenFlag: Bool
    let adminFlag: Bool

    /// Errors (the reload is refused) and warnings (taken; the setting waits for a restart). Never a
    /// value: some of these settings are secrets or hold credentials.
    func diagnostics(new: Settings) -> [Diagnostic] {
        var out: [Diagnostic] = []
        if adminOffLoopback, new.adminAPIToken == nil {
            out.append(Diagnostic(.error, "admin-token-required",
                                  "settings.admin.token: the admin listener is not on loopback, so a reload cannot remove its token; the running config stays",
                                  at: nil))
        }
        func restart(_ setting: String, _ changed: Bool) {
            guard changed else { return }
            out.append(Diagnostic(.warning, "needs-restart", "\(setting) differs from what the router started with; it takes effect when the router restarts (until then the running value stays)", at: nil))
        }
        if !listenFlag { restart("settings.listen", applied.listen != new.listen) }
        if !adminFlag { restart("settings.admin.listen", applied.adminListen != new.adminListen) }
        restart("settings.store", applied.store != new.store)
        restart("settings.store_key", applied.storeKey != new.storeKey)
        restart("settings.http", applied.headerTimeoutMilliseconds != new.headerTimeoutMilliseconds
            || applied.bodyTimeoutMilliseconds != new.bodyTimeoutMilliseconds
            || applied.keepAliveTimeoutMilliseconds != new.keepAliveTimeoutMilliseconds
            || applied.maxConnections != new.maxConnections || applied.maxBufferedBodyBytes != new.maxBufferedBodyBytes)
        return out
    }
}
