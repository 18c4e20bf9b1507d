import Rules

/// What happens to one request at one source, before anything is stored: the checks of SPEC §4 and
/// §6 in the order the server makes them, then the match. Pure, so `test`, `explain` and ingest agree.
enum Reception {
    /// Why a request was turned away, with the status the server answers.
    enum Rejection: Error, Equatable, CustomStringConvertible {
        /// 403: the client address is outside the source's `allow_ips`.
        case forbiddenAddress(String)
        /// 413: the body is larger than `max_body`.
        case tooLarge(size: Int, limit: Int)
        /// 401 or 400, as the adapter decided.
        case adapter(AdapterError)
        /// 422: the event's type requires paths the body lacks.
        case missingPaths([String])

        var status: Int {
            switch self {
            case .forbiddenAddress: return 403
            case .tooLarge: return 413
            case .adapter(.unauthorized): return 401
            case .adapter(.badRequest): return 400
            case .missingPaths: return 422
            }
        }

        var description: String {
            switch self {
            case .forbiddenAddress(let a): return "forbidden: address \(a) is not in allow_ips"
            case .tooLarge(let size, let limit): return "payload too large: \(size) bytes, max_body is \(limit)"
            case .adapter(let e): return e.description
            case .missingPaths(let paths): return "invalid: missing \(paths.joined(separator: ", "))"
            }
        }
    }

    /// An accepted event and the deliveries it asks for.
    struct Accepted {
        var event: Event
        var matches: [RouteTable.Match]
    }

    /// The event's `data` holds only what the source's adapter, `require` and routes read
    /// (`RouteTable.bodyDemand`), unless `wholeBody` (`explain` shows all of it).
    /// `consuming`: the demand is set on the caller's request, not on a copy (a retain per field).
    static func receive(_ request: consuming InboundRequest, at source: Source, in table: RouteTable, now: Timestamp, wholeBody: Bool = false) -> Result<Accepted, Rejection> {
        if !source.allows(address: request.remoteAddress) {
            return .failure(.forbiddenAddress(request.remoteAddress))
        }
        if request.body.count > source.maxBody {
            return .failure(.tooLarge(size: request.body.count, limit: source.maxBody))
        }
        if !wholeBody { request.bodyDemand = table.bodyDemand(for: source.index) }
        let event: Event
        do {
            event = try source.adapter.receive(request, source: source.name, now: now)
        } catch {
            return .failure(.adapter(error))
        }
        let missing = source.missingRequiredPaths(event)
        if !missing.isEmpty { return .failure(.missingPaths(missing.map(\.description))) }
        return .success(Accepted(event: event, matches: table.match(event, source: source.index)))
    }

    /// The request path a source is posted to, with a by-events suffix when given.
    static func path(of source: Source, suffix: String?) -> String {
        guard let suffix, !suffix.isEmpty else { return source.path }
        return source.path + "/" + suffix
    }
}
