import Rules
import Synchronization

/// Recompiles the config directory off the request path and swaps the table when it compiles clean;
/// on any error the running table stays and the diagnostics are logged with their locations.
final class Reloader: Sendable {
    let directory: String
    let config: LiveConfig
    private let running = Mutex(false)

    init(directory: String, config: LiveConfig) {
        self.directory = directory
        self.config = config
    }

    /// Starts a reload on its own thread unless one is running (a burst of triggers makes one reload).
    func trigger(reason: String) {
        let start = running.withLock { busy in
            if busy { return false }
            busy = true
            return true
        }
        guard start else { return }
        let this = self
        _ = OSThread(name: "reload") {
            this.reload(reason: reason)
            this.running.withLock { $0 = false }
        }
    }

    /// Compiles and swaps; returns the diagnostics and whether the new table was taken.
    @discardableResult
    func reload(reason: String) -> (taken: Bool, diagnostics: [Diagnostic]) {
        let table: RouteTable?
        let diagnostics: Diagnostics
        do {
            (table, diagnostics) = try ConfigLoading.compile(directory: directory)
        } catch {
            Log.error("reload failed; keeping the running routes", ["reason": reason, "error": error.message])
            return (false, [])
        }
        for d in diagnostics.sorted {
            Log.emit(d.severity == .error ? .error : .warn, "config: " + DiagnosticRenderer.text([d]).trimmingNewline, ["reason": reason])
        }
        guard let table else {
            Log.error("reload rejected; keeping the running routes", ["reason": reason, "errors": String(diagnostics.errors.count)])
            return (false, diagnostics.sorted)
        }
        let generation = config.swap(table)
        Log.info("routes reloaded", ["reason": reason, "generation": String(generation), "sources": String(table.sources.count),
                                     "routes": String(table.routes.count), "targets": String(table.targets.count)])
        return (true, diagnostics.sorted)
    }
}

extension String {
    var trimmingNewline: String {
        var s = self
        while s.hasSuffix("\n") { s.removeLast() }
        return s
    }
}
