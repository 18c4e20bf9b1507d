import HTTPServer
import Rules
import Synchronization

/// `GET /api/targets/{name}/logs` (the target's attempt log, newest first, paginated) and
/// `POST /api/targets/{name}/test` (what `hookrouter send` does).
extension AdminHandler {
    /// Test sends in flight at most; more are answered 429 (each holds a thread for up to the target's timeout).
    static let maxTestsInFlight = 4

    func targetLog(_ name: String, query: AdminQuery, store: AdminStore, table: RouteTable) throws(AdminFailure) -> HTTPResponse {
        AdminAnswer.json(.object(try targetLogPage(name, query: query, store: store, table: table)))
    }

    /// `{target, items, next_cursor}`: one page of the target's attempt log, redacted.
    func targetLogPage(_ name: String, query: AdminQuery, store: AdminStore, table: RouteTable) throws(AdminFailure) -> JSONObject {
        let limit: Int
        var cursor: StoreQueries.LogCursor?
        do throws(AdminQuery.Invalid) {
            limit = try query.limit()
            if let text = query.text("cursor") {
                guard let c = StoreQueries.LogCursor(text) else {
                    throw AdminQuery.Invalid(detail: "cursor takes the next_cursor of the previous page, not '\(text)'")
                }
                cursor = c
            }
        } catch {
            throw .badRequest(error.detail)
        }
        var rows = try AdminFailure.reading { try store.reads.targetLog(target: name, after: cursor, limit: limit + 1) }
        if rows.isEmpty, cursor == nil, table.targetIndex(named: name) == nil {
            let known = table.targets.map(\.name)
            throw .notFound("no target '\(name)'\(Suggestion.hint(for: name, in: known)) and no attempt logged for one; targets are \(known.joined(separator: ", "))")
        }
        var next: JSONValue = .null
        if rows.count > limit {
            rows.removeLast()
            if let last = rows.last {
                next = .string(StoreQueries.LogCursor(startedMilliseconds: last.startedMilliseconds, deliveryID: last.deliveryID, attempt: last.attempt).text)
            }
        }
        // Redacted values differ per event: look each event up once.
        var secretsByEvent: [Int64: [String]] = [:]
        let items: [JSONValue] = rows.map { row in
            let secrets = secretsByEvent[row.eventSeq] ?? store.secrets(source: row.source, eventSeq: row.eventSeq, target: name, table: table)
            secretsByEvent[row.eventSeq] = secrets
            return Self.attemptJSON(row, secrets: secrets, withDelivery: true)
        }
        return JSONObject([("target", .string(name)), ("items", .array(items)), ("next_cursor", next)])
    }

    /// Sends a test event now, built and sent by the code `hookrouter send` uses. The send runs on a
    /// thread of its own and answers through the responder, so the admin loop never waits on a target;
    /// at most `maxTestsInFlight` run at once. Body: optional `{"type"?, "source"?, "data"?}`.
    func testTarget(_ name: String, body: [UInt8], table: RouteTable, responder: Responder,
                    shape: @escaping @Sendable (TestDelivery, TestDelivery.Outcome) -> JSONValue = AdminHandler.testJSON) throws(AdminFailure) -> HTTPResponse? {
        guard let t = table.targetIndex(named: name) else {
            let known = table.targets.map(\.name)
            throw .notFound("no target '\(name)'\(Suggestion.hint(for: name, in: known)); targets are \(known.joined(separator: ", "))")
        }
        var type = SendCommand.defaultType
        var source: Int?
        var data: [UInt8]?
        if !body.allSatisfy({ $0 == 0x20 || $0 == 0x0a || $0 == 0x0d || $0 == 0x09 }) {
            guard let v = try? JSONValue.parse(body), case .object(let o) = v else {
                throw .badRequest("send no body or a JSON object {\"type\"?: text, \"source\"?: name, \"data\"?: any}")
            }
            if let given = o["type"] {
                guard let text = given.stringValue, !text.isEmpty else { throw .badRequest("'type' must be non-empty text") }
                type = text
            }
            if let given = o["source"] {
                guard let text = given.stringValue, let s = table.sourceIndex(named: text) else {
                    throw .badRequest("'source' must name a configured source; sources are \(table.sources.map(\.name).joined(separator: ", "))")
                }
                source = s
            }
            if let d = o["data"] { data = Array(d.serialized.utf8) }
        }
        let slots = testSlots
        guard slots.take() else {
            throw .busy("\(Self.maxTestsInFlight) test sends are in flight already; try again when one has answered")
        }
        let test = TestDelivery(table: table, target: t, source: source, type: type, body: data, now: WallClock.now())
        OSThread.detached(name: "admin-test") {
            let outcome = test.send()
            slots.release()
            Log.info("test delivery sent by the admin API", ["target": test.target.name, "route": test.routeName ?? "", "source": test.sourceName,
                                                             "event_id": test.id, "status": outcome.statusText])
            responder.respond(AdminAnswer.json(shape(test, outcome)))
        }
        return nil
    }

    static func testJSON(_ test: TestDelivery, _ outcome: TestDelivery.Outcome) -> JSONValue {
        var o = JSONObject()
        o["event_id"] = .string(test.id)
        o["type"] = .string(test.type)
        o["source"] = .string(test.sourceName)
        o["target"] = .string(test.target.name)
        o["route"] = test.routeName.map(JSONValue.string) ?? .null
        o["body"] = .string(test.mode.name)
        o["method"] = .string(test.request.method)
        o["url"] = .string(test.request.url)
        o["succeeded"] = .bool(outcome.succeeded)
        switch outcome.result {
        case .answered(let status, _):
            o["status"] = .number(JSONNumber(status))
            o["error"] = .null
        case .failed(let error):
            o["status"] = .null
            o["error"] = .string(error)
        }
        o["duration_ms"] = .number(JSONNumber(Int(outcome.milliseconds)))
        var secrets = test.target.headers.map(\.value)
        if case .hmacSHA256(let s)? = test.target.sign { secrets.append(s.text) }
        o["response"] = .string(Redaction.scrub(String(decoding: outcome.response.prefix(1024), as: UTF8.self), secrets: secrets))
        return .object(o)
    }
}

extension TestDelivery.Outcome {
    /// The status code, or "-" when no answer came.
    var statusText: String {
        if case .answered(let s, _) = result { return String(s) }
        return "-"
    }
}

/// Counts test sends in flight, so a burst of clicks cannot start a thread each.
final class TestSlots: Sendable {
    private let used = Atomic<Int>(0)
    let limit: Int

    init(limit: Int) {
        self.limit = limit
    }

    /// True when a slot was free (and is now taken).
    func take() -> Bool {
        if used.add(1, ordering: .relaxed).newValue <= limit { return true }
        used.subtract(1, ordering: .relaxed)
        return false
    }

    func release() {
        used.subtract(1, ordering: .relaxed)
    }
}
