import CCrypto
import Synchronization

/// An HMAC context keyed with a dummy key for one digest. It is only ever read (duplicated),
/// which OpenSSL allows concurrently, so sharing it across threads is safe.
fileprivate final class HMACTemplate: @unchecked Sendable {
    let context: OpaquePointer?

    init(_ algorithm: HashAlgorithm) {
        context = hookrouter_hmac_template(algorithm.opensslName)
    }
}

/// A digest fetched once; the SHA256() one-shot and legacy EVP_sha256() re-fetch it per call
/// in OpenSSL 3. Fetched digests are immutable and reference-counted, so sharing is safe.
private final class FetchedDigest: @unchecked Sendable {
    let digest: OpaquePointer?
    init(_ name: String) { digest = EVP_MD_fetch(nil, name, nil) }
}

private let fetchedSHA256 = FetchedDigest("SHA256")
private let fetchedSHA1 = FetchedDigest("SHA1")

private let sha1Template = HMACTemplate(.sha1)
private let sha256Template = HMACTemplate(.sha256)
private let sha512Template = HMACTemplate(.sha512)

/// Message digests and HMACs backed by OpenSSL libcrypto.
public enum Digest {
    /// HMAC of the bytes in `message`.
    public static func hmac(_ algorithm: HashAlgorithm, key: [UInt8], message: UnsafeRawBufferPointer) -> [UInt8] {
        mac(algorithm, key: key) { context in
            guard let base = message.baseAddress, message.count > 0 else { return true }
            return EVP_MAC_update(context, base.assumingMemoryBound(to: UInt8.self), message.count) == 1
        }
    }

    /// HMAC of `message`.
    public static func hmac(_ algorithm: HashAlgorithm, key: [UInt8], message: [UInt8]) -> [UInt8] {
        message.withUnsafeBytes { hmac(algorithm, key: key, message: $0) }
    }

    /// HMAC over several parts without concatenating them (Standard Webhooks signs "id.timestamp.body").
    public static func hmac(_ algorithm: HashAlgorithm, key: [UInt8], parts: [[UInt8]]) -> [UInt8] {
        mac(algorithm, key: key) { context in
            for part in parts where !part.isEmpty {
                let ok = part.withUnsafeBufferPointer { buffer in
                    EVP_MAC_update(context, buffer.baseAddress, buffer.count) == 1
                }
                if !ok { return false }
            }
            return true
        }
    }

    /// SHA-256 of `bytes`.
    public static func sha256(_ bytes: [UInt8]) -> [UInt8] { digest(bytes, fetchedSHA256, length: 32) }

    /// SHA-1 of `bytes`: only where a protocol fixes it (the WebSocket handshake, RFC 6455 §4.2.2).
    public static func sha1(_ bytes: [UInt8]) -> [UInt8] { digest(bytes, fetchedSHA1, length: 20) }

    private static func digest(_ bytes: [UInt8], _ md: FetchedDigest, length: Int) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: length) { output, count in
            var written: UInt32 = 0
            let ok = CryptoBuffers.withNonNull(bytes) { input, n in
                EVP_Digest(input, n, output.baseAddress, &written, md.digest, nil) == 1
            }
            guard ok, Int(written) == length else { CryptoError.unrecoverable("EVP_Digest") }
            count = length
        }
    }

    /// Lower-case hex SHA-256 of `bytes`.
    public static func sha256Hex(_ bytes: [UInt8]) -> String {
        Hex.encode(sha256(bytes))
    }

    /// Duplicates the algorithm's template context (avoiding per-call MAC and digest fetches),
    /// keys it, lets `update` feed data, and returns the tag.
    @inline(__always)
    private static func mac(
        _ algorithm: HashAlgorithm, key: [UInt8], update: (OpaquePointer) -> Bool
    ) -> [UInt8] {
        let context = keyedContexts.take(algorithm, key: key)
        defer { keyedContexts.give(context, algorithm, key: key) }
        guard update(context) else { CryptoError.unrecoverable("EVP_MAC_update") }

        let length = algorithm.digestLength
        return [UInt8](unsafeUninitializedCapacity: length) { output, count in
            var written = 0
            guard EVP_MAC_final(context, output.baseAddress, &written, length) == 1, written == length else {
                CryptoError.unrecoverable("EVP_MAC_final")
            }
            count = written
        }
    }

    /// Frees every kept keyed context (a reload, so a secret it removed is not kept in memory).
    public static func forgetKeys() { keyedContexts.removeAll() }

    fileprivate static func template(_ algorithm: HashAlgorithm) -> HMACTemplate {
        switch algorithm {
        case .sha1: sha1Template
        case .sha256: sha256Template
        case .sha512: sha512Template
        }
    }
}

/// HMAC contexts already keyed, kept for the next message under the same key: `EVP_MAC_init` without
/// a key re-arms a context with the key it holds, which skips copying a template and hashing the key
/// into it on every message (a provider's secret signs every request it sends; on the ingest bench the
/// copy, the keying and the free were a third of the HMAC's time). Bounded: at most `maxKeys` keys,
/// `perKey` idle contexts each; past that a context is freed, which wipes OpenSSL's copy of the key.
private final class KeyedContexts: Sendable {
    private struct Key: Hashable {
        let algorithm: HashAlgorithm
        let key: [UInt8]

        /// The key's bytes in one call: the synthesized hash fed the hasher a byte at a time.
        func hash(into hasher: inout Hasher) {
            hasher.combine(algorithm)
            key.withUnsafeBytes { hasher.combine(bytes: $0) }
        }
    }

    /// One key's idle contexts. A class, so taking and giving back mutate it in place: changing an
    /// array inside the dictionary's value went through the dictionary's modify accessor each time.
    private final class Slot: @unchecked Sendable {  // only touched under `idle`'s lock
        var contexts: [Owned] = []
    }

    /// A context owned by whoever holds it: in the cache, or taken by one caller at a time.
    private struct Owned: @unchecked Sendable {
        let pointer: OpaquePointer
    }

    private struct Idle: ~Copyable {
        var slots: [Key: Slot] = [:]
    }

    static let maxKeys = 64
    static let perKey = 4
    private let idle = Mutex(Idle())

    /// A context keyed with `key`, ready for updates: an idle one re-armed, else a new one.
    func take(_ algorithm: HashAlgorithm, key: [UInt8]) -> OpaquePointer {
        let k = Key(algorithm: algorithm, key: key)
        if let context = idle.withLock({ $0.slots[k]?.contexts.popLast() })?.pointer {
            guard EVP_MAC_init(context, nil, 0, nil) == 1 else { CryptoError.unrecoverable("EVP_MAC_init") }
            return context
        }
        guard let source = Digest.template(algorithm).context, let context = EVP_MAC_CTX_dup(source) else {
            CryptoError.unrecoverable("EVP_MAC_CTX_dup")
        }
        let keyed = CryptoBuffers.withNonNull(key) { pointer, length in
            EVP_MAC_init(context, pointer, length, nil) == 1
        }
        guard keyed else { CryptoError.unrecoverable("EVP_MAC_init") }
        return context
    }

    /// Frees every idle context; those in use are kept or freed when given back, as usual.
    func removeAll() {
        let all = idle.withLock { idle in
            defer { idle.slots.removeAll() }
            return idle.slots.values.flatMap(\.contexts)
        }
        for c in all { EVP_MAC_CTX_free(c.pointer) }
    }

    /// Keeps `context` for the next message under `key`, or frees it when the cache is full.
    func give(_ context: OpaquePointer, _ algorithm: HashAlgorithm, key: [UInt8]) {
        let k = Key(algorithm: algorithm, key: key)
        let kept = idle.withLock { idle -> Bool in
            let slot: Slot
            if let known = idle.slots[k] {
                slot = known
            } else {
                guard idle.slots.count < Self.maxKeys else { return false }
                slot = Slot()
                idle.slots[k] = slot
            }
            guard slot.contexts.count < Self.perKey else { return false }
            slot.contexts.append(Owned(pointer: context))
            return true
        }
        if !kept { EVP_MAC_CTX_free(context) }
    }
}

private let keyedContexts = KeyedContexts()
