import Rules

/// No authentication at all: an explicit opt-out that `check` warns about.
struct NoneKind: AdapterKind {
    let name = "none"
    let configKeys = ["type"]
    let eventTypes: [String] = []
    var isUnauthenticated: Bool { true }

    func make(_ config: MappingReader, source: String) -> (any WebhookAdapter)? {
        guard let text = config.string("type") else { return NoneAdapter(typePath: nil) }
        guard let path = AdapterSupport.bodyPath(config, text, at: config.value("type")?.location) else { return nil }
        return NoneAdapter(typePath: path)
    }
}

struct NoneAdapter: WebhookAdapter {
    let typePath: FieldPath?
    let credentialHeaders: [String] = []
    let credentialFields: [FieldPath] = []

    var bodyPaths: [FieldPath]? { typePath.map { [$0] } ?? [] }

    func receive(_ request: InboundRequest, source: String, now: Timestamp) throws(AdapterError) -> Event {
        let data = try AdapterSupport.parse(request)
        let type = AdapterSupport.nonEmpty(typePath.flatMap { $0.firstValue(in: data)?.stringValue }) ?? source
        return AdapterSupport.event(request, source: source, type: type, id: AdapterSupport.bodyHash(request.body), time: nil, now: now,
                                    attributes: JSONObject(), data: data, dropping: [])
    }

    func sign(_ request: inout InboundRequest, now: Timestamp) {}
}
