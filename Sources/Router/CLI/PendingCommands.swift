/// Commands whose issues have not landed yet: they say so and exit 2 rather than pretend.
enum ReloadCommand: Command {
    static let name = "reload"
    static let summary = "ask the running server to reload its routes"
    static let usage = "Usage: hookrouter reload [--data DIR]\n\nNot available yet in this build.\n"
    static func run(_ args: [String]) -> Int32 { pending(name) }
}

private func pending(_ name: String) -> Int32 {
    Output.stderr("hookrouter \(name): not implemented in this build yet (see the issue tracker); nothing was done.\n")
    return ExitCode.usage
}
