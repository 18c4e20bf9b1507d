import Adapters
import HTTPServer
import Rules

/// The ingest listener's application: path → source, method, `allow_ips`, rate limit, size, then the
/// adapter, `require`, the match, and the store. Answers 2xx only once the event is on disk.
///
/// Runs on the HTTP loop thread; the store's completion answers from the writer thread.
final class IngestHandler: HTTPHandler {
    let config: LiveConfig
    let store: EventStore
    let limiter = RateLimiter()
    let refusals = RefusalLog()
    let metrics: IngestMetrics
    let streams: StreamEndpoint
    /// The admin listener's live feed (the console's tail).
    let feed: StreamHub

    init(config: LiveConfig, store: EventStore, metrics: IngestMetrics, streams: StreamEndpoint, feed: StreamHub) {
        self.config = config
        self.store = store
        self.metrics = metrics
        self.streams = streams
        self.feed = feed
    }

    func decide(_ head: HTTPRequestHead, remoteAddress: String) -> HeadDecision {
        if head.path == "/healthz" {
            return .respond(head.method == "GET" || head.method == "HEAD" ? .json(200, #"{"status":"ok"}"#)
                                                                         : IngestAnswer.error(405, "method_not_allowed", "use GET", headers: [HTTPHeader("Allow", "GET")]))
        }
        let table = config.table
        if table.hasStreams, let stream = table.streamTarget(forPath: head.path) { return streams.decide(head, target: stream) }
        guard let (index, _) = table.source(forPath: head.path) else {
            return .respond(IngestAnswer.error(404, "not_found", "no source is configured at this path"))
        }
        let source = table.sources[index]
        guard head.method == "POST" else {
            return .respond(reject(source, 405, "method_not_allowed", "webhooks are received with POST", headers: [HTTPHeader("Allow", "POST")]))
        }
        if !source.allows(address: remoteAddress) {
            refusals.emit(.warn, "request from an address outside allow_ips", source: source.name, ["source": source.name, "remote": remoteAddress])
            metrics.count(source: source.name, status: 403)
            return .respond(IngestAnswer.rejection(.forbiddenAddress(remoteAddress)))
        }
        if let rate = source.rateLimit,
           let wait = limiter.check(source: source.name, address: remoteAddress, rate: rate, nowMilliseconds: MonotonicClock.milliseconds()) {
            return .respond(reject(source, 429, "rate_limited", "over the rate limit of \(rate) for this address", headers: [HTTPHeader("Retry-After", String(wait))]))
        }
        return .readBody(maxBody: source.maxBody)
    }

    func handle(_ request: HTTPRequest, responder: Responder) -> HTTPResponse? {
        let table = config.table
        if table.hasStreams, let stream = table.streamTarget(forPath: request.head.path) {
            return streams.poll(request, target: stream, responder: responder)
        }
        guard let (index, suffix) = table.source(forPath: request.head.path) else {
            // The source went away in a reload between the head and the body.
            return IngestAnswer.error(404, "not_found", "no source is configured at this path")
        }
        let source = table.sources[index]
        let inbound = InboundRequest(method: request.head.method, path: request.head.path, pathSuffix: suffix,
                                     headers: request.head.headers.map { HTTPField($0.name, $0.value) },
                                     body: request.body, remoteAddress: request.remoteAddress)
        let accepted: Reception.Accepted
        // `consume`: without it the request was copied twice on its way in (a retain per field).
        switch Reception.receive(consume inbound, at: source, in: table, now: WallClock.now()) {
        case .success(let a):
            accepted = a
        case .failure(let rejection):
            let fields: KeyValuePairs<String, String> = ["source": source.name, "remote": request.remoteAddress, "status": String(rejection.status), "detail": rejection.description]
            refusals.emit(rejection.status == 401 ? .warn : .info, "webhook refused", source: source.name, fields)
            metrics.count(source: source.name, status: rejection.status)
            return IngestAnswer.rejection(rejection)
        }
        let event = accepted.event
        let matches = accepted.matches
        let plan = StreamPush.deliveries(matches, table: table)
        let stored = StoredEvent(source: source.name, eventID: event.id, type: event.type, time: event.time, receivedAt: event.receivedAt,
                                 contentType: event.contentType, headers: event.headers, attributes: event.attributes,
                                 body: event.body, deliveries: plan.deliveries)
        // The pushes read the whole body again (ingest parsed only what routes test).
        let pushes = plan.reachesStream ? StreamPush.pushes(for: stored.event(), matches: matches, table: table) : []
        let summary = AdminFeed.summary(feed, event: event, matches: matches, table: table)
        let metrics = self.metrics, hub = streams.hub, feed = self.feed
        let sourceName = source.name, eventID = event.id, type = event.type
        store.submit(stored) { outcome in
            switch outcome {
            case .stored(let seq, let deliveries):
                hub.publish(seq: seq, pushes: pushes)
                AdminFeed.publish(feed, seq: seq, summary: summary)
                metrics.count(source: sourceName, status: 202)
                metrics.stored(source: sourceName, type: type, deliveries: deliveries.count + pushes.count)
                Log.debug("event accepted", ["source": sourceName, "event_id": eventID, "type": type, "deliveries": String(deliveries.count)])
                responder.respond(IngestAnswer.accepted(eventID: eventID, deliveries: deliveries.count))
            case .duplicate:
                metrics.count(source: sourceName, status: 200)
                responder.respond(IngestAnswer.duplicate(eventID: eventID))
            case .unavailable(let why):
                metrics.count(source: sourceName, status: 503)
                responder.respond(IngestAnswer.error(503, "unavailable", why, headers: [HTTPHeader("Retry-After", "5")]))
            }
        }
        return nil
    }

    private func reject(_ source: Source, _ status: Int, _ code: String, _ detail: String, headers: [HTTPHeader] = []) -> HTTPResponse {
        metrics.count(source: source.name, status: status)
        return IngestAnswer.error(status, code, detail, headers: headers)
    }
}
