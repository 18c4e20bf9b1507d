import Rules

/// `hookrouter test [DIR]`: runs the `tests:` cases of the route files (SPEC §3.3).
enum TestCommand: Command {
    static let name = "test"
    static let summary = "run the tests: cases declared in the route files"
    static let usage = """
        Usage: hookrouter test [DIR]

        Compiles every route file in DIR (default ./routes.d) and runs each `tests:` case: the request
        is signed with the source's own secret (unless the case's headers already carry one of the
        source's credential headers, so a case can test a forged or stale one), verified, normalised,
        checked against `require`, and matched; the outcome is compared with `expect`.

        Prints one line per case and a last line 'N passed, M failed'.

        Exit: 0 every case passed, 1 a case failed or the files do not compile, 2 usage.

        """

    static func run(_ args: [String]) -> Int32 {
        let parsed: Arguments
        do {
            parsed = try Arguments(args, valued: ["--config"], flags: [])
        } catch {
            Output.stderr("hookrouter test: \(error); see 'hookrouter test --help'.\n")
            return ExitCode.usage
        }
        guard parsed.positionals.count <= 1 else {
            Output.stderr("hookrouter test: takes one config directory, got \(parsed.positionals.count).\n")
            return ExitCode.usage
        }
        let directory = parsed.positionals.first ?? parsed.value("--config") ?? "./routes.d"
        guard let table = ConfigLoading.table(directory: directory, command: "test") else { return ExitCode.failure }

        let now = WallClock.now()
        var passed = 0, failed = 0
        for testCase in table.tests {
            if let why = TestRunner.failure(of: testCase, in: table, now: now) {
                failed += 1
                Output.stdout("FAIL \(testCase.name): \(why) (\(testCase.location))\n")
            } else {
                passed += 1
                Output.stdout("ok   \(testCase.name)\n")
            }
        }
        Output.stdout("\(passed) passed, \(failed) failed\n")
        return failed == 0 ? ExitCode.ok : ExitCode.failure
    }
}

/// Runs one `tests:` case; pure, so unit tests drive it without a process.
enum TestRunner {
    /// The request a case describes, signed as the provider would unless it brings its own credential.
    static func request(for testCase: TestCase, source: Source, now: Timestamp) -> InboundRequest {
        var request = InboundRequest(path: Reception.path(of: source, suffix: testCase.pathSuffix), pathSuffix: testCase.pathSuffix,
                                     headers: testCase.headers, body: testCase.body)
        if request.header("content-type") == nil { request.setHeader("Content-Type", "application/json") }
        let credentials = source.adapter.credentialHeaders
        let bringsCredential = testCase.headers.contains { field in credentials.contains { field.name.caseInsensitiveEquals($0) } }
        if !bringsCredential { source.adapter.sign(&request, now: now) }
        return request
    }

    /// Why the case fails, or nil when it passes.
    static func failure(of testCase: TestCase, in table: RouteTable, now: Timestamp) -> String? {
        let source = table.sources[testCase.source]
        let request = request(for: testCase, source: source, now: now)
        switch Reception.receive(request, at: source, in: table, now: now) {
        case .failure(let rejection):
            guard testCase.expectRejected else { return "rejected with \(rejection.status) (\(rejection))" }
            if let status = testCase.expectStatus, status != rejection.status {
                return "rejected with \(rejection.status) (\(rejection)), expected \(status)"
            }
            return nil
        case .success(let accepted):
            if testCase.expectRejected {
                return "expected a rejection, but source '\(source.name)' accepted it as '\(accepted.event.type)'"
            }
            var problems: [String] = []
            if let type = testCase.expectType, type != accepted.event.type {
                problems.append("type is '\(accepted.event.type)', expected '\(type)'")
            }
            var reached: [String] = []
            for m in accepted.matches where !reached.contains(table.targets[m.target].name) {
                reached.append(table.targets[m.target].name)
            }
            let missing = testCase.expectTargets.filter { !reached.contains($0) }
            let unwanted = testCase.expectNotTargets.filter { reached.contains($0) }
            if !missing.isEmpty {
                problems.append("expected target\(missing.count == 1 ? "" : "s") \(missing.joined(separator: ", ")) not reached")
            }
            if !unwanted.isEmpty {
                problems.append("target\(unwanted.count == 1 ? "" : "s") \(unwanted.joined(separator: ", ")) reached but listed in not_targets")
            }
            guard !problems.isEmpty else { return nil }
            let got = reached.isEmpty ? "no target" : reached.joined(separator: ", ")
            let byRoute = Set(accepted.matches.map { table.routes[$0.route].name }).sorted()
            let via = byRoute.isEmpty ? "" : " via \(byRoute.joined(separator: ", "))"
            return problems.joined(separator: "; ") + " (type '\(accepted.event.type)' reached \(got)\(via))"
        }
    }
}
