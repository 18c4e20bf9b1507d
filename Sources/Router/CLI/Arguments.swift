import Rules

/// A small, strict command-line parser: `--flag value`, `--flag=value`, repeated flags, positionals.
struct Arguments {
    struct UsageError: Error, CustomStringConvertible {
        let description: String
    }

    private(set) var options: [String: [String]] = [:]
    private(set) var switches: Set<String> = []
    private(set) var positionals: [String] = []

    /// `valued` take a value; `flags` do not. Anything else starting with `-` is a usage error.
    init(_ args: [String], valued: Set<String>, flags: Set<String>) throws(UsageError) {
        var i = 0
        while i < args.count {
            let arg = args[i]
            i += 1
            if arg == "--" {
                positionals += args[i...]
                break
            }
            guard arg.hasPrefix("-"), arg != "-" else {
                positionals.append(arg)
                continue
            }
            var name = arg
            var inline: String?
            if let eq = arg.firstIndex(of: "=") {
                name = String(arg[..<eq])
                inline = String(arg[arg.index(after: eq)...])
            }
            if flags.contains(name), inline == nil {
                switches.insert(name)
            } else if valued.contains(name) {
                if let inline {
                    options[name, default: []].append(inline)
                } else {
                    guard i < args.count else { throw UsageError(description: "\(name) needs a value") }
                    options[name, default: []].append(args[i])
                    i += 1
                }
            } else {
                let known = Array(valued) + Array(flags)
                let hint = known.isEmpty ? "" : Suggestion.hint(for: name, in: known)
                throw UsageError(description: "unknown option '\(name)'\(hint)")
            }
        }
    }

    func value(_ name: String) -> String? { options[name]?.last }
    func values(_ name: String) -> [String] { options[name] ?? [] }
    func has(_ name: String) -> Bool { switches.contains(name) }
}
