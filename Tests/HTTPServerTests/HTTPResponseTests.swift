import Testing
@testable import HTTPServer

struct HTTPResponseTests {
    static func text(_ r: HTTPResponse, keepAlive: Bool = true, headOnly: Bool = false) -> String {
        var out: [UInt8] = []
        r.serialized(keepAlive: keepAlive, headOnly: headOnly, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    @Test func headAndBodyInOneBuffer() {
        let r = HTTPResponse.json(202, #"{"ok":true}"#, headers: [HTTPHeader("Retry-After", "5")])
        #expect(Self.text(r) == "HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\nRetry-After: 5\r\nContent-Length: 11\r\n\r\n{\"ok\":true}")
        #expect(Self.text(r, keepAlive: false, headOnly: true)
                == "HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\nRetry-After: 5\r\nContent-Length: 11\r\nConnection: close\r\n\r\n")
        #expect(Self.text(HTTPResponse(status: 204)) == "HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n")
    }

    @Test(arguments: [0, 7, 10, 99, 100, 1285, 65536, 1_000_000, Int(Int32.max)])
    func decimalsAsASCII(_ n: Int) {
        var out: [UInt8] = []
        HTTPResponse.appendDecimal(n, to: &out)
        #expect(String(decoding: out, as: UTF8.self) == String(n))
    }
}
