import Rules

/// The `hookrouter` entry point: dispatches to subcommands.
public enum HookrouterCLI {
    nonisolated(unsafe) static let commands: [any Command.Type] = [
        ServeCommand.self, CheckCommand.self, TestCommand.self, ExplainCommand.self, ReloadCommand.self,
        DeliveriesCommand.self, ReplayCommand.self, SendCommand.self,
    ]

    public static func main(_ arguments: [String]) -> Int32 {
        let args = Array(arguments.dropFirst())
        guard let first = args.first else {
            Output.stderr(overview)
            return ExitCode.usage
        }
        if first == "--help" || first == "-h" || first == "help" {
            Output.stdout(overview)
            return ExitCode.ok
        }
        if first == "--version" {
            Output.stdout("hookrouter \(version)\n")
            return ExitCode.ok
        }
        guard let command = commands.first(where: { $0.name == first }) else {
            let hint = Suggestion.hint(for: first, in: commands.map { $0.name })
            Output.stderr("hookrouter: unknown command '\(first)'\(hint); run 'hookrouter --help' for the list.\n")
            return ExitCode.usage
        }
        let rest = Array(args.dropFirst())
        if rest.contains("--help") || rest.contains("-h") {
            Output.stdout(command.usage)
            return ExitCode.ok
        }
        return command.run(rest)
    }

    static let version = "0.1.0"

    static var overview: String {
        var s = "hookrouter: receives provider webhooks, verifies, routes, stores and delivers them.\n\nUsage: hookrouter <command> [options]\n\nCommands:\n"
        for c in commands {
            s += "  " + c.name.padding(12) + c.summary + "\n"
        }
        s += "\nRun 'hookrouter <command> --help' for a command's options.\n"
        return s
    }
}

extension String {
    func padding(_ width: Int) -> String {
        count >= width ? self + " " : self + String(repeating: " ", count: width - count)
    }
}
