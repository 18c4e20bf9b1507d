import Rules

/// `hookrouter check [DIR] [--format text|json] [--strict]`
enum CheckCommand: Command {
    static let name = "check"
    static let summary = "validate and compile every route file without starting anything"
    static let usage = """
        Usage: hookrouter check [DIR] [--format text|json] [--strict]

        Loads, validates and compiles every *.yaml/*.yml file in DIR (default ./routes.d) and prints
        each problem as file:line:column: severity: message.

        Options:
          --format text|json   output format (default text)
          --strict             treat warnings as errors

        Exit: 0 valid (warnings allowed unless --strict), 1 errors, 2 usage.

        """

    static func run(_ args: [String]) -> Int32 {
        let parsed: Arguments
        do {
            parsed = try Arguments(args, valued: ["--format", "--config"], flags: ["--strict"])
        } catch {
            Output.stderr("hookrouter check: \(error); see 'hookrouter check --help'.\n")
            return ExitCode.usage
        }
        let format = parsed.value("--format") ?? "text"
        guard format == "text" || format == "json" else {
            Output.stderr("hookrouter check: --format takes text or json, not '\(format)'.\n")
            return ExitCode.usage
        }
        guard parsed.positionals.count <= 1 else {
            Output.stderr("hookrouter check: takes one config directory, got \(parsed.positionals.count).\n")
            return ExitCode.usage
        }
        let directory = parsed.positionals.first ?? parsed.value("--config") ?? "./routes.d"
        let diagnostics: Diagnostics
        let table: RouteTable?
        do {
            (table, diagnostics) = try ConfigLoading.compile(directory: directory)
        } catch {
            Output.stderr("hookrouter check: \(error.message)\n")
            return ExitCode.failure
        }
        let items = diagnostics.sorted
        if format == "json" {
            Output.stdout(DiagnosticRenderer.json(items) + "\n")
        } else {
            Output.stderr(DiagnosticRenderer.text(items))
            let errors = diagnostics.errors.count, warnings = diagnostics.warnings.count
            if let table {
                Output.stdout("\(directory): ok: \(table.sources.count) sources, \(table.targets.count) targets, \(table.routes.count) routes, \(table.tests.count) tests; \(warnings) warning\(warnings == 1 ? "" : "s")\n")
            } else {
                Output.stderr("\(directory): \(errors) error\(errors == 1 ? "" : "s"), \(warnings) warning\(warnings == 1 ? "" : "s")\n")
            }
        }
        if diagnostics.hasErrors { return ExitCode.failure }
        if parsed.has("--strict"), !diagnostics.warnings.isEmpty { return ExitCode.failure }
        return ExitCode.ok
    }
}
