import HTTPServer
import Rules

/// What one event sends to one stream, rendered before it is stored (the seq comes with the commit).
/// The same function makes it live at ingest and again from the store when a client catches up, so
/// both give the same bytes.
struct StreamPush: Sendable {
    let stream: String
    let group: String
    let priority: Priority
    /// The message's JSON after its id: `"source":…,"type":…,"data":…}`.
    let tail: [UInt8]

    /// The pushes `matches` ask for, one per stream target (the first route to reach it decides the
    /// body and priority). `event` must hold all of its data (templates may read any of it).
    static func pushes(for event: Event, matches: [RouteTable.Match], table: RouteTable, only stream: String? = nil) -> [StreamPush] {
        var out: [StreamPush] = []
        for m in matches {
            let target = table.targets[m.target]
            guard let settings = target.stream, stream == nil || stream == target.name, !out.contains(where: { $0.stream == target.name }) else { continue }
            let route = table.routes[m.route]
            let group = settings.group(of: event)
            // Critical when any matching route to this stream says so (a catch-all route first must not hide it).
            let critical = matches.contains { $0.target == m.target && table.routes[$0.route].priority == .critical }
            let priority: Priority = critical ? .critical : .normal
            out.append(StreamPush(stream: target.name, group: group, priority: priority,
                                  tail: tail(event: event, body: OutboundRequest.body(for: route.body, event: event), priority: priority, group: group)))
        }
        return out
    }

    /// Splits an event's matches: the deliveries (to URLs), and whether any reaches a stream (then
    /// `pushes(for: stored.event(), …)` renders them; ingest parsed only what routes test).
    static func deliveries(_ matches: [RouteTable.Match], table: RouteTable) -> (deliveries: [PlannedDelivery], reachesStream: Bool) {
        var deliveries: [PlannedDelivery] = []
        var reachesStream = false
        for m in matches {
            let target = table.targets[m.target]
            if target.stream != nil {
                reachesStream = true
                continue
            }
            deliveries.append(PlannedDelivery(route: table.routes[m.route].name, target: target.name))
        }
        return (deliveries, reachesStream)
    }

    /// The admin feed's message for an event: who sent what, and where it goes; never its body.
    static func summary(of event: Event, matches: [RouteTable.Match], table: RouteTable, stream: String) -> StreamPush {
        var targets: [String] = []
        for m in matches where !targets.contains(table.targets[m.target].name) { targets.append(table.targets[m.target].name) }
        var o = JSONObject()
        o["source"] = .string(event.source)
        o["type"] = .string(event.type)
        o["event_id"] = .string(event.id)
        o["received_at"] = .string(Timestamp(milliseconds: event.receivedAt.milliseconds).rfc3339)
        o["targets"] = .array(targets.map { .string($0) })
        var text = JSONValue.object(o).serialized
        text.removeFirst()
        return StreamPush(stream: stream, group: "", priority: .normal, tail: Array(text.utf8))
    }

    private static func tail(event: Event, body: [UInt8], priority: Priority, group: String) -> [UInt8] {
        var o = JSONObject()
        o["source"] = .string(event.source)
        o["type"] = .string(event.type)
        o["event_id"] = .string(event.id)
        o["group"] = .string(group)
        o["priority"] = .string(priority.rawValue)
        // Milliseconds, as the store keeps it: a message read back from the store is the same.
        o["received_at"] = .string(Timestamp(milliseconds: event.receivedAt.milliseconds).rfc3339)
        // The body inline when it is JSON (templates and `event` always are), else as a string.
        let data: JSONValue = (try? JSONValue.parse(body)) ?? .string(String(decoding: body, as: UTF8.self))
        o["data"] = data
        var text = JSONValue.object(o).serialized
        text.removeFirst()  // the opening brace: the id goes first
        return Array(text.utf8)
    }
}

/// One message to stream clients, shared by all the clients it goes to; its wire forms are built once,
/// the first time a client of that transport needs them. Loop thread only.
final class StreamMessage {
    enum Kind { case event, control }

    let kind: Kind
    /// The event's store seq (its id on the stream); 0 for a control message.
    let seq: Int64
    let group: String
    let priority: Priority
    /// The message as one JSON object.
    let json: [UInt8]

    init(seq: Int64, push: StreamPush) {
        kind = .event
        self.seq = seq
        group = push.group
        priority = push.priority
        json = Array(#"{"kind":"event","id":""#.utf8) + Array(String(seq).utf8) + Array("\",".utf8) + push.tail
    }

    /// `{"kind":"gap"|"dropped"|"closed", …}`: told to one client, never dropped.
    init(control kind: String, fields: JSONObject) {
        self.kind = .control
        seq = 0
        group = ""
        priority = .critical
        var o = JSONObject()
        o["kind"] = .string(kind)
        for (k, v) in fields { o[k] = v }
        json = Array(JSONValue.object(o).serialized.utf8)
    }

    var isCritical: Bool { priority == .critical }

    private(set) lazy var webSocketFrame: [UInt8] = WebSocketFrame(opcode: .text, payload: json).serialized()

    /// `id: <seq>` (events only) and the JSON as `data:`, one line per line of it.
    private(set) lazy var eventStreamBytes: [UInt8] = {
        var out: [UInt8] = []
        out.reserveCapacity(json.count + 32)
        if kind == .event { out += Array("id: \(seq)\n".utf8) }
        out += Array("data: ".utf8)
        for b in json {
            if b == 0x0A || b == 0x0D {
                out += Array("\ndata: ".utf8)  // JSON's own line breaks are whitespace: a new data line keeps it valid
            } else {
                out.append(b)
            }
        }
        out += [0x0A, 0x0A]
        return out
    }()
}
