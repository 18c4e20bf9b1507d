import Testing
import Adapters
@testable import HTTPServer
@testable import Router

/// The opening handshake (RFC 6455 §4.2) on heads parsed by the server's own parser.
struct WebSocketHandshakeTests {
    func head(_ lines: [String], method: String = "GET", version: String = "HTTP/1.1") throws -> HTTPRequestHead {
        let raw = Array(("\(method) /ws/stock?loja_id=123 \(version)\r\nHost: example\r\n" + lines.map { $0 + "\r\n" }.joined() + "\r\n").utf8)
        let result = raw.withUnsafeBufferPointer { HTTPHeadParser.parse($0) }
        guard case .complete(let h, _) = result else { throw HandshakeTestError.unparsed("\(result)") }
        return h
    }

    enum HandshakeTestError: Error { case unparsed(String) }

    let browser = ["Upgrade: websocket", "Connection: keep-alive, Upgrade", "Sec-WebSocket-Version: 13", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ=="]

    @Test func theRFCSampleKeyIsAccepted() throws {
        #expect(WebSocketHandshake.accept(key: "dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
        #expect(try WebSocketHandshake.check(head(browser)) == .success("s3pPLMBiTxaQ9kYGzzhZRbK+xOo="))
        let answer = String(decoding: WebSocketHandshake.switchingProtocols(accept: "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="), as: UTF8.self)
        #expect(answer.hasPrefix("HTTP/1.1 101 Switching Protocols\r\n") && answer.hasSuffix("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n"))
    }

    @Test func sha1IsTheFIPSOne() {
        #expect(Hex.encode(Digest.sha1(Array("abc".utf8))) == "a9993e364706816aba3e25717850c26c9cd0d89d")
        #expect(Hex.encode(Digest.sha1([])) == "da39a3ee5e6b4b0d3255bfef95601890afd80709")
    }

    @Test func headerCaseAndTokenListsDoNotMatter() throws {
        let h = try head(["upgrade: WebSocket", "CONNECTION: Upgrade", "sec-websocket-version: 13", "sec-websocket-key: AAAAAAAAAAAAAAAAAAAAAA=="])
        guard case .success = WebSocketHandshake.check(h) else { Issue.record("case-insensitive names and values must pass"); return }
    }

    @Test func refusals() throws {
        #expect(try WebSocketHandshake.check(head(browser, method: "POST")) == .failure(.notAnUpgrade("a WebSocket opens with GET, not POST")))
        #expect(try WebSocketHandshake.check(head(browser, version: "HTTP/1.0")) == .failure(.notAnUpgrade("a WebSocket needs HTTP/1.1")))
        #expect(try WebSocketHandshake.check(head(browser.filter { !$0.hasPrefix("Upgrade") })) == .failure(.notAnUpgrade("no Upgrade: websocket")))
        #expect(try WebSocketHandshake.check(head(browser.map { $0.hasPrefix("Connection") ? "Connection: keep-alive" : $0 }))
                == .failure(.notAnUpgrade("no Connection: upgrade")))
        #expect(try WebSocketHandshake.check(head(browser.map { $0.hasPrefix("Sec-WebSocket-Version") ? "Sec-WebSocket-Version: 8" : $0 }))
                == .failure(.unsupportedVersion))
        for bad in ["Sec-WebSocket-Key: short", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ", "Sec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAAAAAA"] {
            #expect(try WebSocketHandshake.check(head(browser.map { $0.hasPrefix("Sec-WebSocket-Key") ? bad : $0 })) == .failure(.badKey), "\(bad)")
        }
        #expect(try WebSocketHandshake.check(head(browser.filter { !$0.hasPrefix("Sec-WebSocket-Key") })) == .failure(.badKey))
    }
}
