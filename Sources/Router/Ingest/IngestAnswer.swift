import HTTPServer
import Rules

/// The answers of SPEC §6, in one place.
enum IngestAnswer {
    /// Built as bytes: it is every stored event's answer.
    static func accepted(eventID: String, deliveries: Int) -> HTTPResponse {
        var body: [UInt8] = []
        body.reserveCapacity(64 + eventID.utf8.count)
        body.append(literal: #"{"status":"accepted","event_id":"#)  // writeString adds the quotes
        JSONValue.writeString(eventID, into: &body)
        body.append(literal: #","deliveries":"#)
        HTTPResponse.appendDecimal(deliveries, to: &body)
        body.append(UInt8(ascii: "}"))
        return .json(202, bytes: body)
    }

    static func duplicate(eventID: String) -> HTTPResponse {
        .json(200, #"{"status":"duplicate","event_id":"# + json(eventID) + "}")
    }

    static func error(_ status: Int, _ code: String, _ detail: String, headers: [HTTPHeader] = []) -> HTTPResponse {
        .json(status, #"{"error":"# + json(code) + #","detail":"# + json(detail) + "}", headers: headers)
    }

    /// A request refused before storing (SPEC §6); the detail never says which byte of a credential differed.
    static func rejection(_ r: Reception.Rejection) -> HTTPResponse {
        switch r {
        case .forbiddenAddress: return error(403, "forbidden", "this address may not post to this source")
        case .tooLarge(_, let limit): return error(413, "too_large", "the body is larger than this source's max_body of \(limit) bytes")
        case .adapter(.unauthorized(let detail)): return error(401, "unauthorized", detail)
        case .adapter(.badRequest(let detail)): return error(400, "bad_request", detail)
        case .missingPaths(let paths): return error(422, "invalid", "missing " + paths.joined(separator: ", "))
        }
    }

    static func json(_ s: String) -> String { JSONValue.string(s).serialized }
}
