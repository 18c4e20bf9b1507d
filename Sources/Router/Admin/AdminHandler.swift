import Adapters
import HTTPServer
import Rules

/// The admin listener's API (SPEC §8): bearer-token auth, JSON everywhere, nothing secret.
/// Runs on the admin server's own loop thread.
final class AdminHandler: HTTPHandler {
    struct Context {
        let config: LiveConfig
        let reloader: Reloader
        let store: EventStore
        let ingestMetrics: IngestMetrics
        let deliveryMetrics: DeliveryMetrics
        /// The admin thread's own store connections (reads, replays).
        let queries: AdminStore
        /// Where a replay nudges the delivery engine to rescan the store now.
        let inbox: DeliveryInbox
        /// Where an injected event's stream pushes go once it is stored.
        let streams: StreamHub
        let streamMetrics: StreamMetrics
        /// Edits the subscriptions file.
        let subscriptions: SubscriptionService
        /// `GET /api/events/live`: every stored event as it is stored (on this listener's loop).
        let feed: StreamHub
    }

    let context: Context
    let testSlots = TestSlots(limit: AdminHandler.maxTestsInFlight)

    init(_ context: Context) {
        self.context = context
    }

    func decide(_ head: HTTPRequestHead, remoteAddress: String) -> HeadDecision {
        if head.method == "GET" || head.method == "HEAD", let asset = Self.consoleAsset(head.path) { return .respond(asset) }
        // The running config's token: a reload rotates it (`ReloadVetting` keeps an off-loopback one from going).
        if let token = context.config.table.settings.adminAPIToken, head.path != "/healthz" {
            let given = head.header("authorization").flatMap { $0.hasPrefix("Bearer ") ? Array($0.utf8.dropFirst(7)) : nil } ?? []
            guard ConstantTime.equals(given, token.bytes) else {
                return .respond(AdminAnswer.error(401, "unauthorized", "send Authorization: Bearer <settings.admin.token>",
                                                  headers: [HTTPHeader("WWW-Authenticate", "Bearer")]))
            }
        }
        if head.path == AdminFeed.path, head.method == "GET" { return liveFeed(head) }
        return .readBody(maxBody: 1 << 20)
    }

    func handle(_ request: HTTPRequest, responder: Responder) -> HTTPResponse? {
        let method = request.head.method, path = request.head.path
        let table = context.config.table
        switch (method, path) {
        case ("GET", "/healthz"):
            return .json(200, #"{"status":"ok"}"#)
        case ("GET", "/readyz"):
            return .json(200, #"{"status":"ready","generation":\#(context.config.generation)}"#)
        case ("GET", "/metrics"):
            let text = MetricsExposition(ingest: context.ingestMetrics, delivery: context.deliveryMetrics, streams: context.streamMetrics, reloader: context.reloader,
                                         config: context.config, store: context.store).render()
            return HTTPResponse(status: 200, headers: [HTTPHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8")], body: Array(text.utf8))
        case ("GET", "/api/sources"):
            return AdminAnswer.json(AdminViews.sources(table))
        case ("GET", "/api/targets"):
            return AdminAnswer.json(AdminViews.targets(table, metrics: context.deliveryMetrics.snapshot, streams: context.streamMetrics.snapshot))
        case ("GET", "/api/routes"):
            return AdminAnswer.json(AdminViews.routes(table))
        case ("GET", "/api/events"):
            return AdminAnswer.json(AdminViews.eventTypes())
        case ("POST", "/api/reload"):
            let (taken, diagnostics) = context.reloader.reload(reason: "admin API")
            if taken { return .json(200, #"{"reloaded":true}"#) }
            return .json(200, #"{"reloaded":false,"diagnostics":"# + DiagnosticRenderer.json(diagnostics) + "}")
        case ("POST", "/api/events"):
            return inject(request.body, table: table, responder: responder)
        default:
            do {
                return try store(request, table: table, responder: responder)
            } catch {
                return error.response
            }
        }
    }

    /// The endpoints that read or replay from the store, and those with a name or id in their path.
    private func store(_ request: HTTPRequest, table: RouteTable, responder: Responder) throws(AdminFailure) -> HTTPResponse? {
        let method = request.head.method, path = request.head.path
        let query = AdminQuery(request.head)
        let parts = path.split(separator: "/", omittingEmptySubsequences: false).map { AdminQuery.decode($0) }
        // "/api/x/y" splits into ["", "api", "x", "y"].
        func deliveryID(_ text: String) throws(AdminFailure) -> Int64 {
            guard let id = Int64(text), id > 0 else { throw .notFound("delivery ids are positive numbers, not '\(text)'; list them with GET /api/deliveries") }
            return id
        }
        if parts.count >= 3, parts[1] == "api", parts[2] == "subscriptions" {
            return try subscriptions(request, parts: parts.dropFirst(3).filter { !$0.isEmpty }, table: table, responder: responder)
        }
        if parts.count >= 3, parts[1] == "api", parts[2] == "webhooks" {
            return try webhooks(request, parts: parts.dropFirst(3).filter { !$0.isEmpty }, table: table, responder: responder)
        }
        switch (method, parts.count >= 3 ? Array(parts[1...]) : []) {
        case ("GET", ["api", "deliveries"]):
            return try listDeliveries(query, store: context.queries)
        case ("GET", let p) where p.count == 3 && p[0] == "api" && p[1] == "deliveries":
            return try showDelivery(try deliveryID(p[2]), store: context.queries, table: table)
        case ("POST", let p) where p.count == 4 && p[0] == "api" && p[1] == "deliveries" && p[3] == "replay":
            return try replayDelivery(try deliveryID(p[2]), query: query, store: context.queries)
        case ("GET", let p) where p.count == 4 && p[0] == "api" && p[1] == "targets" && p[3] == "logs":
            return try targetLog(p[2], query: query, store: context.queries, table: table)
        case ("POST", let p) where p.count == 4 && p[0] == "api" && p[1] == "targets" && p[3] == "test":
            return try testTarget(p[2], body: request.body, table: table, responder: responder)
        case ("GET", ["api", "stats"]):
            return try stats(store: context.queries, table: table)
        case ("GET", ["api", "stats", "minutes"]):
            return try minuteStats(query)
        case ("GET", ["api", "config"]):
            return configView(table)
        case ("POST", ["api", "deliveries", "replay"]):
            return try bulkReplay(query)
        default:
            break
        }
        let known = ["/healthz", "/readyz", "/metrics", "/api/sources", "/api/targets", "/api/routes", "/api/events", "/api/reload",
                     "/api/deliveries", "/api/stats", "/api/stats/minutes", "/api/config", "/api/deliveries/replay"]
        let dynamic = (parts.count == 4 && parts[1] == "api" && parts[2] == "deliveries")
            || (parts.count == 5 && parts[1] == "api" && ((parts[2] == "deliveries" && parts[4] == "replay")
                                                          || (parts[2] == "targets" && (parts[4] == "logs" || parts[4] == "test"))))
        if known.contains(path) || dynamic {
            return AdminAnswer.error(405, "method_not_allowed", "\(method) is not served at \(path)")
        }
        throw .notFound("no admin endpoint at \(path)")
    }

    /// `GET /api/events/live`: an event stream of every stored event (`after=` / `Last-Event-ID` resume).
    private func liveFeed(_ head: HTTPRequestHead) -> HeadDecision {
        let after: Int64?
        do { after = try StreamRequest(head).after } catch { return .respond(error.response) }
        guard context.feed.clientCount(stream: AdminFeed.stream) < AdminFeed.settings.maxClients else {
            return .respond(AdminAnswer.error(503, "unavailable", "\(AdminFeed.settings.maxClients) live feeds are open already", headers: [HTTPHeader("Retry-After", "5")]))
        }
        let feed = context.feed, now = MonotonicClock.milliseconds()
        return .stream(head: EventStreamSession.head) { channel in
            let session = EventStreamSession(channel: channel, owner: feed, settings: AdminFeed.settings, now: now)
            session.client = feed.register(stream: AdminFeed.stream, settings: AdminFeed.settings, grant: .init(groups: nil, expiresMilliseconds: nil),
                                           after: after, transport: "sse", outlet: session)
            return session
        }
    }

    /// `POST /api/events {source?, type, data}`: stores an event by hand and routes it like a received one.
    /// Without `source` it is routed as if every source had received it.
    private func inject(_ body: [UInt8], table: RouteTable, responder: Responder) -> HTTPResponse? {
        guard let request = try? JSONValue.parse(body), case .object(let o) = request else {
            return AdminAnswer.error(400, "bad_request", "send a JSON object {\"source\"?: name, \"type\": text, \"data\": any}")
        }
        guard let type = o["type"]?.stringValue, !type.isEmpty else { return AdminAnswer.error(422, "invalid", "'type' is required and must be text") }
        let data = o["data"] ?? .null
        var sources = Array(table.sources.indices)
        var sourceName = "api"
        if let name = o["source"]?.stringValue {
            guard let s = table.sourceIndex(named: name) else { return AdminAnswer.error(422, "invalid", "unknown source '\(name)'") }
            sources = [s]
            sourceName = name
        }
        let now = WallClock.now()
        let id = "api-" + Hex.encode(SecureRandom.bytes(8))
        let bytes = Array(data.serialized.utf8)
        var event = Event(id: id, source: sourceName, type: type, time: now, receivedAt: now, headers: [], attributes: JSONObject(),
                          data: data, body: bytes, contentType: "application/json")
        var planned: [PlannedDelivery] = []
        var pushes: [StreamPush] = []
        for s in sources {
            event.source = table.sources[s].name
            let matches = table.match(event, source: s)
            for m in matches where table.targets[m.target].stream == nil {
                let p = PlannedDelivery(route: table.routes[m.route].name, target: table.targets[m.target].name)
                if !planned.contains(p) { planned.append(p) }
            }
            for push in StreamPush.pushes(for: event, matches: matches, table: table) where !pushes.contains(where: { $0.stream == push.stream }) {
                pushes.append(push)
            }
        }
        let stored = StoredEvent(source: sourceName, eventID: id, type: type, time: now, receivedAt: now, contentType: "application/json",
                                 headers: [], attributes: JSONObject(), body: bytes, deliveries: planned)
        let hub = context.streams, streamPushes = pushes, feed = context.feed
        let summary = AdminFeed.summary(feed, event: event, matches: sources.flatMap { table.match(event, source: $0) }, table: table)
        context.store.submit(stored) { outcome in
            switch outcome {
            case .stored(let seq, let deliveries):
                hub.publish(seq: seq, pushes: streamPushes)
                AdminFeed.publish(feed, seq: seq, summary: summary)
                responder.respond(IngestAnswer.accepted(eventID: id, deliveries: deliveries.count))
            case .duplicate: responder.respond(IngestAnswer.duplicate(eventID: id))
            case .unavailable(let why): responder.respond(AdminAnswer.error(503, "unavailable", why))
            }
        }
        return nil
    }
}

/// Admin answers share the ingest error shape.
enum AdminAnswer {
    static func json(_ value: JSONValue, status: Int = 200) -> HTTPResponse {
        HTTPResponse(status: status, headers: [HTTPHeader("Content-Type", "application/json")], body: Array(value.serialized.utf8))
    }

    static func error(_ status: Int, _ code: String, _ detail: String, headers: [HTTPHeader] = []) -> HTTPResponse {
        IngestAnswer.error(status, code, detail, headers: headers)
    }
}
