import Testing
@testable import Adapters
@testable import Rules

/// Inputs fuzz/adapters found to trap; each is also a seed in fuzz/corpus/adapters/regress-*.
struct AdapterFuzzRegressionTests {
    /// `webhook-timestamp` near Int64's limits overflowed `seconds * 1000` before any signature was checked:
    /// one unauthenticated request could stop the server. It must be a plain 401.
    @Test(arguments: ["9223372036854775807", "-9223372036854775808", "3074457345618258602", "9223372036854776", "-9223372036854776"])
    func standardWebhooksHugeTimestampIsUnauthorized(_ ts: String) throws {
        let (a, _) = try makeAdapter("sources:\n  s:\n    adapter: standard-webhooks\n    path: /in/s\n    secret: whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYX\n")
        let r = request(#"{"type":"invoice.paid"}"#, [("webhook-id", "msg_1"), ("webhook-timestamp", ts), ("webhook-signature", "v1,AAAA")])
        #expect(isUnauthorized(a, r))
    }

    @Test func standardWebhooksToleranceEdges() {
        #expect(StandardWebhooksAdapter.within(300_000, seconds: now.seconds + 300, of: now))
        #expect(StandardWebhooksAdapter.within(300_000, seconds: now.seconds - 300, of: now))
        #expect(!StandardWebhooksAdapter.within(300_000, seconds: now.seconds + 301, of: now))
        #expect(!StandardWebhooksAdapter.within(300_000, seconds: .max, of: now))
        #expect(!StandardWebhooksAdapter.within(300_000, seconds: .min, of: now))
    }

    /// A signed fiscal body whose `timestamp` is outside what a Timestamp holds (year 1013) trapped in
    /// `Timestamp(rfc3339:)`; the event now falls back to the time of receipt.
    @Test func hmacTimestampOutOfRangeFallsBackToNow() throws {
        let (a, _) = try makeAdapter("sources:\n  s:\n    adapter: hmac\n    path: /in/s\n    secret: fiscal\n")
        for ts in ["1013-11-18T08:51:19-03:00", "9999-12-31T23:59:59Z", "0000-01-01T00:00:00Z"] {
            var r = request(#"{"evento":"erro_importacao","timestamp":"\#(ts)"}"#)
            a.sign(&r, now: now)
            let e = try a.receive(r, source: "s", now: now)
            #expect(e.time == now)
        }
    }

    /// Epoch numbers past 2262 wrapped silently into some other date; they now count as absent.
    @Test func uazapiEpochPastInt64NanosecondsFallsBackToNow() throws {
        let (a, _) = try makeAdapter("sources:\n  s:\n    adapter: uazapi\n    path: /in/s\n    auth: { token: tok }\n")
        let body = #"{"EventType":"messages","message":{"id":"X","messageTimestamp":9223372036854775},"token":"tok"}"#
        #expect(try a.receive(request(body), source: "s", now: now).time == now)
    }

    /// An empty `webhook-id` (or id header, or id body field) made an event with id "": every later such
    /// event would then be dropped as its duplicate. Empty counts as absent.
    @Test func emptyIdsAreAbsent() throws {
        let (sw, _) = try makeAdapter("sources:\n  s:\n    adapter: standard-webhooks\n    path: /in/s\n    secret: whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYX\n")
        var r = request("{}", [("webhook-id", "")])
        sw.sign(&r, now: now)
        #expect(try sw.receive(r, source: "s", now: now).id.hasPrefix("msg_"), "sign fills an empty id in")
        r.setHeader("webhook-id", "")
        #expect(isUnauthorized(sw, r), "an empty webhook-id is a missing one")

        let (h, _) = try makeAdapter("sources:\n  s:\n    adapter: hmac\n    path: /in/s\n    secret: k\n    id: { header: X-Id }\n")
        var hr = request("{}", [("X-Id", "")])
        h.sign(&hr, now: now)
        #expect(try h.receive(hr, source: "s", now: now).id == AdapterSupport.bodyHash(hr.body))

        let (p, _) = try makeAdapter("sources:\n  s:\n    adapter: hmac\n    path: /in/s\n    secret: k\n    id: { path: ref }\n")
        var pr = request(#"{"ref":""}"#)
        p.sign(&pr, now: now)
        #expect(try p.receive(pr, source: "s", now: now).id == AdapterSupport.bodyHash(pr.body))

        let (shop, _) = try makeAdapter("sources:\n  s:\n    adapter: shopify\n    path: /in/s\n    secret: k\n")
        var sr = request("{}", [("X-Shopify-Topic", "orders/paid"), ("X-Shopify-Webhook-Id", "")])
        shop.sign(&sr, now: now)
        #expect(try shop.receive(sr, source: "s", now: now).id == AdapterSupport.bodyHash(sr.body))
    }

    /// `{"type":""}` gave an event of type "" (a CloudEvent's type must not be empty); empty is absent,
    /// as the hmac and odoo adapters already had it.
    @Test func emptyTypeFallsBackToTheSourceName() throws {
        let (sw, _) = try makeAdapter("sources:\n  s:\n    adapter: standard-webhooks\n    path: /in/s\n    secret: whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYX\n")
        var r = request(#"{"type":""}"#)
        sw.sign(&r, now: now)
        #expect(try sw.receive(r, source: "s", now: now).type == "s")
        let (open, _) = try makeAdapter("sources:\n  s:\n    adapter: none\n    path: /in/s\n    type: kind\n")
        #expect(try open.receive(request(#"{"kind":""}"#), source: "s", now: now).type == "s")
        #expect(try open.receive(request(#"{"kind":"k"}"#), source: "s", now: now).type == "k")
    }
}
