/// What compiling a config may read from the outside world: environment variables and secret files.
/// Passed in, so `check` and tests control it.
public struct ConfigEnvironment: Sendable {
    public var variables: [String: String]
    public var readFile: @Sendable (String) -> [UInt8]?

    public init(variables: [String: String], readFile: @escaping @Sendable (String) -> [UInt8]?) {
        self.variables = variables
        self.readFile = readFile
    }
}

/// Shared state of one compile: the environment and the findings so far. Single-threaded.
public final class ConfigContext {
    public var diagnostics = Diagnostics()
    public let environment: ConfigEnvironment
    let interpolation: Interpolation

    public init(environment: ConfigEnvironment) {
        self.environment = environment
        self.interpolation = Interpolation(environment: environment.variables)
    }

    public func error(_ code: String, _ message: String, at location: SourceLocation?) {
        diagnostics.error(code, message, at: location)
    }

    public func warning(_ code: String, _ message: String, at location: SourceLocation?) {
        diagnostics.warning(code, message, at: location)
    }

    /// `text` with `${VAR}` expanded, or nil with a diagnostic naming the variable.
    public func expand(_ text: String, at location: SourceLocation) -> String? {
        switch interpolation.expand(text) {
        case .success(let t): return t
        case .failure(.unset(let name)):
            error("env", "environment variable \(name) is not set; set it or give a default with ${\(name):-value}", at: location)
        case .failure(.malformed(let piece)):
            error("env", "malformed variable reference '\(piece)'; write ${NAME} or ${NAME:-default}", at: location)
        }
        return nil
    }
}
