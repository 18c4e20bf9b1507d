/// Failure of a cryptographic operation. Carries only a category, never key material or data.
public struct CryptoError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong.
    public enum Kind: Sendable, Equatable {
        /// The authentication tag did not verify: wrong key, wrong AAD, or tampered data.
        case authenticationFailed
        /// The input is structurally invalid (e.g. too short to hold a nonce and tag).
        case malformedInput
        /// OpenSSL reported an internal failure (allocation, provider unavailable).
        case backendFailure
    }

    public let kind: Kind

    init(_ kind: Kind) { self.kind = kind }

    public static let authenticationFailed = CryptoError(.authenticationFailed)
    public static let malformedInput = CryptoError(.malformedInput)
    public static let backendFailure = CryptoError(.backendFailure)

    public var description: String {
        switch kind {
        case .authenticationFailed: "crypto: authentication failed"
        case .malformedInput: "crypto: malformed input"
        case .backendFailure: "crypto: OpenSSL backend failure"
        }
    }

    /// Stops the process when OpenSSL fails in a way no caller input can cause (allocation
    /// failure, CSPRNG unavailable, provider missing). Non-throwing APIs such as `seal` and
    /// `SecureRandom.bytes` must not return weak or empty output in that case.
    static func unrecoverable(_ operation: StaticString) -> Never {
        fatalError("OpenSSL failure in \(operation)")
    }
}
