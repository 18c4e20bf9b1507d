// Compiles a generated config of 10,000 routes over 100 sources and matches events against it.
// Run: swift run -c release hookrouter-bench-match
// For profiling one phase alone: BENCH_PHASE=compile (20 compiles, no matching) or BENCH_PHASE=match
// (one compile, 500 rounds of matching); BENCH_ROUNDS=N sets the rounds of matching. The figures in BENCHMARKS.md come from the default run.
import Rules
#if canImport(Glibc)
import Glibc
#endif

/// A provider-neutral adapter kind so the figure is the table's, not an adapter's.
struct BenchKind: AdapterKind {
    let name = "bench"
    let eventTypes: [String] = []
    var configKeys: [String] { ["secret"] }
    func make(_ config: MappingReader, source: String) -> (any WebhookAdapter)? { BenchAdapter() }
}

struct BenchAdapter: WebhookAdapter {
    func receive(_ request: InboundRequest, source: String, now: Timestamp) throws(AdapterError) -> Event {
        throw .badRequest("not used")
    }
    var credentialHeaders: [String] { [] }
    var credentialFields: [FieldPath] { [] }
    func sign(_ request: inout InboundRequest, now: Timestamp) {}
}

let sourceCount = 100, routesPerSource = 100, targetCount = 50, typesPerSource = 40
let statuses = ["paid", "pending", "refunded", "authorized"]

func generateConfig() -> String {
    var y = "sources:\n"
    for s in 0..<sourceCount { y += "  s\(s): { adapter: bench, path: /in/s\(s), secret: x }\n" }
    y += "targets:\n"
    for t in 0..<targetCount { y += "  t\(t): { url: \"https://t\(t).example.com/hook\" }\n" }
    y += "routes:\n"
    var rng = SplitMix(seed: 42)
    for s in 0..<sourceCount {
        for r in 0..<routesPerSource {
            y += "  - name: r\(s)-\(r)\n    from: s\(s)\n"
            switch rng.next() % 10 {
            case 0..<6: y += "    events: [type\(rng.next() % UInt64(typesPerSource))/x]\n"
            case 6..<8: y += "    events: [\"type\(rng.next() % 10)*\"]\n"
            default: break
            }
            switch rng.next() % 4 {
            case 0: y += "    when: [{ path: data.status, eq: \(statuses[Int(rng.next() % 4)]) }]\n"
            case 1: y += "    when: [{ path: 'data.items[*].sku', exists: true }, { path: data.total, gt: \(rng.next() % 500) }]\n"
            case 2: y += "    when: [{ path: attributes.shop, in: [a, b, c] }]\n"
            default: break
            }
            y += "    to: [t\(rng.next() % UInt64(targetCount))]\n"
        }
    }
    return y
}

struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

func nanos(_ d: Duration) -> Double {
    Double(d.components.seconds) * 1e9 + Double(d.components.attoseconds) / 1e9
}

func percentile(_ sorted: [Double], _ p: Double) -> Double {
    sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
}

let yaml = generateConfig()
let file = ConfigFile(path: "generated.yaml", bytes: Array(yaml.utf8))
let environment = ConfigEnvironment(variables: [:], readFile: { _ in nil })
let catalog = AdapterCatalog([BenchKind()])
let clock = ContinuousClock()

let phase = getenv("BENCH_PHASE").map { String(cString: $0) } ?? ""
let compileRuns = phase == "compile" ? 20 : phase == "match" ? 1 : 5
let matchRounds = getenv("BENCH_ROUNDS").flatMap { Int(String(cString: $0)) } ?? (phase == "compile" ? 0 : phase == "match" ? 500 : 50)

var compileTimes: [Double] = []
var table: RouteTable?
for _ in 0..<compileRuns {
    let start = clock.now
    let (t, diagnostics) = ConfigCompiler.compile([file], catalog: catalog, environment: environment)
    compileTimes.append(nanos(clock.now - start) / 1e6)
    guard let t else {
        print(DiagnosticRenderer.text(diagnostics.sorted))
        fatalError("generated config did not compile")
    }
    table = t
}
compileTimes.sort()

// Events: a Shopify-like body with line items, spread over sources and types.
var events: [(Event, Int)] = []
var rng = SplitMix(seed: 7)
for i in 0..<2_000 {
    let source = Int(rng.next() % UInt64(sourceCount))
    let body = #"{"id":\#(820982911946154508 + i),"status":"\#(statuses[i % 4])","total":"\#(i % 700).50","items":[{"sku":"A\#(i)","qty":1},{"sku":null}]}"#
    var attrs = JSONObject()
    attrs["shop"] = .string(["a", "d"][i % 2])
    let e = Event(id: "e\(i)", source: "s\(source)", type: "type\(rng.next() % UInt64(typesPerSource + 5))/x",
                  time: Timestamp(seconds: 1_795_000_000), receivedAt: Timestamp(seconds: 1_795_000_000), headers: [],
                  attributes: attrs, data: try! JSONValue.parse(body), body: Array(body.utf8), contentType: "application/json")
    events.append((e, source))
}

let t = table!
var buffer: [RouteTable.Match] = []
buffer.reserveCapacity(64)
var matchTimes: [Double] = []
var matched = 0
for round in 0..<matchRounds {
    for (e, s) in events {
        buffer.removeAll(keepingCapacity: true)
        let start = clock.now
        t.match(e, source: s, into: &buffer)
        let elapsed = nanos(clock.now - start)
        if round > 0 { matchTimes.append(elapsed) }
        matched += buffer.count
    }
}
matchTimes.sort()
print("routes: \(t.routes.count), sources: \(t.sources.count), targets: \(t.targets.count), config bytes: \(yaml.utf8.count)")
print("compile: median \(String(format2: compileTimes[compileRuns / 2])) ms, min \(String(format2: compileTimes[0])) ms (\(compileRuns) runs)")
if matchRounds == 0 { exit(0) }
print("match: median \(String(format2: percentile(matchTimes, 0.5) / 1000)) µs, p99 \(String(format2: percentile(matchTimes, 0.99) / 1000)) µs over \(matchTimes.count) matches; \(String(format2: Double(matched) / Double(matchRounds * events.count))) deliveries per event")

extension String {
    init(format2 v: Double) {
        let scaled = Int((v * 100).rounded())
        let frac = scaled % 100
        self = "\(scaled / 100).\(frac < 10 ? "0" : "")\(frac)"
    }
}
