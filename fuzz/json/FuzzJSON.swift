// libFuzzer target: the demand-driven parse (which skips what no path asks for, without building it)
// against the full parse, over arbitrary bytes. Built as module `Rules` from Sources/Rules/** by
// scripts/fuzz. Both must accept the same bodies and refuse the others with the same error at the same
// offset ("the same errors for the same bytes", JSONParser+Demand.swift), and what a demand keeps
// must equal the full value's member at that path.
//
// Input layout: byte 0 picks the demand (modulo `demands.count`), then a nesting limit (byte 1 modulo
// 8 plus 1: deep enough for the seeds, shallow enough to reach the limit's error); the rest is the body.

@inline(never)
func check(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String) {
    if !condition() { fatalError("invariant violated: \(message())") }
}

let demands: [[String]] = [
    ["evento"],
    ["dados.chave_acesso", "evento"],
    ["a[1].b", "c"],
    ["items[*].sku"],
    ["x.y.z"],
    ["id", "type", "data.object.id"],
]
let compiled = demands.map { paths in JSONDemand(paths: paths.map { try! FieldPath(parsing: $0) }) }
let fieldPaths = demands.map { paths in paths.map { try! FieldPath(parsing: $0) } }

func outcome(_ body: [UInt8], demand: JSONDemand?, maxDepth: Int) -> Result<JSONValue, JSONParseError> {
    do throws(JSONParseError) {
        return .success(try JSONValue.parse(body, demand: demand, maxDepth: maxDepth))
    } catch {
        return .failure(error)
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    guard size >= 2 else { return 0 }
    let which = Int(data[0]) % demands.count
    let maxDepth = Int(data[1]) % 8 + 1
    let body = Array(UnsafeBufferPointer(start: data + 2, count: size - 2))
    let whole = outcome(body, demand: nil, maxDepth: maxDepth)
    let kept = outcome(body, demand: compiled[which], maxDepth: maxDepth)
    switch (whole, kept) {
    case (.failure(let a), .failure(let b)):
        check(a == b, "whole parse: \(a); with a demand: \(b)")
    case (.success(let value), .success(let partial)):
        for path in fieldPaths[which] {
            var full: [JSONValue] = [], part: [JSONValue] = []
            path.forEachValue(in: value) { full.append($0); return true }
            path.forEachValue(in: partial) { part.append($0); return true }
            check(full == part, "\(path): whole \(full), kept \(part)")
        }
    case (.success, .failure(let e)):
        check(false, "only the demand refused it: \(e)")
    case (.failure(let e), .success):
        check(false, "only the whole parse refused it: \(e)")
    }
    return 0
}
