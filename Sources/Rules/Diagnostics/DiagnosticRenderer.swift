/// Renders diagnostics as text lines or as the JSON array of SPEC §2.1.
public enum DiagnosticRenderer {
    public static func text(_ diagnostics: [Diagnostic]) -> String {
        diagnostics.map { $0.description + "\n" }.joined()
    }

    /// `[{"file","line","column","severity","message"}]`
    public static func json(_ diagnostics: [Diagnostic]) -> String {
        var array: [JSONValue] = []
        for d in diagnostics {
            var object = JSONObject()
            object["file"] = d.location.map { .string($0.file) } ?? .null
            object["line"] = d.location.map { .number(JSONNumber($0.line)) } ?? .null
            object["column"] = d.location.map { .number(JSONNumber($0.column)) } ?? .null
            object["severity"] = .string(d.severity.rawValue)
            object["code"] = .string(d.code)
            object["message"] = .string(d.message)
            array.append(.object(object))
        }
        return JSONValue.array(array).serialized
    }
}
