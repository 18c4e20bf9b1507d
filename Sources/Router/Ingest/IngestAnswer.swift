import HTTPServer
import Rules

/// The answers of SPEC §6, in one place.
enum IngestAnswer {
    static func accepted(eventID: String, deliveries: Int) -> HTTPResponse {
        .json(202, #"{"status":"accepted","event_id":"# + json(eventID) + #","deliveries":\#(deliveries)}"#)
    }

    static func duplicate(eventID: String) -> HTTPResponse {
        .json(200, #"{"status":"duplicate","event_id":"# + json(eventID) + "}")
    }

    static func error(_ status: Int, _ code: String, _ detail: String, headers: [HTTPHeader] = []) -> HTTPResponse {
        .json(status, #"{"error":"# + json(code) + #","detail":"# + json(detail) + "}", headers: headers)
    }

    static func json(_ s: String) -> String { JSONValue.string(s).serialized }
}
