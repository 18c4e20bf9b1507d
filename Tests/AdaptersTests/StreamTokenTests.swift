import Testing
@testable import Adapters
@testable import Rules

/// Stream tokens (#15): HS256 JWTs as any backend's JWT library mints them.
struct StreamTokenTests {
    let secret = Secret("stream-secret-for-tests")
    let now = Timestamp(seconds: 1_800_000_000)

    /// A token built by hand, the way PyJWT or jsonwebtoken build one, so the verifier is not only
    /// checked against its own minting.
    func handmade(header: String = #"{"alg":"HS256","typ":"JWT"}"#, claims: String, key: String = "stream-secret-for-tests") -> String {
        let h = Base64.encodeURL(Array(header.utf8)), c = Base64.encodeURL(Array(claims.utf8))
        return h + "." + c + "." + Base64.encodeURL(Digest.hmac(.sha256, key: Array(key.utf8), message: Array((h + "." + c).utf8)))
    }

    @Test func verifiesWhatABackendMints() throws {
        let t = handmade(claims: #"{"sub":"user-7","groups":["loja-123","user-7"],"exp":1800000600}"#)
        let claims = try StreamToken.verify(t, secrets: [secret], now: now)
        #expect(claims == StreamTokenClaims(groups: ["loja-123", "user-7"], expiresAt: Timestamp(seconds: 1_800_000_600), subject: "user-7"))
        let minted = StreamToken.mint(groups: ["loja-123"], expiresAt: Timestamp(seconds: 1_800_000_600), secret: secret)
        #expect(try StreamToken.verify(minted, secrets: [secret], now: now).groups == ["loja-123"])
    }

    /// Minted by PyJWT 2.15.1: `jwt.encode({"sub": "user-7", "groups": ["loja-123", "user-7"],
    /// "exp": 1800000600, "nbf": 1799999000}, "stream-secret-for-tests", algorithm="HS256")`.
    @Test func verifiesATokenPyJWTMinted() throws {
        let pyjwt = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ1c2VyLTciLCJncm91cHMiOlsibG9qYS0xMjMiLCJ1c2VyLTciXSwiZXhwIjoxODAwMDAwNjAwLCJuYmYiOjE3OTk5OTkwMDB9.ef-d1iNXwZ22VOEzVBrf9Pbmx0GJ3nrJM_1RmRLH-Mw"
        let claims = try StreamToken.verify(pyjwt, secrets: [secret], now: now)
        #expect(claims == StreamTokenClaims(groups: ["loja-123", "user-7"], expiresAt: Timestamp(seconds: 1_800_000_600), subject: "user-7"))
    }

    @Test func anyOfTheSecretsVerifiesDuringARotation() throws {
        let t = handmade(claims: #"{"groups":["g"],"exp":1800000600}"#)
        #expect(try StreamToken.verify(t, secrets: [Secret("new-secret"), secret], now: now).groups == ["g"])
        #expect(throws: StreamTokenError.badSignature) { try StreamToken.verify(t, secrets: [Secret("new-secret")], now: now) }
    }

    @Test func timeIsCheckedWithLeeway() throws {
        let t = handmade(claims: #"{"groups":["g"],"exp":1800000000,"nbf":1800000010}"#)
        #expect(try StreamToken.verify(t, secrets: [secret], now: now).groups == ["g"], "within 30 s of both")
        #expect(throws: StreamTokenError.expired) { try StreamToken.verify(t, secrets: [secret], now: Timestamp(seconds: 1_800_000_031)) }
        #expect(throws: StreamTokenError.notYetValid) { try StreamToken.verify(t, secrets: [secret], now: Timestamp(seconds: 1_799_999_979)) }
        let fractional = handmade(claims: #"{"groups":["g"],"exp":1800000000.9}"#)
        #expect(try StreamToken.verify(fractional, secrets: [secret], now: now).expiresAt == Timestamp(seconds: 1_800_000_000))
    }

    @Test(arguments: [
        (#"{"alg":"none"}"#, #"{"groups":["g"],"exp":1800000600}"#, StreamTokenError.unsupportedAlgorithm("none")),
        (#"{"alg":"HS512"}"#, #"{"groups":["g"],"exp":1800000600}"#, .unsupportedAlgorithm("HS512")),
        (#"{"typ":"JWT"}"#, #"{"groups":["g"],"exp":1800000600}"#, .malformed("no alg in the header")),
        (#"{"alg":"HS256","typ":"JWS+other"}"#, #"{"groups":["g"],"exp":1800000600}"#, .malformed("typ is not JWT")),
        (#"{"alg":"HS256"}"#, #"{"groups":["g"]}"#, .malformed("no numeric exp claim")),
        (#"{"alg":"HS256"}"#, #"{"groups":[],"exp":1800000600}"#, .malformed("no groups claim (a non-empty array)")),
        (#"{"alg":"HS256"}"#, #"{"groups":"g","exp":1800000600}"#, .malformed("no groups claim (a non-empty array)")),
        (#"{"alg":"HS256"}"#, #"{"groups":["g",7],"exp":1800000600}"#, .malformed("groups must be non-empty strings")),
        (#"{"alg":"HS256"}"#, #"{"groups":["g"],"exp":"soon"}"#, .malformed("no numeric exp claim")),
        (#"{"alg":"HS256"}"#, #"[1]"#, .malformed("claims is not a JSON object")),
    ] as [(String, String, StreamTokenError)])
    func refuses(_ header: String, _ claims: String, _ error: StreamTokenError) {
        #expect(throws: error) { try StreamToken.verify(handmade(header: header, claims: claims), secrets: [secret], now: now) }
    }

    @Test func refusesTamperingAndShapes() {
        let t = handmade(claims: #"{"groups":["loja-1"],"exp":1800000600}"#)
        let parts = t.split(separator: ".").map(String.init)
        let other = Base64.encodeURL(Array(#"{"groups":["loja-2"],"exp":1800000600}"#.utf8))
        #expect(throws: StreamTokenError.badSignature) { try StreamToken.verify(parts[0] + "." + other + "." + parts[2], secrets: [secret], now: now) }
        #expect(throws: StreamTokenError.malformed("not three dot-separated parts")) { try StreamToken.verify(parts[0] + "." + parts[1], secrets: [secret], now: now) }
        #expect(throws: StreamTokenError.malformed("signature is not base64url")) { try StreamToken.verify(parts[0] + "." + parts[1] + ".a+b", secrets: [secret], now: now) }
        #expect(throws: StreamTokenError.malformed("longer than 8192 bytes")) { try StreamToken.verify(String(repeating: "a", count: 9000), secrets: [secret], now: now) }
        #expect(!StreamTokenError.badSignature.description.contains(t), "the error never holds the token")
    }
}
