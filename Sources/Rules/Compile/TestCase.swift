/// A `tests:` case of the route files (SPEC §3.3).
public struct TestCase: Sendable {
    public let name: String
    public let source: Int
    public let headers: [HTTPField]
    public let body: [UInt8]
    /// With `by_events`: the suffix the request is posted to.
    public let pathSuffix: String?
    public let expectTargets: [String]
    public let expectNotTargets: [String]
    /// The normalised type the case expects, when given.
    public let expectType: String?
    /// The case expects the source to refuse the request.
    public let expectRejected: Bool
    /// The status the refusal must carry (401, 422…), when given; implies `expectRejected`.
    public let expectStatus: Int?
    public let location: SourceLocation
}
