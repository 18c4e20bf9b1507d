// Times verify + normalise (`WebhookAdapter.receive`: authenticity on the raw bytes, JSON parsing,
// type/id/time/attributes) per adapter, on a ~1.5 KB and a ~64 KB body. The body is parsed as ingest
// parses it: building only the paths the source reads (`RouteTable.bodyDemand`), checking the rest.
// Run: swift build -c release --product hookrouter-bench-adapters
//      taskset -c 0 .build/release/hookrouter-bench-adapters
import Adapters
import Rules
#if canImport(Glibc)
import Glibc
#endif

let now = Timestamp(seconds: 1_795_000_000)

/// One source per adapter, configured as routes.d does it, with inline test secrets.
let config = """
    sources:
      shopify: { adapter: shopify, path: /in/shopify, secret: bench-secret, allow_shops: ["*.myshopify.com"] }
      evolution:
        adapter: evolution
        path: /in/evolution
        auth: { header: { name: X-Webhook-Secret, value: bench-secret }, jwt_key: bench-jwt-key }
      evolution-hmac: { adapter: evolution, path: /in/evo-hmac, auth: { signature: { header: X-Signature, secret: bench-secret } } }
      uazapi: { adapter: uazapi, path: /in/uazapi, auth: { token: bench-token } }
      odoo: { adapter: odoo, path: /in/odoo, auth: { header: { name: X-API-Key, value: bench-secret } } }
      focusnfe: { adapter: focusnfe, path: /in/focusnfe, authorization: bench-secret }
      hmac: { adapter: hmac, path: /in/fiscal, secret: bench-secret, id: { path: dados.chave_acesso } }
      standard-webhooks: { adapter: standard-webhooks, path: /in/sw, secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" }
      none: { adapter: none, path: /in/none }

    """

/// The provider's envelope around `items`, a list of order-line-like objects that sets the size.
func body(for source: String, items: String) -> String {
    switch source {
    case "shopify":
        return #"{"id":820982911946154508,"admin_graphql_api_id":"gid:\/\/shopify\/Order\/820982911946154508","financial_status":"paid","currency":"BRL","total_price":"229.60","line_items":[\#(items)]}"#
    case "evolution", "evolution-hmac":
        return #"{"event":"messages.upsert","instance":"loja","data":{"key":{"remoteJid":"5511987654321@s.whatsapp.net","fromMe":false,"id":"3EB0C4A1F2D9E8B7A6C5D4E3"},"pushName":"Mariana","messageTimestamp":1795000000,"message":{"conversation":"Oi!"},"items":[\#(items)]},"date_time":"2026-11-18T08:06:41.512Z","apikey":"B6D711FC"}"#
    case "uazapi":
        return #"{"BaseUrl":"https://loja.uazapi.com","EventType":"messages","instanceName":"loja","message":{"id":"5511934567890:3EB0AA","fromMe":false,"messageTimestamp":1795000245000,"items":[\#(items)]},"token":"bench-token"}"#
    case "odoo":
        return #"{"event_type": "credentials_sync", "account_id": 42, "odoo_url": "https://erp.example.com", "items": [\#(items)]}"#
    case "focusnfe":
        return #"{"cnpj_emitente":"34781256000103","ref":"pedido-1042","status":"autorizado","chave_nfe":"NFe3526","items":[\#(items)]}"#
    case "hmac":
        return #"{"evento":"nfe_importada","timestamp":"2026-11-18T08:32:05-03:00","dados":{"chave_acesso":"35261145678901000175550030000884171102938470","itens":[\#(items)]}}"#
    case "standard-webhooks":
        return #"{"type":"invoice.paid","timestamp":"2026-11-18T11:06:39.871204Z","data":{"id":"inv_01","lines":[\#(items)]}}"#
    default:
        return #"{"type":"anything","items":[\#(items)]}"#
    }
}

/// `items` long enough to bring the body to about `size` bytes.
func sized(_ source: String, _ size: Int) -> [UInt8] {
    let item = #"{"id":866550311766439020,"sku":"CAM-ORG-AZ-P","title":"Camiseta Algod\u00e3o Org\u00e2nico","price":"89.90","quantity":2,"taxable":true,"grams":180,"vendor":"Aurora"}"#
    var items: [String] = []
    while body(for: source, items: items.joined(separator: ",")).utf8.count + item.utf8.count < size { items.append(item) }
    return Array(body(for: source, items: items.joined(separator: ",")).utf8)
}

func headers(for source: String) -> [HTTPField] {
    switch source {
    case "shopify":
        return [HTTPField("X-Shopify-Topic", "orders/paid"), HTTPField("X-Shopify-Shop-Domain", "loja.myshopify.com"),
                HTTPField("X-Shopify-Webhook-Id", "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043"), HTTPField("X-Shopify-API-Version", "2025-07"),
                HTTPField("X-Shopify-Triggered-At", "2026-11-18T11:06:12.834192746Z")]
    case "odoo": return [HTTPField("X-API-Key", "bench-secret")]
    case "focusnfe": return [HTTPField("Authorization", "bench-secret")]
    case "hmac": return [HTTPField("X-Webhook-Signature", "")]  // replaced by sign
    default: return []
    }
}

func monotonicNanoseconds() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
}

struct Figures { let median: Double; let p99: Double }

/// Median and p99 in microseconds of `iterations` timed calls, after `warmup` untimed ones.
func measure(_ source: Source, _ request: InboundRequest, iterations: Int, warmup: Int) -> Figures? {
    for _ in 0..<warmup { guard (try? source.adapter.receive(request, source: source.name, now: now)) != nil else { return nil } }
    var samples = [Int64](repeating: 0, count: iterations)
    for i in 0..<iterations {
        let start = monotonicNanoseconds()
        let event = try? source.adapter.receive(request, source: source.name, now: now)
        samples[i] = monotonicNanoseconds() - start
        if event == nil { return nil }
    }
    samples.sort()
    return Figures(median: Double(samples[iterations / 2]) / 1000, p99: Double(samples[iterations * 99 / 100]) / 1000)
}

func format(_ v: Double) -> String {
    let hundredths = Int((v * 100).rounded())
    let frac = hundredths % 100
    return "\(hundredths / 100).\(frac < 10 ? "0" : "")\(frac)"
}

let (compiled, diagnostics) = ConfigCompiler.compile([ConfigFile(path: "bench.yaml", bytes: Array(config.utf8))], catalog: AdapterRegistry.catalog,
                                                     environment: ConfigEnvironment(variables: [:], readFile: { _ in nil }))
guard let table = compiled else {
    print(DiagnosticRenderer.text(diagnostics.sorted))
    exit(1)
}

print("adapter              body      median µs    p99 µs")
for source in table.sources {
    for (label, size, iterations, warmup) in [("1.5 KB", 1536, 20_000, 2_000), ("64 KB", 65_536, 2_000, 200)] {
        var request = InboundRequest(path: source.path, headers: headers(for: source.name) + [HTTPField("Content-Type", "application/json")],
                                     body: sized(source.name, size))
        source.adapter.sign(&request, now: now)
        request.bodyDemand = table.bodyDemand(for: source.index)  // as ingest parses it
        guard let f = measure(source, request, iterations: iterations, warmup: warmup) else {
            print("\(source.name): the signed request was refused; the bench is broken")
            exit(1)
        }
        let name = source.name.padding(toLength: 20), body = "\(label) (\(request.body.count))".padding(toLength: 14)
        print("\(name) \(body) \(format(f.median).padding(toLength: 12)) \(format(f.p99))")
    }
}

extension String {
    func padding(toLength n: Int) -> String { count >= n ? self : self + String(repeating: " ", count: n - count) }
}
