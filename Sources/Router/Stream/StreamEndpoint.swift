import HTTPServer
import Rules

/// The ingest listener's side of stream targets: a request at a stream's path is checked (method,
/// query, token and groups, room), then becomes a WebSocket (`Upgrade: websocket`), an event stream
/// (`Accept: text/event-stream`) or a long-poll (anything else). Runs on the ingest loop; what it
/// registers runs on the hub's (the stream loop's) thread: a stream's session is made there when its
/// connection is handed over, a long-poll is registered there through `perform`.
final class StreamEndpoint {
    let hub: StreamHub

    init(hub: StreamHub) { self.hub = hub }

    func decide(_ head: HTTPRequestHead, target: Target) -> HeadDecision {
        guard let settings = target.stream else { return .respond(IngestAnswer.error(404, "not_found", "no stream is configured at this path")) }
        let grant: StreamRequest.Grant, request: StreamRequest
        switch admit(head, target: target, settings: settings) {
        case .admitted(let r, let g): (request, grant) = (r, g)
        case .refused(let response): return .respond(response)
        }
        let now = MonotonicClock.milliseconds()
        let hub = self.hub
        if head.header("upgrade") != nil {
            switch WebSocketHandshake.check(head) {
            case .failure(.unsupportedVersion):
                hub.refused(stream: target.name, status: 426)
                return .respond(IngestAnswer.error(426, "upgrade_required", "this server speaks WebSocket version 13", headers: [HTTPHeader("Sec-WebSocket-Version", "13")]))
            case .failure(let refusal):
                hub.refused(stream: target.name, status: 400)
                let detail: String
                if case .notAnUpgrade(let d) = refusal { detail = d } else { detail = "Sec-WebSocket-Key must be the base64 of 16 bytes" }
                return .respond(IngestAnswer.error(400, "bad_request", detail))
            case .success(let accept):
                return .stream(head: WebSocketHandshake.switchingProtocols(accept: accept)) { channel in
                    let session = WebSocketStreamSession(channel: channel, owner: hub, settings: settings, now: now)
                    session.client = hub.register(stream: target.name, settings: settings, grant: grant, after: request.after, transport: "websocket", outlet: session)
                    return session
                }
            }
        }
        if (head.header("accept") ?? "").contains("text/event-stream") {
            return .stream(head: EventStreamSession.head) { channel in
                let session = EventStreamSession(channel: channel, owner: hub, settings: settings, now: now)
                session.client = hub.register(stream: target.name, settings: settings, grant: grant, after: request.after, transport: "sse", outlet: session)
                return session
            }
        }
        return .readBody(maxBody: 0)
    }

    /// A long-poll: held until a message comes or `poll_timeout` passes; answered through `responder`.
    func poll(_ request: HTTPRequest, target: Target, responder: Responder) -> HTTPResponse? {
        guard let settings = target.stream else { return IngestAnswer.error(404, "not_found", "no stream is configured at this path") }
        switch admit(request.head, target: target, settings: settings) {
        case .refused(let response):
            return response
        case .admitted(let query, let grant):
            let hub = self.hub, deadline = MonotonicClock.milliseconds() + settings.pollMilliseconds, name = target.name, after = query.after
            hub.perform {
                let outlet = PollOutlet(responder: responder, deadline: deadline)
                outlet.client = hub.register(stream: name, settings: settings, grant: grant, after: after, transport: "poll", outlet: outlet)
            }
            return nil
        }
    }

    private enum Admission {
        case admitted(StreamRequest, StreamRequest.Grant)
        case refused(HTTPResponse)
    }

    /// Method, query, credential, room: the checks every transport makes before it is held.
    private func admit(_ head: HTTPRequestHead, target: Target, settings: StreamSettings) -> Admission {
        guard head.method == "GET" else {
            hub.refused(stream: target.name, status: 405)
            return .refused(IngestAnswer.error(405, "method_not_allowed", "a stream is read with GET", headers: [HTTPHeader("Allow", "GET")]))
        }
        do {
            let request = try StreamRequest(head)
            let grant = try request.authorize(settings.auth, now: WallClock.now())
            guard hub.clientCount(stream: target.name) < settings.maxClients else {
                hub.refused(stream: target.name, status: 503)
                return .refused(IngestAnswer.error(503, "unavailable", "this stream has its max_clients (\(settings.maxClients)) connected; retry later",
                                                   headers: [HTTPHeader("Retry-After", "5")]))
            }
            return .admitted(request, grant)
        } catch {
            hub.refused(stream: target.name, status: error.status)
            return .refused(error.response)
        }
    }
}
