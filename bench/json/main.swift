// Times the JSON parser on webhook bodies: the whole body built, and only one demanded path built (as
// ingest parses a body whose source reads one field) with the rest checked; and writing the body back. Reports the 10th percentile of
// the time per parse (steadier than the median on a shared host).
// Run: swift build -c release --product hookrouter-bench-json && taskset -c 0 .build/release/hookrouter-bench-json
import Rules
#if canImport(Glibc)
import Glibc
#endif

/// The ingest bench's fiscal body (bench/ingest/fixture.bash): ~1.3 KB, UTF-8 text, no escapes.
func fiscalBody(items: Int) -> [UInt8] {
    var itens: [String] = []
    for i in 0..<items {
        let sku = "SKU-" + String(repeating: "0", count: max(0, 4 - String(i).count)) + String(i)
        itens.append(#"{"n":\#(i),"codigo":"\#(sku)","descricao":"Tecido de algodão cru 1,60 m","quantidade":"120.0000","valor":"107.28"}"#)
    }
    let dados = #"{"chave_acesso":"35261145678901000175550030000884171102938470","cnpj_emitente":"45678901000175","razao_social":"Têxtil Paulista Indústria e Comércio Ltda","valor_total":"12873.40","itens":[\#(itens.joined(separator: ","))]}"#
    return Array(#"{"evento":"nfe_importada","timestamp":"2026-11-18T08:32:05-03:00","dados":\#(dados)}"#.utf8)
}

/// Order lines with `\u` escapes, as Shopify sends non-ASCII text.
func escapedBody(size: Int) -> [UInt8] {
    let item = #"{"id":866550311766439020,"sku":"CAM-ORG-AZ-P","title":"Camiseta Algod\u00e3o Org\u00e2nico","price":"89.90","quantity":2,"taxable":true,"grams":180,"vendor":"Aurora"}"#
    var items: [String] = []
    while items.count * (item.utf8.count + 1) < size { items.append(item) }
    return Array(#"{"id":820982911946154508,"line_items":[\#(items.joined(separator: ","))]}"#.utf8)
}

func nanoseconds() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
}

func typicalNanoseconds(_ body: [UInt8], _ demand: JSONDemand?, iterations: Int) -> Int64 {
    var samples = [Int64](repeating: 0, count: iterations)
    for i in 0..<(iterations + iterations / 10) {
        let start = nanoseconds()
        guard (try? JSONValue.parse(body, demand: demand)) != nil else { print("the body did not parse; the bench is broken"); exit(1) }
        if i >= iterations / 10 { samples[i - iterations / 10] = nanoseconds() - start }
    }
    samples.sort()
    return samples[iterations / 10]  // the 10th percentile: this host's neighbours only ever add time
}

/// The same, for writing the parsed body back out (`serialized`: what the store and delivery encode).
func typicalWriteNanoseconds(_ value: JSONValue, iterations: Int) -> Int64 {
    var samples = [Int64](repeating: 0, count: iterations)
    var total = 0
    for i in 0..<(iterations + iterations / 10) {
        let start = nanoseconds()
        total &+= value.serialized.utf8.count
        if i >= iterations / 10 { samples[i - iterations / 10] = nanoseconds() - start }
    }
    if total == 0 { print("nothing was written; the bench is broken"); exit(1) }
    samples.sort()
    return samples[iterations / 10]
}

let oneField = JSONDemand(paths: [try! FieldPath(parsing: "evento")])
print("body                    bytes   whole ns   one-path ns   one-path ns/byte   write ns")
for (name, body, iterations) in [("fiscal (ingest bench)", fiscalBody(items: 9), 50_000), ("fiscal ×8", fiscalBody(items: 80), 10_000),
                                 ("escaped 64 KB", escapedBody(size: 65_536), 1_000)] {
    let whole = typicalNanoseconds(body, nil, iterations: iterations)
    let demanded = typicalNanoseconds(body, oneField, iterations: iterations)
    let hundredths = Int(Double(demanded) * 100 / Double(body.count))
    let perByte = String(hundredths / 100) + "." + String(String(hundredths % 100 + 100).dropFirst())
    var line = name.padding(20) + String(body.count).leftPadding(9)
    line += String(whole).leftPadding(11) + String(demanded).leftPadding(14) + perByte.leftPadding(19)
    line += String(typicalWriteNanoseconds(try! JSONValue.parse(body), iterations: iterations)).leftPadding(11)
    print(line)
}

extension String {
    func padding(_ n: Int) -> String { count >= n ? self : self + String(repeating: " ", count: n - count) }
    func leftPadding(_ n: Int) -> String { count >= n ? self : String(repeating: " ", count: n - count) + self }
}
