import Adapters
import HTTPServer
import Rules
import Testing
@testable import Router

/// Who may listen to which groups: static bearer tokens, HS256 tokens with their groups and expiry,
/// `auth: none`; the query and headers a browser can actually send.
struct StreamRequestTests {
    let secret = Secret("stream-secret-0123456789abcdef-0123")
    var auth: StreamSettings.Auth { .init(tokenSecrets: [secret], bearerTokens: [Secret("static")], open: false) }
    let now = Timestamp(seconds: 1_796_000_000)

    func head(_ target: String, _ headers: [String] = []) throws -> HTTPRequestHead {
        let raw = Array(("GET \(target) HTTP/1.1\r\nHost: x\r\n" + headers.map { $0 + "\r\n" }.joined() + "\r\n").utf8)
        guard case .complete(let h, _) = raw.withUnsafeBufferPointer({ HTTPHeadParser.parse($0) }) else { throw Unparsed() }
        return h
    }

    struct Unparsed: Error {}

    func token(_ groups: [String], expiresIn: Int64 = 60) -> String {
        StreamToken.mint(groups: groups, expiresAt: Timestamp(seconds: now.seconds + expiresIn), secret: secret)
    }

    @Test func theQueryCarriesGroupsResumeAndToken() throws {
        let r = try StreamRequest(head("/ws/stock?group=b&groups=a,c&after=41&token=t%2Bx&loja_id=123"))
        #expect(r.groups == ["a", "b", "c"] && r.after == 41 && r.token == "t+x")
        let h = try StreamRequest(head("/ws/stock", ["Last-Event-ID: 7", "Authorization: Bearer abc"]))
        #expect(h.after == 7 && h.token == "abc")
        #expect(throws: StreamRequest.Refusal.badRequest("an event id is a non-negative number, not 'x'")) { try StreamRequest(head("/ws?after=x")) }
    }

    @Test func aBearerTokenGrantsEveryGroupAndATokenItsOwn() throws {
        let all = try StreamRequest(head("/ws?token=static")).authorize(auth, now: now)
        #expect(all.groups == nil && all.expiresMilliseconds == nil)
        let some = try StreamRequest(head("/ws?token=static&group=9")).authorize(auth, now: now)
        #expect(some.groups == ["9"])
        let minted = try StreamRequest(head("/ws?token=" + token(["1", "2"]))).authorize(auth, now: now)
        #expect(minted.groups == ["1", "2"] && minted.expiresMilliseconds == (now.seconds + 60) * 1000)
        let one = try StreamRequest(head("/ws?group=2&token=" + token(["1", "2"]))).authorize(auth, now: now)
        #expect(one.groups == ["2"])
        let star = try StreamRequest(head("/ws?token=" + token(["*"]))).authorize(auth, now: now)
        #expect(star.groups == nil)
    }

    @Test func wrongCredentialsAndGroupsAreRefusedWithTheirStatus() throws {
        func status(_ target: String) throws -> Int? {
            do {
                _ = try StreamRequest(head(target)).authorize(auth, now: now)
                return nil
            } catch let refusal as StreamRequest.Refusal {
                return refusal.status
            }
        }
        #expect(try status("/ws") == 401)
        #expect(try status("/ws?token=wrong") == 401)
        #expect(try status("/ws?token=" + token(["1"], expiresIn: -3600)) == 401)
        #expect(try status("/ws?group=3&token=" + token(["1", "2"])) == 403)
        let open = StreamSettings.Auth(tokenSecrets: [], bearerTokens: [], open: true)
        #expect(try StreamRequest(head("/ws?group=x")).authorize(open, now: now).groups == ["x"])
    }
}
