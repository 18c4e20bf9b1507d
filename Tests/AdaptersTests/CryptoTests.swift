import Testing
import Adapters

// MARK: - Helpers

private func hex(_ text: String) -> [UInt8] { Hex.decode(text) ?? [] }
private func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

@Suite("Crypto")
struct CryptoTests {
    // MARK: - HMAC known answers

    struct HMACVector: Sendable, CustomStringConvertible {
        let name: String
        let key: [UInt8]
        let message: [UInt8]
        let sha256: String
        let sha512: String
        /// RFC 4231 test case 5 only specifies the leftmost 128 bits.
        var truncatedTo: Int? = nil
        var description: String { name }
    }

    /// RFC 4231 §4.2–4.8.
    static let rfc4231: [HMACVector] = [
        HMACVector(name: "TC1", key: [UInt8](repeating: 0x0b, count: 20), message: bytes("Hi There"),
                   sha256: "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
                   sha512: "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cdedaa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854"),
        HMACVector(name: "TC2", key: bytes("Jefe"), message: bytes("what do ya want for nothing?"),
                   sha256: "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
                   sha512: "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737"),
        HMACVector(name: "TC3", key: [UInt8](repeating: 0xaa, count: 20), message: [UInt8](repeating: 0xdd, count: 50),
                   sha256: "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe",
                   sha512: "fa73b0089d56a284efb0f0756c890be9b1b5dbdd8ee81a3655f83e33b2279d39bf3e848279a722c806b485a47e67c807b946a337bee8942674278859e13292fb"),
        HMACVector(name: "TC4", key: Array(1...25), message: [UInt8](repeating: 0xcd, count: 50),
                   sha256: "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b",
                   sha512: "b0ba465637458c6990e5a8c5f61d4af7e576d97ff94b872de76f8050361ee3dba91ca5c11aa25eb4d679275cc5788063a5f19741120c4f2de2adebeb10a298dd"),
        HMACVector(name: "TC5", key: [UInt8](repeating: 0x0c, count: 20), message: bytes("Test With Truncation"),
                   sha256: "a3b6167473100ee06e0c796c2955552b",
                   sha512: "415fad6271580a531d4179bc891d87a6",
                   truncatedTo: 16),
        HMACVector(name: "TC6", key: [UInt8](repeating: 0xaa, count: 131),
                   message: bytes("Test Using Larger Than Block-Size Key - Hash Key First"),
                   sha256: "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
                   sha512: "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f3526b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598"),
        HMACVector(name: "TC7", key: [UInt8](repeating: 0xaa, count: 131),
                   message: bytes("This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm."),
                   sha256: "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
                   sha512: "e37b6a775dc87dbaa4dfa9f96e5e3ffddebd71f8867289865df5a32d20cdc944b6022cac3c4982b10d5eeb55c3e4de15134676fb6de0446065c97440fa8c6a58"),
    ]

    @Test("HMAC-SHA256 matches RFC 4231", arguments: CryptoTests.rfc4231)
    func hmacSHA256RFC4231(_ vector: HMACVector) {
        let mac = Digest.hmac(.sha256, key: vector.key, message: vector.message)
        #expect(mac.count == 32)
        #expect(Hex.encode(Array(mac.prefix(vector.truncatedTo ?? 32))) == vector.sha256)
    }

    @Test("HMAC-SHA512 matches RFC 4231", arguments: CryptoTests.rfc4231)
    func hmacSHA512RFC4231(_ vector: HMACVector) {
        let mac = Digest.hmac(.sha512, key: vector.key, message: vector.message)
        #expect(mac.count == 64)
        #expect(Hex.encode(Array(mac.prefix(vector.truncatedTo ?? 64))) == vector.sha512)
    }

    /// RFC 2202 §3 (HMAC-SHA1).
    static let rfc2202: [(key: [UInt8], message: [UInt8], expected: String)] = [
        ([UInt8](repeating: 0x0b, count: 20), bytes("Hi There"), "b617318655057264e28bc0b6fb378c8ef146be00"),
        (bytes("Jefe"), bytes("what do ya want for nothing?"), "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"),
        ([UInt8](repeating: 0xaa, count: 20), [UInt8](repeating: 0xdd, count: 50), "125d7342b9ac11cd91a39af48aa17b4f63f175d3"),
        (Array(1...25), [UInt8](repeating: 0xcd, count: 50), "4c9007f4026250c6bc8414f9bf50c86c2d7235da"),
        ([UInt8](repeating: 0x0c, count: 20), bytes("Test With Truncation"), "4c1a03424b55e07fe7f27be1d58bb9324a9a5a04"),
        ([UInt8](repeating: 0xaa, count: 80), bytes("Test Using Larger Than Block-Size Key - Hash Key First"),
         "aa4ae5e15272d00e95705637ce8a3b55ed402112"),
        ([UInt8](repeating: 0xaa, count: 80),
         bytes("Test Using Larger Than Block-Size Key and Larger Than One Block-Size Data"),
         "e8e99d0f45237d786d6bbaa7965c7808bbff1a91"),
    ]

    @Test("HMAC-SHA1 matches RFC 2202", arguments: CryptoTests.rfc2202)
    func hmacSHA1RFC2202(_ vector: (key: [UInt8], message: [UInt8], expected: String)) {
        #expect(Hex.encode(Digest.hmac(.sha1, key: vector.key, message: vector.message)) == vector.expected)
    }

    @Test("HMAC with an empty key and empty message (Python hmac)")
    func hmacEmptyKey() {
        #expect(Hex.encode(Digest.hmac(.sha256, key: [], message: []))
            == "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad")
        #expect(Hex.encode(Digest.hmac(.sha1, key: [], message: bytes("abc")))
            == "9b4a918f398d74d3e367970aba3cbe54e4d2b5d9")
        #expect(Hex.encode(Digest.hmac(.sha256, key: [], parts: []))
            == "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad")
    }

    @Test("Raw-buffer HMAC equals array HMAC", arguments: HashAlgorithm.allCases)
    func hmacRawBuffer(_ algorithm: HashAlgorithm) {
        let key = bytes("secret")
        let message = Array((0..<1500).map { UInt8(truncatingIfNeeded: $0 &* 7) })
        let viaBuffer = message.withUnsafeBytes { Digest.hmac(algorithm, key: key, message: $0) }
        #expect(viaBuffer == Digest.hmac(algorithm, key: key, message: message))
        let emptyBuffer = Digest.hmac(algorithm, key: key, message: UnsafeRawBufferPointer(start: nil, count: 0))
        #expect(emptyBuffer == Digest.hmac(algorithm, key: key, message: []))
    }

    @Test("Multi-part HMAC equals one-shot HMAC over the concatenation", arguments: HashAlgorithm.allCases)
    func hmacParts(_ algorithm: HashAlgorithm) {
        let key = bytes("whsec-key")
        let splits: [[[UInt8]]] = [
            [],
            [bytes("only")],
            [bytes("msg_1"), bytes("."), bytes("1614265330"), bytes("."), bytes("{\"a\":1}")],
            [[], bytes("abc"), [], [], bytes("def"), []],
            [[UInt8](repeating: 0x41, count: 200), [UInt8](repeating: 0x42, count: 1)],
        ]
        for parts in splits {
            let joined = parts.flatMap { $0 }
            #expect(Digest.hmac(algorithm, key: key, parts: parts) == Digest.hmac(algorithm, key: key, message: joined))
        }
        // Splitting differently must not matter; changing content must.
        #expect(Digest.hmac(algorithm, key: key, parts: [bytes("ab"), bytes("c")])
            == Digest.hmac(algorithm, key: key, parts: [bytes("a"), bytes("bc")]))
        #expect(Digest.hmac(algorithm, key: key, parts: [bytes("ab"), bytes("c")])
            != Digest.hmac(algorithm, key: key, parts: [bytes("ab"), bytes("d")]))
    }

    @Test("Shopify-style base64 HMAC-SHA256 (computed with Python hmac/base64)")
    func shopifyVector() {
        let body = bytes(#"{"id":820982911946154508,"email":"jon@example.com","total_price":"199.00"}"#)
        let mac = Digest.hmac(.sha256, key: bytes("hush-shopify-secret"), message: body)
        let header = "aauvOvkL4q6W1FV1VWQZpfnh5LGor4EPBZ8gEY5EHec="
        #expect(Base64.encode(mac) == header)
        #expect(ConstantTime.equals(Base64.decode(header) ?? [], mac))
    }

    @Test("Standard Webhooks example signature (id.timestamp.body, multi-part)")
    func standardWebhooksVector() throws {
        let secret = try #require(Base64.decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"))
        let parts = [bytes("msg_p5jXN8AQM9LWM0D4loKWxJek"), bytes("."), bytes("1614265330"), bytes("."),
                     bytes(#"{"test": 2432232314}"#)]
        #expect(Base64.encode(Digest.hmac(.sha256, key: secret, parts: parts))
            == "g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
    }

    @Test("SHA-256 known answers (FIPS 180-2)")
    func sha256Vectors() {
        #expect(Digest.sha256Hex([]) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(Digest.sha256Hex(bytes("abc")) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(Digest.sha256(bytes("abc")) == hex("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"))
        #expect(Digest.sha256Hex(bytes("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"))
            == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    @Test("HMAC is consistent under concurrent use of the shared template contexts")
    func hmacConcurrent() async {
        let key = bytes("concurrent")
        let message = [UInt8](repeating: 0x5a, count: 1500)
        let expected = HashAlgorithm.allCases.map { Digest.hmac($0, key: key, message: message) }
        let mismatches = await withTaskGroup(of: Int.self) { group in
            for task in 0..<32 {
                group.addTask {
                    var bad = 0
                    for i in 0..<200 {
                        let algorithm = HashAlgorithm.allCases[(task + i) % 3]
                        let index = HashAlgorithm.allCases.firstIndex(of: algorithm) ?? 0
                        if Digest.hmac(algorithm, key: key, message: message) != expected[index] { bad += 1 }
                    }
                    return bad
                }
            }
            return await group.reduce(0, +)
        }
        #expect(mismatches == 0)
    }

    // MARK: - Base64

    /// RFC 4648 §10.
    static let rfc4648: [(plain: String, base64: String)] = [
        ("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"),
        ("foob", "Zm9vYg=="), ("fooba", "Zm9vYmE="), ("foobar", "Zm9vYmFy"),
    ]

    @Test("Base64 RFC 4648 vectors", arguments: CryptoTests.rfc4648)
    func base64Vectors(_ vector: (plain: String, base64: String)) {
        #expect(Base64.encode(bytes(vector.plain)) == vector.base64)
        #expect(Base64.decode(vector.base64) == bytes(vector.plain))
    }

    @Test("Base64 round trip over all lengths and byte values")
    func base64RoundTrip() {
        for length in 0...70 {
            let data = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ length) }
            #expect(Base64.decode(Base64.encode(data)) == data)
            #expect(Base64.decodeURL(Base64.encodeURL(data)) == data)
        }
        let all = Array(UInt8.min...UInt8.max)
        #expect(Base64.decode(Base64.encode(all)) == all)
        #expect(Base64.encode([0xfb, 0xff, 0xbf]) == "+/+/")
    }

    @Test("Base64 rejects malformed input", arguments: [
        "Zg",          // padding missing
        "Zg=",         // padding short
        "Zg===",       // padding excess
        "Z===",        // too much padding
        "Z",           // dangling character
        "=",
        "====",
        "Zg==Zg==",    // padding mid-stream
        "Zm9v YmFy",   // inner space
        "Zm9vYmFy\n",  // trailing newline
        " Zm9v",       // leading space
        "Zm9v\r\nYmFy",
        "Zm9v-_==",    // base64url characters
        "Zm9vYg=a",
        "Zh==",        // non-zero unused bits (canonical is Zg==)
        "Zm9=",        // non-zero unused bits (canonical is Zm8=)
        "Zm9v\u{e9}A==", // non-ASCII
        "Zm9v\0AAA",   // NUL
    ])
    func base64Rejects(_ text: String) {
        #expect(Base64.decode(text) == nil)
    }

    @Test("base64url encodes without padding and decodes with or without it")
    func base64URL() {
        #expect(Base64.encodeURL([0xfb, 0xff, 0xbf]) == "-_-_")
        #expect(Base64.encodeURL(bytes("f")) == "Zg")
        #expect(Base64.encodeURL(bytes("fo")) == "Zm8")
        #expect(Base64.encodeURL(bytes("foo")) == "Zm9v")
        #expect(Base64.encodeURL([]) == "")
        #expect(Base64.decodeURL("Zg") == bytes("f"))
        #expect(Base64.decodeURL("Zg==") == bytes("f"))
        #expect(Base64.decodeURL("Zm8") == bytes("fo"))
        #expect(Base64.decodeURL("Zm8=") == bytes("fo"))
        #expect(Base64.decodeURL("-_-_") == [0xfb, 0xff, 0xbf])
        #expect(Base64.decodeURL("") == [])
        // JWT header {"alg":"HS256","typ":"JWT"}
        #expect(Base64.decodeURL("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9") == bytes(#"{"alg":"HS256","typ":"JWT"}"#))
    }

    @Test("base64url rejects malformed input", arguments: [
        "+/+/", "Zg=", "Zg===", "Z", "Zm8==", "Zg= ", " Zg", "Zg\n", "Zh", "Zg==Zg", "=",
    ])
    func base64URLRejects(_ text: String) {
        #expect(Base64.decodeURL(text) == nil)
    }

    // MARK: - Hex

    @Test("Hex encodes lower case and round-trips every byte value")
    func hexRoundTrip() {
        #expect(Hex.encode([]) == "")
        #expect(Hex.encode([0x00, 0x0f, 0xa5, 0xff]) == "000fa5ff")
        let all = Array(UInt8.min...UInt8.max)
        let encoded = Hex.encode(all)
        #expect(encoded.utf8.count == 512)
        #expect(Hex.decode(encoded) == all)
        #expect(Hex.decode(encoded.uppercased()) == all)
        #expect(Hex.decode("DeadBEEF") == [0xde, 0xad, 0xbe, 0xef])
        #expect(Hex.decode("") == [])
    }

    @Test("Hex rejects odd length and non-hex characters", arguments: [
        "a", "abc", "zz", "0g", "g0", " 00", "00 ", "0x00", "-1", "+1", "é0", "0\u{0}",
    ])
    func hexRejects(_ text: String) {
        #expect(Hex.decode(text) == nil)
    }

    // MARK: - Constant-time comparison

    @Test("ConstantTime.equals on bytes", arguments: [
        ([UInt8](), [UInt8](), true),
        ([1, 2, 3], [1, 2, 3], true),
        ([1, 2, 3], [1, 2, 4], false),
        ([1, 2, 3], [0, 2, 3], false),
        ([1, 2, 3], [1, 2], false),
        ([1, 2], [1, 2, 3], false),
        ([], [0], false),
        ([0], [], false),
    ] as [([UInt8], [UInt8], Bool)])
    func constantTimeBytes(_ a: [UInt8], _ b: [UInt8], _ expected: Bool) {
        #expect(ConstantTime.equals(a, b) == expected)
    }

    @Test("ConstantTime.equals on strings compares UTF-8 bytes", arguments: [
        ("", "", true),
        ("sha256=abc", "sha256=abc", true),
        ("sha256=abc", "sha256=abd", false),
        ("sha256=abc", "sha256=ab", false),
        ("", "a", false),
        ("café", "café", true),
        ("café", "cafe\u{301}", false),  // canonically equivalent, different bytes
    ] as [(String, String, Bool)])
    func constantTimeStrings(_ a: String, _ b: String, _ expected: Bool) {
        #expect(ConstantTime.equals(a, b) == expected)
    }

    // MARK: - Secure random

    @Test("SecureRandom returns the requested count and distinct draws")
    func secureRandom() {
        #expect(SecureRandom.bytes(0).isEmpty)
        #expect(SecureRandom.bytes(-5).isEmpty)
        #expect(SecureRandom.bytes(1).count == 1)
        let a = SecureRandom.bytes(32), b = SecureRandom.bytes(32)
        #expect(a.count == 32)
        #expect(a != b)
        #expect(a != [UInt8](repeating: 0, count: 32))
    }

    // MARK: - AES-256-GCM

    static let testKey = AESGCMKey(Array(0..<32))

    @Test("AESGCMKey rejects keys that are not 32 bytes", arguments: [0, 1, 16, 24, 31, 33, 64])
    func aesWrongKeySize(_ size: Int) {
        #expect(AESGCMKey([UInt8](repeating: 7, count: size)) == nil)
    }

    @Test("AESGCMKey accepts a 32-byte key")
    func aesKeySize32() {
        #expect(AESGCMKey([UInt8](repeating: 7, count: 32)) != nil)
    }

    @Test("AES-256-GCM opens known answers (GCM spec TC13/14, Python cryptography)")
    func aesKnownAnswer() throws {
        let zero = try #require(AESGCMKey([UInt8](repeating: 0, count: 32)))
        let nonce = [UInt8](repeating: 0, count: 12)
        #expect(try zero.open(nonce + hex("530f8afbc74536b9a963b4f1c4cb738b")) == [])
        #expect(try zero.open(nonce + hex("cea7403d4d606b6e074ec5d3baf39d18d0d1c8a799996bf0265b98b5d48ab919"))
            == [UInt8](repeating: 0, count: 16))
        let key = try #require(Self.testKey)
        let sealed = Array(100..<112) + hex("3b6fb1141c8d76e95b003787b50e4a9f2da67f313359908cfea50cd01ddd088658f359")
        #expect(try key.open(sealed, aad: bytes("route-42")) == bytes("stored webhook body"))
    }

    @Test("AES-256-GCM round trip", arguments: [0, 1, 15, 16, 17, 1500, 100_000])
    func aesRoundTrip(_ size: Int) throws {
        let key = try #require(Self.testKey)
        let plaintext = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        for aad in [[], bytes("delivery-id-7")] {
            let sealed = key.seal(plaintext, aad: aad)
            #expect(sealed.count == 12 + size + 16)
            #expect(try key.open(sealed, aad: aad) == plaintext)
            if size >= 16 { #expect(Array(sealed[12..<(12 + size)]) != plaintext) }
        }
        // Fresh nonce per seal, so equal plaintexts never produce equal output.
        #expect(key.seal(plaintext) != key.seal(plaintext))
    }

    @Test("AES-256-GCM detects a flipped bit in nonce, ciphertext or tag",
          arguments: [0, 5, 11, 12, 20, 12 + 63, 12 + 64, 12 + 64 + 15])
    func aesTamper(_ offset: Int) throws {
        let key = try #require(Self.testKey)
        let plaintext = [UInt8](repeating: 0x42, count: 64)  // sealed layout: 0..<12 nonce, 12..<76 ct, 76..<92 tag
        var sealed = key.seal(plaintext, aad: bytes("aad"))
        #expect(try key.open(sealed, aad: bytes("aad")) == plaintext)
        sealed[offset] ^= 0x01
        #expect(throws: CryptoError.authenticationFailed) { try key.open(sealed, aad: bytes("aad")) }
    }

    @Test("AES-256-GCM rejects wrong AAD, wrong key, and short input")
    func aesWrongContext() throws {
        let key = try #require(Self.testKey)
        let other = try #require(AESGCMKey([UInt8](repeating: 9, count: 32)))
        let sealed = key.seal(bytes("body"), aad: bytes("route-a"))
        #expect(throws: CryptoError.authenticationFailed) { try key.open(sealed, aad: bytes("route-b")) }
        #expect(throws: CryptoError.authenticationFailed) { try key.open(sealed) }
        #expect(throws: CryptoError.authenticationFailed) { try other.open(sealed, aad: bytes("route-a")) }
        #expect(throws: CryptoError.authenticationFailed) { try key.open(key.seal(bytes("body")), aad: bytes("x")) }
        #expect(throws: CryptoError.malformedInput) { try key.open(Array(sealed.prefix(27)), aad: bytes("route-a")) }
        #expect(throws: CryptoError.malformedInput) { try key.open([]) }
        // Truncating ciphertext (still long enough) breaks the tag.
        var truncated = sealed
        truncated.remove(at: 12)
        #expect(throws: CryptoError.authenticationFailed) { try key.open(truncated, aad: bytes("route-a")) }
    }

    @Test("Key material never appears in descriptions")
    func noKeyLeak() throws {
        let material = [UInt8](repeating: 0xab, count: 32)
        let key = try #require(AESGCMKey(material))
        var dumped = ""
        dump(key, to: &dumped)
        for text in [String(describing: key), String(reflecting: key), "\(key)", dumped] {
            #expect(!text.contains("171"))  // 0xab in decimal
            #expect(!text.lowercased().contains("ab, ab"))
            #expect(text.contains("AESGCMKey"))
        }
        #expect(CryptoError.authenticationFailed.description == "crypto: authentication failed")
        #expect(CryptoError.authenticationFailed != CryptoError.malformedInput)
    }
}

/// Keyed HMAC contexts are reused per key: a reused context must give what a fresh one gives, for
/// keys used over and over, keys interleaved, and more keys than the cache keeps (checked against
/// HMAC built by hand from SHA-256, RFC 2104).
@Suite("Crypto: reused HMAC contexts")
struct ReusedHMACContextTests {
    static func byHand(key: [UInt8], message: [UInt8]) -> [UInt8] {
        let block = 64
        var k = key.count > block ? Digest.sha256(key) : key
        k += [UInt8](repeating: 0, count: block - k.count)
        let inner = Digest.sha256(k.map { $0 ^ 0x36 } + message)
        return Digest.sha256(k.map { $0 ^ 0x5c } + inner)
    }

    @Test func reusedContextsGiveWhatFreshOnesGive() {
        // 100 keys (more than the 64 kept), each used in three rounds with changing messages; lengths
        // around the 64-byte block, where a key is hashed first.
        let keys = (0..<100).map { i in (0..<(i % 80 + 1)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ i) } }
        for round in 0..<4 {
            if round == 2 { Digest.forgetKeys() }  // as a reload does: the next round keys afresh
            for (i, key) in keys.enumerated() {
                let message = Array("round \(round) key \(i) ".utf8) + [UInt8](repeating: UInt8(i), count: i * 7)
                #expect(Digest.hmac(.sha256, key: key, message: message) == Self.byHand(key: key, message: message), "key \(i) round \(round)")
            }
        }
    }

    @Test func concurrentUseOfOneKeyGivesEachItsOwnAnswer() async {
        let key = Array("shared-secret".utf8)
        await withTaskGroup(of: Bool.self) { group in
            for t in 0..<8 {
                group.addTask {
                    (0..<200).allSatisfy { n in
                        let message = Array("task \(t) message \(n)".utf8)
                        return Digest.hmac(.sha256, key: key, message: message) == Self.byHand(key: key, message: message)
                    }
                }
            }
            for await ok in group { #expect(ok) }
        }
    }
}
