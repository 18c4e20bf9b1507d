import Testing
@testable import Rules

struct UnitsTests {
    @Test(arguments: [("250ms", 250), ("10s", 10_000), ("5m", 300_000), ("1h", 3_600_000), ("1d", 86_400_000)] as [(String, Int64)])
    func durations(_ text: String, _ ms: Int64) {
        #expect(Units.durationMilliseconds(text) == ms)
    }

    @Test(arguments: ["", "10", "1.5s", "-1s", "10 sec", "s"])
    func badDurations(_ text: String) {
        #expect(Units.durationMilliseconds(text) == nil)
    }

    @Test func sizesAndRates() {
        #expect(Units.sizeBytes("512KiB") == 524_288)
        #expect(Units.sizeBytes("1MiB") == 1_048_576)
        #expect(Units.sizeBytes("1 MB") == nil || Units.sizeBytes("1 MB") == 1_000_000)
        #expect(Units.sizeBytes("lots") == nil)
        #expect(Units.rate("60/min") == Rate(count: 60, perMilliseconds: 60_000))
        #expect(Units.rate("10/s")?.perSecond == 10)
        #expect(Units.rate("0/s") == nil)
        #expect(Units.rate("10/fortnight") == nil)
    }

    @Test func interpolation() {
        let i = Interpolation(environment: ["A": "x", "EMPTY": ""])
        #expect(i.expand("${A}-${B:-def}") == .success("x-def"))
        #expect(i.expand("${EMPTY:-def}") == .success("def"))
        #expect(i.expand("${B}") == .failure(.unset("B")))
        #expect(i.expand("${{ data.id }} $${A} $5") == .success("${{ data.id }} ${A} $5"))
        #expect(i.expand("${A") == .failure(.malformed("${A")))
    }

    @Test func cidr() throws {
        let net = try #require(CIDR("10.0.0.0/8"))
        #expect(net.contains("10.1.2.3"))
        #expect(!net.contains("11.0.0.1"))
        #expect(net.contains("::ffff:10.0.0.1"))
        let v6 = try #require(CIDR("2001:db8::/32"))
        #expect(v6.contains("2001:db8::1"))
        #expect(!v6.contains("2001:db9::1"))
        #expect(CIDR("10.0.0.0/33") == nil)
        #expect(CIDR("300.0.0.1") == nil)
    }

    @Test func timestamps() throws {
        #expect(Timestamp(seconds: 0).rfc3339 == "1970-01-01T00:00:00Z")
        let t = try #require(Timestamp(rfc3339: "2026-11-22T10:30:00.123456789-03:00"))
        #expect(t.rfc3339 == "2026-11-22T13:30:00.123456789Z")
        // Beyond what Int64 nanoseconds hold (2262): refused, not a trap on a provider's input.
        #expect(Timestamp(rfc3339: "2999-01-01T00:00:00Z") == nil)
        #expect(Timestamp(rfc3339: "2025-07-11 15:42:07")?.rfc3339 == "2025-07-11T15:42:07Z")
        #expect(Timestamp(rfc3339: "2025-13-11T15:42:07Z") == nil)
        #expect(Timestamp(rfc3339: "yesterday") == nil)
        // Outside what Int64 nanoseconds hold (1677-09-21…2262-04-11): nil, not an overflow trap (fuzz/adapters).
        #expect(Timestamp(rfc3339: "1013-11-18T08:51:19-03:00") == nil)
        #expect(Timestamp(rfc3339: "9999-12-31T23:59:59Z") == nil)
        #expect(Timestamp(rfc3339: "1677-09-21T00:12:43Z") == nil)
        #expect(Timestamp(rfc3339: "1677-09-21T00:12:44Z")?.rfc3339 == "1677-09-21T00:12:44Z")
        #expect(Timestamp(rfc3339: "2262-04-11T23:47:16.854775807Z")?.nanoseconds == .max)
        #expect(Timestamp(rfc3339: "2262-04-11T23:47:16.854775808Z") == nil)
        // The extremes render (and read back) without overflowing in `seconds` or the fraction.
        #expect(Timestamp(nanoseconds: .min).rfc3339 == "1677-09-21T00:12:43.145224192Z")
        #expect(Timestamp(nanoseconds: .max).rfc3339 == "2262-04-11T23:47:16.854775807Z")
        #expect(Timestamp(nanoseconds: -1).seconds == -1)
        #expect(Timestamp(nanoseconds: -1_000_000_000).seconds == -1)
        #expect(Timestamp(nanoseconds: -1_000_000_001).seconds == -2)
        #expect(Timestamp(nanoseconds: -1).rfc3339 == "1969-12-31T23:59:59.999999999Z")
    }

    @Test func routeFileNames() {
        #expect(ConfigFile.isRouteFile("shopify.yaml"))
        #expect(ConfigFile.isRouteFile("a.yml"))
        for ignored in [".hidden.yaml", "shopify.yaml~", "shopify.yaml.swp", "x.tmp", "#shopify.yaml#", "notes.txt"] {
            #expect(!ConfigFile.isRouteFile(ignored), "\(ignored)")
        }
    }

    @Test func retryPolicies() {
        let p = RetryPolicy.default
        #expect(p.maxAttempts == 8)
        #expect(p.ceilingMilliseconds(afterAttempt: 1) == 10_000)
        #expect(p.ceilingMilliseconds(afterAttempt: 2) == 20_000)
        #expect(p.ceilingMilliseconds(afterAttempt: 7) == 640_000)
        #expect(p.ceilingMilliseconds(afterAttempt: 8) == nil)
        let focus = RetryPolicy.schedule([60_000, 1_800_000])
        #expect(focus.maxAttempts == 3)
        #expect(focus.ceilingMilliseconds(afterAttempt: 2) == 1_800_000)
        #expect(focus.ceilingMilliseconds(afterAttempt: 3) == nil)
    }
}
