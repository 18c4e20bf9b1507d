import Adapters
import CCurl
import HTTPServer
import Rules

/// `hookrouter send`: the "test webhook" button. Builds a test event, renders and signs it exactly as
/// a delivery to the target would be, sends it now and prints the outcome. Touches no store.
enum SendCommand: Command {
    static let name = "send"
    static let summary = "send a test delivery to one target now"
    static let usage = """
        Usage: hookrouter send [--config DIR] --target T [--type TYPE] [--source NAME] [FILE]

        Sends one test event to target T now, with the target's headers, signing and timeout, and
        prints the status code, the time taken and the first 1 KiB of the answer. The body is
        rendered by the first route that sends to T (preferring one that takes TYPE, from NAME when
        given); when no route sends to T, the body is sent raw. Nothing is stored or retried.

        The event: id 'test-<random>', type TYPE (default hookrouter.test), data FILE's bytes
        (default {"test":true,...}).

        Options:
          --config DIR         route files (default ./routes.d)
          --target T           the target to send to (required)
          --type TYPE          the event type (default hookrouter.test)
          --source NAME        the source the event claims to come from (default: the route's first)

        Exit: 0 the target answered 2xx, 1 any other answer, no answer or a config error, 2 usage.

        """

    static let defaultType = "hookrouter.test"

    static func run(_ args: [String]) -> Int32 {
        let parsed: Arguments
        do {
            parsed = try Arguments(args, valued: ["--config", "--target", "--type", "--source"], flags: [])
        } catch {
            return usageError("\(error)")
        }
        guard let targetName = parsed.value("--target") else { return usageError("--target T is required") }
        guard parsed.positionals.count <= 1 else { return usageError("takes at most one FILE, got \(parsed.positionals.count) arguments") }
        let type = parsed.value("--type") ?? defaultType
        guard !type.isEmpty else { return usageError("--type must not be empty") }
        let directory = parsed.value("--config") ?? "./routes.d"

        guard let table = ConfigLoading.table(directory: directory, command: "send", showWarnings: false) else { return ExitCode.failure }
        guard let t = table.targetIndex(named: targetName) else {
            let names = table.targets.map(\.name)
            return usageError("unknown target '\(targetName)'\(Suggestion.hint(for: targetName, in: names)); targets are \(names.joined(separator: ", "))")
        }
        var sourceIndex: Int?
        if let name = parsed.value("--source") {
            guard let s = table.sourceIndex(named: name) else {
                let names = table.sources.map(\.name)
                return usageError("unknown source '\(name)'\(Suggestion.hint(for: name, in: names)); sources are \(names.joined(separator: ", "))")
            }
            sourceIndex = s
        }
        var body: [UInt8]?
        if let file = parsed.positionals.first {
            guard FileSystem.isRegularFile(file), let bytes = FileSystem.read(file) else {
                return failure("cannot read payload file '\(file)'; pass the path of the body to send")
            }
            body = bytes
        }
        let test = TestDelivery(table: table, target: t, source: sourceIndex, type: type, body: body, now: WallClock.now())
        Output.stdout("sending test event \(test.id) (type \(type), source \(test.sourceName)) to target '\(test.target.name)' via \(test.via), body \(test.mode.name)\n")
        Output.stdout("\(test.request.method) \(test.request.url)\n")
        let outcome = test.send()
        Output.stdout(outcome.report)
        return outcome.succeeded ? ExitCode.ok : ExitCode.failure
    }


}

/// One test delivery, as `hookrouter send` and `POST /api/targets/{name}/test` make it: the test
/// event, the route that renders its body, the signed request; `send()` sends it synchronously.
struct TestDelivery: Sendable {
    let id: String
    let type: String
    let sourceName: String
    let target: Target
    /// Where the target may connect when it is untrusted (a subscription): checked as in deliveries.
    let outbound: OutboundPolicy?
    /// The route that renders the body; nil when no route sends to the target (`body: raw`).
    let routeName: String?
    let mode: BodyMode
    let request: OutboundRequest
    let now: Timestamp

    /// How the body was chosen, for the report.
    var via: String { routeName.map { "route '\($0)'" } ?? "no route (none sends to '\(target.name)')" }

    /// Builds the test event and its request: id `test-<random>`, `body` (default `{"test":true,...}`),
    /// rendered by the first route that sends to `target` (from `source` when given), preferring one that takes `type`.
    init(table: RouteTable, target t: Int, source sourceIndex: Int?, type: String, body: [UInt8]?, now: Timestamp) {
        let route = Self.route(in: table, target: t, source: sourceIndex, type: type)
        let source = sourceIndex ?? route.flatMap { table.routes[$0].sources.first }
        id = "test-" + Hex.encode(SecureRandom.bytes(8))
        self.type = type
        self.now = now
        sourceName = source.map { table.sources[$0].name } ?? "hookrouter"
        target = table.targets[t]
        outbound = target.guarded ? table.settings.subscriptions.outbound : nil
        routeName = route.map { table.routes[$0].name }
        mode = route.map { table.routes[$0].body } ?? .raw
        let event = Self.event(id: id, source: sourceName, type: type, body: body ?? Self.defaultBody(id: id, type: type, now: now), now: now)
        request = OutboundRequest(event: event, body: mode, target: target, deliveryId: id, attempt: 1, now: now)
    }

    /// Sends now and waits for the answer: blocks the caller for at most the target's timeout.
    func send() -> Outcome {
        Self.send(request, target: target, now: now, outbound: outbound)
    }

    /// The first route that sends to `target` (from `source`, when given), preferring one that takes `type`.
    static func route(in table: RouteTable, target: Int, source: Int?, type: String) -> Int? {
        let candidates = table.routes.filter { r in r.targets.contains(target) && (source.map { r.sources.contains($0) } ?? true) }
        return (candidates.first { $0.takes(type: type) } ?? candidates.first)?.index
    }

    static func defaultBody(id: String, type: String, now: Timestamp) -> [UInt8] {
        let value: JSONValue = .object(JSONObject([
            ("test", .bool(true)), ("id", .string(id)), ("type", .string(type)), ("sent_at", .string(now.rfc3339)),
            ("message", "test webhook sent by hookrouter send"),
        ]))
        return Array(value.serialized.utf8)
    }

    /// A normalised event as an adapter would make it; a body that is not JSON gives `null` data
    /// and is sent as `application/octet-stream` by `body: raw`.
    static func event(id: String, source: String, type: String, body: [UInt8], now: Timestamp) -> Event {
        let data = try? JSONValue.parse(body)
        return Event(id: id, source: source, type: type, time: now, receivedAt: now, headers: [],
                     attributes: JSONObject([("test", .bool(true))]), data: data ?? .null, body: body,
                     contentType: data == nil ? "application/octet-stream" : "application/json")
    }

    /// What the target answered, or why it did not.
    struct Outcome {
        let result: AttemptResult
        let milliseconds: Int64
        let response: [UInt8]

        var succeeded: Bool { result.succeeded }

        var report: String {
            switch result {
            case .answered(let status, _):
                var s = "answered \(status) in \(milliseconds) ms"
                s += response.isEmpty ? " (empty body)\n" : "; first \(response.count) bytes of the body:\n"
                if !response.isEmpty {
                    s += String(decoding: response, as: UTF8.self)
                    if s.last != "\n" { s += "\n" }
                }
                return s
            case .failed(let error):
                return "no answer after \(milliseconds) ms: \(error)\n"
            }
        }
    }

    /// Sends with libcurl's easy interface, blocking for at most the target's timeout. The request is
    /// set up by the engine's `Transfer`, so options, headers and limits are the engine's own.
    static func send(_ request: OutboundRequest, target: Target, now: Timestamp, outbound: OutboundPolicy? = nil) -> Outcome {
        curl_global_init(Int(CURL_GLOBAL_DEFAULT))
        let placeholder = QueuedDelivery(id: 0, eventSeq: 0, route: "", target: target.name, attempts: 0,
                                         dueMilliseconds: now.milliseconds, event: nil)
        let started = MonotonicClock.milliseconds()
        guard let transfer = Transfer(request: request, delivery: placeholder, attempt: 1, timeoutMilliseconds: target.timeoutMilliseconds,
                                      now: now, monotonic: started, pool: EasyHandlePool(capacity: 0), outbound: outbound) else {
            return Outcome(result: .failed("libcurl could not start a request"), milliseconds: 0, response: [])
        }
        let code = curl_easy_perform(transfer.easy)
        return Outcome(result: transfer.result(code), milliseconds: MonotonicClock.milliseconds() - started, response: transfer.response)
    }
}
