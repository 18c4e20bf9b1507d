import HTTPServer

/// The stream loop's server listens on nothing: it only adopts connections the ingest loop hands
/// over once they are streams, so it is never asked about a request. Answering 404 keeps that true
/// should a request ever reach it.
final class StreamLoopHandler: HTTPHandler {
    func decide(_ head: HTTPRequestHead, remoteAddress: String) -> HeadDecision {
        .respond(IngestAnswer.error(404, "not_found", "nothing is served here"))
    }

    func handle(_ request: HTTPRequest, responder: Responder) -> HTTPResponse? {
        IngestAnswer.error(404, "not_found", "nothing is served here")
    }
}
