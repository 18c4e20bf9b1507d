import Rules

/// What `explain` prints for one request at one source: the verdict, the redacted event, every route
/// of the source with why it did or did not match, and the exact request each target would get.
///
/// Pure (the clock is passed in) so tests check the text without running a process. Nothing secret
/// reaches the text: `redact` paths and credential body fields are masked in the event and in every
/// body shown, credential headers are never printed, and a final scrub replaces any masked value
/// that still shows up anywhere.
struct Explanation {
    let text: String
    /// Nil when the source accepted the request.
    let rejection: Reception.Rejection?

    /// Static target header names that look like credentials: their values are not shown.
    static let credentialLikeHeader = ["authorization", "proxy-authorization", "cookie", "token", "secret", "key", "password", "auth"]

    init(table: RouteTable, source: Source, request: InboundRequest, headerOrigin: String, now: Timestamp) {
        var out = ""
        var secrets = Self.credentialValues(in: request, source: source)
        out += "source:  \(source.name) (adapter \(source.adapterName), path \(source.path))\n"
        out += "request: \(request.method) \(request.path), \(request.body.count) bytes, \(request.headers.count) header\(request.headers.count == 1 ? "" : "s") \(headerOrigin)\n"

        switch Reception.receive(request, at: source, in: table, now: now, wholeBody: true) {
        case .failure(let rejection):
            out += "result:  rejected with \(rejection.status): \(rejection)\n"
            if case .missingPaths = rejection {
                out += "         (the event's type requires these paths in 'require' of source '\(source.name)' at \(source.location))\n"
            }
            text = Redaction.scrub(out, secrets: secrets)
            self.rejection = rejection
            return
        case .success(let accepted):
            let event = accepted.event
            let (shown, masked) = Redaction.redact(event, paths: source.redact)
            secrets += masked
            out += "result:  accepted as '\(event.type)', id \(event.id)"
            out += accepted.matches.isEmpty ? ", no delivery (unrouted)\n" : ", \(accepted.matches.count) deliver\(accepted.matches.count == 1 ? "y" : "ies")\n"
            if !masked.isEmpty {
                out += "         \(masked.count) redacted value\(masked.count == 1 ? "" : "s") shown as \"\(Redaction.placeholder)\" below\n"
            }
            out += "\nevent:\n" + Self.eventJSON(shown).prettySerialized + "\n"
            out += Self.routes(table: table, source: source, event: event)
            out += Self.requests(table: table, matches: accepted.matches, event: event, shown: shown, now: now)
            text = Redaction.scrub(out, secrets: secrets)
            rejection = nil
        }
    }

    /// The normalised event in the JSON form of SPEC §4.1.
    static func eventJSON(_ event: Event) -> JSONValue {
        .object(JSONObject([
            ("id", .string(event.id)), ("source", .string(event.source)), ("type", .string(event.type)),
            ("time", .string(event.time.rfc3339)), ("received_at", .string(event.receivedAt.rfc3339)),
            ("headers", event.headersObject), ("attributes", .object(event.attributes)), ("data", event.data),
        ]))
    }

    /// Every route of the source, in file order: matched, or the first reason it did not.
    static func routes(table: RouteTable, source: Source, event: Event) -> String {
        let verdicts = table.verdicts(event, source: source.index)
        var out = "\nroutes of source '\(source.name)':\n"
        if verdicts.isEmpty { out += "  (none: no route takes events from this source)\n" }
        for (index, reason) in verdicts {
            let route = table.routes[index]
            if let reason {
                out += "  no     \(route.name): \(reason)\n"
            } else {
                let targets = route.targets.map { table.targets[$0].name }.joined(separator: ", ")
                out += "  match  \(route.name) -> \(targets)\(route.final ? " (final)" : "")  [\(route.location)]\n"
            }
        }
        return out
    }

    /// The exact request of each delivery. Headers (and so the signature) are those of the real body;
    /// the body shown is built from the redacted event, and says so when that changed it.
    static func requests(table: RouteTable, matches: [RouteTable.Match], event: Event, shown: Event, now: Timestamp) -> String {
        var out = ""
        let streamMatches = matches.filter { table.targets[$0.target].stream != nil }
        let matches = matches.filter { table.targets[$0.target].stream == nil }
        for (n, match) in matches.enumerated() {
            let route = table.routes[match.route], target = table.targets[match.target]
            let deliveryId = "explain-\(n + 1)"
            let real = OutboundRequest(event: event, route: route, target: target, deliveryId: deliveryId, attempt: 1, now: now)
            let display = OutboundRequest.body(for: route.body, event: shown)
            out += "\nrequest \(n + 1) of \(matches.count): route '\(route.name)' -> target '\(target.name)' (body: \(route.body.name)\(target.sign.map { ", signed \(Self.scheme($0))" } ?? ""))\n"
            out += "\(real.method) \(real.url)\n"
            for field in real.headers {
                let isStatic = target.headers.contains { $0.name.caseInsensitiveEquals(field.name) }
                let hide = isStatic && credentialLikeHeader.contains { field.name.lowercased().contains($0) }
                out += "\(field.name): \(hide ? Redaction.placeholder : field.value)\n"
            }
            out += "\n" + String(decoding: display, as: UTF8.self) + "\n"
            if display != real.body {
                out += "(body shown with redacted fields masked; the target gets the real \(real.body.count) bytes, which the signature and Content-Length above cover)\n"
            }
        }
        out += streams(table: table, matches: streamMatches, shown: shown)
        return out
    }

    /// What a client of each stream target would receive: the message, with the id the store assigns
    /// shown as `<seq>`, and the group whose clients get it.
    static func streams(table: RouteTable, matches: [RouteTable.Match], shown: Event) -> String {
        let pushes = StreamPush.pushes(for: shown, matches: matches, table: table)
        var out = ""
        for (n, push) in pushes.enumerated() {
            let target = table.targets[table.targetIndex(named: push.stream)!]
            let path = target.stream?.path ?? ""
            out += "\nstream \(n + 1) of \(pushes.count): target '\(push.stream)' at \(path), to clients of group '\(push.group)' and of every group (priority \(push.priority.rawValue))\n"
            out += #"{"kind":"event","id":"<seq>","# + String(decoding: push.tail, as: UTF8.self) + "\n"
        }
        return out
    }

    static func scheme(_ signing: Target.Signing) -> String {
        switch signing {
        case .hmacSHA256: return "hmac-sha256"
        case .standardWebhooks: return "standard-webhooks"
        }
    }

    /// Values of headers that carry credentials for this source, so the scrub can catch any echo of them.
    static func credentialValues(in request: InboundRequest, source: Source) -> [String] {
        let names = source.adapter.credentialHeaders + ["authorization", "cookie"]
        var out: [String] = []
        for field in request.headers where names.contains(where: { field.name.caseInsensitiveEquals($0) }) {
            out.append(field.value)
            if field.value.hasPrefix("Bearer ") { out.append(String(field.value.dropFirst(7))) }
        }
        return out
    }
}
