import Adapters
import Rules
@testable import Router

/// Compiles route files given as text, with no environment and no file access.
func compileTable(_ yaml: String, files: [String: [UInt8]] = [:]) throws -> RouteTable {
    struct CompileFailed: Error, CustomStringConvertible { let description: String }
    let (table, diagnostics) = ConfigCompiler.compile([ConfigFile(path: "t.yaml", bytes: Array(yaml.utf8))], catalog: AdapterRegistry.catalog,
                                                      environment: ConfigEnvironment(variables: [:], readFile: { files[$0] }))
    guard let table else { throw CompileFailed(description: diagnostics.sorted.map(\.description).joined(separator: "\n")) }
    return table
}

/// An event as an adapter would make it, for builder tests that need no adapter.
func sampleEvent(body: String = #"{"id":820982911946154508,"financial_status":"paid","total":"229.60"}"#,
                 contentType: String = "application/json; charset=utf-8") throws -> Event {
    Event(id: "b54557e4", source: "shopify", type: "orders/paid", time: Timestamp(seconds: 1_795_000_000),
          receivedAt: Timestamp(seconds: 1_795_000_001), headers: [HTTPField("x-shopify-shop-domain", "loja.myshopify.com")],
          attributes: JSONObject([("shop_domain", "loja.myshopify.com")]), data: try JSONValue.parse(Array(body.utf8)),
          body: Array(body.utf8), contentType: contentType)
}

/// The directory of the package, from this file's path (tests run from anywhere).
let packageRoot: String = {
    var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
    parts.removeLast(3)  // Tests/RouterTests/Support.swift
    return parts.joined(separator: "/")
}()
