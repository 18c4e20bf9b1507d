import CCrypto

/// The AES-256-GCM implementation, fetched once: passing the legacy `EVP_aes_256_gcm()`
/// would make OpenSSL 3 re-fetch it from the provider on every init. Fetched ciphers are
/// immutable and reference-counted, so sharing one across threads is safe.
private final class FetchedCipher: @unchecked Sendable {
    let cipher: OpaquePointer? = EVP_CIPHER_fetch(nil, "AES-256-GCM", nil)
}

private let aes256GCM = FetchedCipher()

/// AES-256-GCM for encrypting stored bodies at rest. Output layout: 12-byte random nonce ‖ ciphertext ‖ 16-byte tag.
public struct AESGCMKey: Sendable {
    static let keyLength = 32
    static let nonceLength = 12
    static let tagLength = 16

    private let key: [UInt8]

    /// nil unless `key` is exactly 32 bytes.
    public init?(_ key: [UInt8]) {
        guard key.count == Self.keyLength else { return nil }
        self.key = key
    }

    /// Encrypts `plaintext` under a fresh random nonce, authenticating `aad` as well.
    /// Traps only if OpenSSL itself fails (CSPRNG or allocation); inputs cannot cause that.
    public func seal(_ plaintext: [UInt8], aad: [UInt8] = []) -> [UInt8] {
        guard let cipher = aes256GCM.cipher, let context = EVP_CIPHER_CTX_new() else {
            CryptoError.unrecoverable("AES-256-GCM setup")
        }
        defer { EVP_CIPHER_CTX_free(context) }  // also wipes the expanded key schedule

        let nonce = SecureRandom.bytes(Self.nonceLength)
        let total = Self.nonceLength + plaintext.count + Self.tagLength
        return [UInt8](unsafeUninitializedCapacity: total) { output, count in
            guard let base = output.baseAddress else { CryptoError.unrecoverable("AES-256-GCM seal") }
            base.initialize(from: nonce, count: Self.nonceLength)
            let initialised = key.withUnsafeBufferPointer { keyBytes in
                EVP_EncryptInit_ex2(context, cipher, keyBytes.baseAddress, base, nil) == 1
            }
            guard initialised,
                  Self.feed(context, aad, into: nil, encrypt: true) != nil,
                  let written = Self.feed(context, plaintext, into: base + Self.nonceLength, encrypt: true)
            else { CryptoError.unrecoverable("AES-256-GCM seal") }
            var finalLength: Int32 = 0
            let tag = base + Self.nonceLength + written
            guard EVP_EncryptFinal_ex(context, tag, &finalLength) == 1, finalLength == 0,
                  EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_GET_TAG, Int32(Self.tagLength), tag) == 1
            else { CryptoError.unrecoverable("AES-256-GCM seal") }
            count = total
        }
    }

    /// Decrypts the output of `seal`; throws `.authenticationFailed` if the key, `aad`,
    /// nonce, ciphertext or tag do not match, and `.malformedInput` if `sealed` is too short.
    public func open(_ sealed: [UInt8], aad: [UInt8] = []) throws(CryptoError) -> [UInt8] {
        guard sealed.count >= Self.nonceLength + Self.tagLength else { throw .malformedInput }
        guard let cipher = aes256GCM.cipher, let context = EVP_CIPHER_CTX_new() else {
            throw .backendFailure
        }
        defer { EVP_CIPHER_CTX_free(context) }

        let ciphertextLength = sealed.count - Self.nonceLength - Self.tagLength
        var failure: CryptoError?
        let plaintext = sealed.withUnsafeBufferPointer { input in
            [UInt8](unsafeUninitializedCapacity: ciphertextLength) { output, count in
                count = 0
                // Non-empty `sealed`, so the base address exists.
                guard let inBase = input.baseAddress else { failure = .backendFailure; return }
                let nonce = inBase
                let ciphertext = UnsafeBufferPointer(start: inBase + Self.nonceLength, count: ciphertextLength)
                let tag = UnsafeMutableRawPointer(mutating: inBase + Self.nonceLength + ciphertextLength)
                let initialised = key.withUnsafeBufferPointer { keyBytes in
                    EVP_DecryptInit_ex2(context, cipher, keyBytes.baseAddress, nonce, nil) == 1
                }
                // SET_TAG only reads from the pointer; the mutable cast is an API artefact.
                guard initialised,
                      EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_SET_TAG, Int32(Self.tagLength), tag) == 1,
                      Self.feed(context, aad, into: nil, encrypt: false) != nil,
                      let written = Self.feed(context, ciphertext, into: output.baseAddress, encrypt: false)
                else { failure = .backendFailure; return }
                var finalLength: Int32 = 0
                // Final verifies the tag; on mismatch the decrypted bytes are discarded.
                guard EVP_DecryptFinal_ex(context, output.baseAddress, &finalLength) == 1 else {
                    failure = .authenticationFailed
                    return
                }
                count = written
            }
        }
        if let failure { throw failure }
        return plaintext
    }

    /// Runs Encrypt/DecryptUpdate over `input` in int-sized chunks. With `output` nil the
    /// bytes are authenticated as AAD. Returns the number of bytes written, nil on failure.
    private static func feed(
        _ context: OpaquePointer, _ input: [UInt8], into output: UnsafeMutablePointer<UInt8>?, encrypt: Bool
    ) -> Int? {
        input.withUnsafeBufferPointer { feed(context, $0, into: output, encrypt: encrypt) }
    }

    private static func feed(
        _ context: OpaquePointer, _ input: UnsafeBufferPointer<UInt8>,
        into output: UnsafeMutablePointer<UInt8>?, encrypt: Bool
    ) -> Int? {
        guard let base = input.baseAddress, !input.isEmpty else { return 0 }
        let maxChunk = 1 << 30  // OpenSSL lengths are `int`; GCM accepts any chunking
        var offset = 0
        while offset < input.count {
            let chunk = min(input.count - offset, maxChunk)
            var written: Int32 = 0
            let destination = output.map { $0 + offset }
            let ok = encrypt
                ? EVP_EncryptUpdate(context, destination, &written, base + offset, Int32(chunk))
                : EVP_DecryptUpdate(context, destination, &written, base + offset, Int32(chunk))
            guard ok == 1, output == nil || Int(written) == chunk else { return nil }
            offset += chunk
        }
        return output == nil ? 0 : offset
    }
}

/// Key bytes never appear in logs, string interpolation or `dump`.
extension AESGCMKey: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String { "AESGCMKey(<redacted>)" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: [:]) }
}
