import Rules

/// JSON lines on stderr: `{"ts","level","msg", …fields}`. Callers pass names and ids, never secrets
/// or redacted values; one write(2) per line keeps lines whole across threads.
enum Log {
    enum Level: Int, Sendable, Comparable {
        case debug, info, warn, error
        var name: String { ["debug", "info", "warn", "error"][rawValue] }
        static func < (a: Level, b: Level) -> Bool { a.rawValue < b.rawValue }
    }

    nonisolated(unsafe) static var minimum: Level = .info

    static func debug(_ message: @autoclosure () -> String, _ fields: @autoclosure () -> KeyValuePairs<String, String> = [:]) { emit(.debug, message(), fields()) }
    static func info(_ message: @autoclosure () -> String, _ fields: @autoclosure () -> KeyValuePairs<String, String> = [:]) { emit(.info, message(), fields()) }
    static func warn(_ message: @autoclosure () -> String, _ fields: @autoclosure () -> KeyValuePairs<String, String> = [:]) { emit(.warn, message(), fields()) }
    static func error(_ message: @autoclosure () -> String, _ fields: @autoclosure () -> KeyValuePairs<String, String> = [:]) { emit(.error, message(), fields()) }

    /// Builds and writes the line only when `level` is enabled (callers' arguments are autoclosures).
    static func emit(_ level: Level, _ message: @autoclosure () -> String, _ fields: @autoclosure () -> KeyValuePairs<String, String>) {
        guard level >= minimum else { return }
        emit(level, message(), fields().map { ($0.key, $0.value) })
    }

    /// Fields built at run time (a delivery's identity plus the line's own).
    static func emit(_ level: Level, _ message: String, _ fields: [(String, String)]) {
        guard level >= minimum else { return }
        var object = JSONObject()
        object["ts"] = .string(WallClock.now().rfc3339)
        object["level"] = .string(level.name)
        object["msg"] = .string(message)
        for (k, v) in fields { object[k] = .string(v) }
        Output.stderr(JSONValue.object(object).serialized + "\n")
    }
}
