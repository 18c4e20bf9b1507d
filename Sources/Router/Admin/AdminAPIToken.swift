import Rules

extension Settings {
    /// The admin API's token (`settings.admin.token`); an empty one is none. Read from the running
    /// config, so a reload rotates it; checked by `serve` at start and by `ReloadVetting` on reload.
    var adminAPIToken: Secret? { adminToken.flatMap { $0.isEmpty ? nil : $0 } }
}
