import Adapters
import Rules
import Synchronization

/// Recompiles the config directory off the request path and swaps the table when it compiles clean;
/// on any error the running table stays and the diagnostics are logged with their locations.
///
/// Each outcome is also written to `DATA/reload.json`, which `hookrouter reload` waits on.
final class Reloader: Sendable {
    let directory: String
    let config: LiveConfig
    let statusFile: String?
    /// What the new settings may not do, or do only at a restart (nil: anything goes).
    let vetting: ReloadVetting?
    private let state = Mutex((busy: false, again: false, count: 0, taken: 0, rejected: 0))
    /// Compile-and-swap runs one at a time, whoever asked (signal, inotify, admin API).
    private let serial = Mutex(())
    /// The last reload's outcome, as `reload.json` holds it (nil before the first).
    private let last = Mutex<JSONValue?>(nil)

    var lastOutcome: JSONValue? { last.withLock { $0 } }

    init(directory: String, config: LiveConfig, statusFile: String? = nil, vetting: ReloadVetting? = nil) {
        self.directory = directory
        self.config = config
        self.statusFile = statusFile
        self.vetting = vetting
    }

    /// Reloads on its own thread. Triggers that arrive meanwhile make one more reload afterwards, so
    /// a save made during a reload is never missed, and a burst costs at most two compiles.
    func trigger(reason: String) {
        let start = state.withLock { s in
            if s.busy {
                s.again = true
                return false
            }
            s.busy = true
            return true
        }
        guard start else { return }
        let this = self
        OSThread.detached(name: "reload") {
            var reason = reason
            while true {
                this.reload(reason: reason)
                let more = this.state.withLock { s in
                    if s.again {
                        s.again = false
                        return true
                    }
                    s.busy = false
                    return false
                }
                guard more else { return }
                reason = "changes during the last reload"
            }
        }
    }

    /// Compiles and swaps now, on the caller's thread; returns whether the new table was taken.
    @discardableResult
    func reload(reason: String) -> (taken: Bool, diagnostics: [Diagnostic]) {
        serial.withLock { _ in
            let outcome = compileAndSwap(reason: reason)
            let count = state.withLock { s in
                s.count += 1
                if outcome.taken { s.taken += 1 } else { s.rejected += 1 }
                return s.count
            }
            writeStatus(count: count, outcome)
            return outcome
        }
    }

    /// Reloads taken and rejected since start, for `/metrics`.
    var counts: (taken: Int, rejected: Int) { state.withLock { ($0.taken, $0.rejected) } }

    private func compileAndSwap(reason: String) -> (taken: Bool, diagnostics: [Diagnostic]) {
        let compiled: RouteTable?
        let diagnostics: Diagnostics
        do {
            (compiled, diagnostics) = try ConfigLoading.compile(directory: directory)
        } catch {
            Log.error("reload failed; keeping the running routes", ["reason": reason, "error": error.message])
            return (false, [Diagnostic(.error, "config-directory", error.message, at: nil)])
        }
        var all = diagnostics.sorted
        if let compiled, let vetting { all += vetting.diagnostics(new: compiled.settings) }
        for d in all {
            Log.emit(d.severity == .error ? .error : .warn, "config: " + DiagnosticRenderer.text([d]).trimmingNewline, ["reason": reason])
        }
        let errors = all.filter { $0.severity == .error }.count
        guard let table = compiled, errors == 0 else {
            Log.error("reload rejected; keeping the running routes", ["reason": reason, "errors": String(errors)])
            return (false, all)
        }
        let generation = config.swap(table)
        Digest.forgetKeys()  // a secret the reload removed must not stay keyed in memory
        Log.info("routes reloaded", ["reason": reason, "generation": String(generation), "sources": String(table.sources.count),
                                     "routes": String(table.routes.count), "targets": String(table.targets.count)])
        return (true, all)
    }

    /// `{"reloads":N,"taken":bool,"generation":G,"at":"…","diagnostics":[…]}`
    private func writeStatus(count: Int, _ outcome: (taken: Bool, diagnostics: [Diagnostic])) {
        var object = JSONObject()
        object["reloads"] = .number(JSONNumber(count))
        object["taken"] = .bool(outcome.taken)
        object["generation"] = .number(JSONNumber(config.generation))
        object["at"] = .string(WallClock.now().rfc3339)
        object["diagnostics"] = (try? JSONValue.parse(Array(DiagnosticRenderer.json(outcome.diagnostics).utf8))) ?? .array([])
        last.withLock { $0 = .object(object) }
        guard let statusFile else { return }
        if !FileSystem.write(statusFile, Array((JSONValue.object(object).serialized + "\n").utf8)) {
            Log.warn("cannot write the reload status file", ["path": statusFile])
        }
    }
}

extension String {
    var trimmingNewline: String {
        var s = self
        while s.hasSuffix("\n") { s.removeLast() }
        return s
    }
}
