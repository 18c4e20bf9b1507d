/// Commands whose issues have not landed yet: they say so and exit 2 rather than pretend.
enum DeliveriesCommand: Command {
    static let name = "deliveries"
    static let summary = "list deliveries from the store"
    static let usage = "Usage: hookrouter deliveries [--status S] [--target T] [--limit N] [--format text|json]\n\nNot available yet in this build.\n"
    static func run(_ args: [String]) -> Int32 { pending(name) }
}

enum ReplayCommand: Command {
    static let name = "replay"
    static let summary = "put deliveries back in the queue"
    static let usage = "Usage: hookrouter replay ID... | --status dead [--target T]\n\nNot available yet in this build.\n"
    static func run(_ args: [String]) -> Int32 { pending(name) }
}

enum SendCommand: Command {
    static let name = "send"
    static let summary = "send a test delivery to one target now"
    static let usage = "Usage: hookrouter send --target T [--type TYPE] [FILE]\n\nNot available yet in this build.\n"
    static func run(_ args: [String]) -> Int32 { pending(name) }
}

private func pending(_ name: String) -> Int32 {
    Output.stderr("hookrouter \(name): not implemented in this build yet (see the issue tracker); nothing was done.\n")
    return ExitCode.usage
}
