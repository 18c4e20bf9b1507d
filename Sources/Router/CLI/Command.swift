import Rules

/// What a subcommand needs: its arguments and where to write.
protocol Command {
    static var name: String { get }
    static var summary: String { get }
    static var usage: String { get }
    /// Runs and returns the exit code.
    static func run(_ args: [String]) -> Int32
}

extension Command {
    /// One sentence on stderr naming what to fix, and the usage exit code.
    static func usageError(_ message: String) -> Int32 {
        Output.stderr("hookrouter \(name): \(message); see 'hookrouter \(name) --help'.\n")
        return ExitCode.usage
    }

    /// One sentence on stderr, and the failure exit code.
    static func failure(_ message: String) -> Int32 {
        Output.stderr("hookrouter \(name): \(message).\n")
        return ExitCode.failure
    }
}

/// Exit codes shared by the subcommands (SPEC §1).
enum ExitCode {
    static let ok: Int32 = 0
    static let failure: Int32 = 1
    static let usage: Int32 = 2
}
