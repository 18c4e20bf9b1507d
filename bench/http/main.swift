// Times HTTPHeadParser.parse on request heads: the workload's (wrk's lua script) and a Shopify-like
// 15-header one. Parses are timed in batches (a clock read costs about as much as a short parse);
// reports the 10th percentile and the median ns per parse over the batches.
// Run: swift build -c release --product hookrouter-bench-http && taskset -c 0 .build/release/hookrouter-bench-http
// Arguments: the number of batches (default 20000; a few hundred suit valgrind --tool=callgrind), then
// optionally the one head to time (a prefix of its name).
import HTTPServer
#if canImport(Glibc)
import Glibc
#endif

let workloadHead = "POST /in/fiscal HTTP/1.1\r\nHost: 127.0.0.1:18082\r\nContent-Length: 1285\r\n"
    + "Content-Type: application/json\r\n"
    + "X-Webhook-Signature: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\r\n"
    + "X-Request-Id: 3f2b8c1e-7d4a-4e9b-a1c2-5d6e7f8091a2\r\n\r\n"

let shopifyHead = "POST /in/shopify HTTP/1.1\r\nHost: hooks.example.com\r\nUser-Agent: Shopify-Captain-Hook\r\n"
    + "Content-Length: 1285\r\nAccept: */*\r\nAccept-Encoding: gzip;q=1.0,deflate;q=0.6,identity;q=0.3\r\n"
    + "Content-Type: application/json\r\nX-Shopify-Api-Version: 2024-07\r\n"
    + "X-Shopify-Hmac-Sha256: XWmrwMey6OsLMeiZKwP4FppHH3cmAiiJJAweH5Jo4bM=\r\n"
    + "X-Shopify-Shop-Domain: aurora-moda.myshopify.com\r\nX-Shopify-Topic: orders/create\r\n"
    + "X-Shopify-Triggered-At: 2026-11-18T11:32:05.123456789Z\r\n"
    + "X-Shopify-Webhook-Id: b54557e4-bdd9-4b37-8a5f-bf7d70bcd043\r\n"
    + "X-Shopify-Event-Id: 98880550-7158-44d4-b7cd-2c97c8a091b5\r\n"
    + "Traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\r\nConnection: close\r\n\r\n"

func nanoseconds() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
}

/// (10th percentile, median) of the ns per parse over `batches` batches of `perBatch` parses.
func time(_ head: String, batches: Int, perBatch: Int = 64) -> (p10: Double, median: Double) {
    let bytes = Array(head.utf8)
    var samples = [Double](repeating: 0, count: batches)
    var check = 0
    bytes.withUnsafeBufferPointer { buf in
        for b in 0..<(batches + batches / 10) {  // the first tenth warms up
            let start = nanoseconds()
            for _ in 0..<perBatch {
                guard case .complete(let h, let length) = HTTPHeadParser.parse(buf) else {
                    print("the head did not parse; the bench is broken"); exit(1)
                }
                check &+= length &+ h.headers.count
            }
            if b >= batches / 10 { samples[b - batches / 10] = Double(nanoseconds() - start) / Double(perBatch) }
        }
    }
    if check == 0 { print("nothing parsed"); exit(1) }
    samples.sort()
    return (samples[batches / 10], samples[batches / 2])
}

print("head                 bytes  fields   p10 ns  median ns")
let only = CommandLine.arguments.dropFirst(2).first ?? ""
for (name, head, fields) in [("workload (wrk)", workloadHead, 5), ("shopify-like", shopifyHead, 15)] where name.hasPrefix(only) {
    let (p10, median) = time(head, batches: CommandLine.arguments.dropFirst().first.flatMap { Int($0) } ?? 20_000)
    print(name.padding(20) + String(head.utf8.count).leftPadding(6) + String(fields).leftPadding(8)
          + String(Int(p10.rounded())).leftPadding(9) + String(Int(median.rounded())).leftPadding(11))
}

extension String {
    func padding(_ n: Int) -> String { count >= n ? self : self + String(repeating: " ", count: n - count) }
    func leftPadding(_ n: Int) -> String { count >= n ? self : String(repeating: " ", count: n - count) + self }
}
