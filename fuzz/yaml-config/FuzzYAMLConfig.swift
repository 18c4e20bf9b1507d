// libFuzzer target: arbitrary bytes as one route file through the YAML loader and the config compiler
// (with the real adapter catalog). Built as one module `Rules` from Sources/Rules/** and Sources/Adapters/**
// by scripts/fuzz. The compiler must never crash and must return a table or at least one error.

@inline(never)
func check(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String) {
    if !condition() { fatalError("invariant violated: \(message())") }
}

let environment = ConfigEnvironment(
    variables: ["SHOPIFY_WEBHOOK_SECRET": "shpss_fuzz", "SECRET": "s3cr3t", "EMPTY": "", "PORT": "8080"],
    readFile: { path in path.hasSuffix(".json") ? Array(#"{"id":1,"type":"orders/paid","data":{"a":[1,2]}}"#.utf8) : nil })

let sampleBody = Array(#"{"id":820982911946154508,"financial_status":"paid","line_items":[{"sku":"A-1","price":"10.00"}],"customer":{"email":"a@b.c"},"n":1.5e3,"ok":true,"none":null}"#.utf8)
let sampleData = (try? JSONValue.parse(sampleBody)) ?? .null

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let file = ConfigFile(path: "routes.d/fuzz.yaml", bytes: bytes)
    let (table, diagnostics) = ConfigCompiler.compile([file], catalog: AdapterRegistry.catalog, environment: environment)
    check(table != nil || diagnostics.hasErrors, "no table and no error diagnostic")
    check(table == nil || !diagnostics.hasErrors, "a table despite errors")
    // Rendering walks every diagnostic (messages, locations, suggestions).
    _ = DiagnosticRenderer.text(diagnostics.sorted)
    _ = DiagnosticRenderer.json(diagnostics.sorted)
    for d in diagnostics.sorted {
        if let l = d.location { check(l.line >= 1 && l.column >= 1, "diagnostic at \(l.line):\(l.column) (1-based expected)") }
    }
    guard let table else { return 0 }
    // A compiled table must take an event without trapping: conditions and globs from fuzzed YAML run here.
    for s in table.sources {
        check(table.source(forPath: s.path)?.source == s.index, "source '\(s.name)' not found by its own path")
        for type in ["orders/paid", "refunds/create", "messages.upsert", ""] {
            let event = Event(id: "e1", source: s.name, type: type, time: Timestamp(seconds: 1_795_000_000),
                              receivedAt: Timestamp(seconds: 1_795_000_001), headers: [HTTPField("X-A", "b")],
                              attributes: JSONObject(), data: sampleData, body: sampleBody, contentType: "application/json")
            let matches = table.match(event, source: s.index)
            for m in matches {
                check(m.route >= 0 && m.route < table.routes.count && m.target >= 0 && m.target < table.targets.count, "match out of range")
            }
            _ = table.verdicts(event, source: s.index)
            _ = s.missingRequiredPaths(event)
        }
    }
    return 0
}
