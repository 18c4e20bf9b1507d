// swift-tools-version:6.0
import PackageDescription

// No Swift package dependencies: C system libraries only (see DESIGN.md).
let package = Package(
    name: "hookrouter",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "hookrouter", targets: ["hookrouter"]),
        .executable(name: "hookrouter-bench-adapters", targets: ["hookrouter-bench-adapters"]),
        .executable(name: "hookrouter-bench-json", targets: ["hookrouter-bench-json"]),
        .executable(name: "hookrouter-bench-http", targets: ["hookrouter-bench-http"]),
    ],
    targets: [
        .systemLibrary(name: "CYAML", path: "Sources/CYAML", pkgConfig: "yaml-0.1",
                       providers: [.apt(["libyaml-dev"])]),
        .systemLibrary(name: "CCrypto", path: "Sources/CCrypto", pkgConfig: "libcrypto",
                       providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CCurl", path: "Sources/CCurl", pkgConfig: "libcurl",
                       providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite", pkgConfig: "sqlite3",
                       providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CLinux", path: "Sources/CLinux"),
        .systemLibrary(name: "CPostgres", path: "Sources/CPostgres"),

        .target(name: "HTTPServer", dependencies: ["CLinux"]),
        .target(name: "Rules", dependencies: ["CYAML"]),
        .target(name: "Adapters", dependencies: ["Rules", "CCrypto"]),
        .target(name: "Router", dependencies: ["HTTPServer", "Rules", "Adapters", "CSQLite", "CCurl", "CCrypto", "CLinux", "CPostgres"]),
        .executableTarget(name: "hookrouter", dependencies: ["Router"]),
        .executableTarget(name: "hookrouter-bench-match", dependencies: ["Rules"], path: "bench/match"),
        .executableTarget(name: "hookrouter-bench-adapters", dependencies: ["Adapters", "Rules"], path: "bench/adapters"),
        .executableTarget(name: "hookrouter-bench-json", dependencies: ["Rules"], path: "bench/json"),
        .executableTarget(name: "hookrouter-bench-http", dependencies: ["HTTPServer"], path: "bench/http"),

        .testTarget(name: "RulesTests", dependencies: ["Rules", "Adapters"]),
        .testTarget(name: "AdaptersTests", dependencies: ["Adapters", "Rules"]),
        .testTarget(name: "RouterTests", dependencies: ["Router", "Rules", "Adapters"], exclude: ["Fixtures"]),
        .testTarget(name: "HTTPServerTests", dependencies: ["HTTPServer"]),
    ]
)
