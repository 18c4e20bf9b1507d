import Rules

/// Focus NFe: the hook's `authorization` value arrives verbatim in its `authorization_header`.
struct FocusNFeKind: AdapterKind {
    let name = "focusnfe"
    let configKeys = ["authorization", "authorization_header", "document"]
    static let documents = ["nfe", "nfce", "nfse", "nfsen", "cte", "cte_os", "mdfe", "nfcom", "nfe_recebida", "cte_recebido", "nfse_recebida"]
    static let statuses = ["processando_autorizacao", "autorizado", "cancelado", "erro_autorizacao", "denegado", "erro_cancelamento"]

    var eventTypes: [String] {
        Self.documents.flatMap { d in Self.statuses.map { "\(d).\($0)" } } + ["nfe_recebida", "cte_recebido", "nfse_recebida"]
    }

    func make(_ config: MappingReader, source: String) -> (any WebhookAdapter)? {
        let secrets = config.secrets("authorization", required: true)
        let header = config.string("authorization_header") ?? "Authorization"
        let document = config.choice("document", Self.documents)
        guard let secrets else { return nil }
        return FocusNFeAdapter(secrets: secrets, header: header.lowercased(), document: document)
    }
}

struct FocusNFeAdapter: WebhookAdapter {
    let secrets: [Secret]
    let header: String
    let document: String?
    var credentialHeaders: [String] { [header] }
    let credentialFields: [FieldPath] = []

    var bodyPaths: [FieldPath]? {
        AdapterSupport.paths("status", "cnpj_emitente", "cnpj_prestador", "cnpj_destinatario", "cnpj", "ref", "numero_carta_correcao", "chave_cte", "nome_emitente", "manifestacao_destinatario", "numero_rps", "chave_nfe")
    }

    func receive(_ request: InboundRequest, source: String, now: Timestamp) throws(AdapterError) -> Event {
        guard let given = request.header(header) else { throw .unauthorized("missing \(header) header") }
        guard AdapterSupport.matchesAny(Array(given.utf8), secrets) else { throw .unauthorized("authorization does not match") }
        let data = try AdapterSupport.parseObject(request)
        let doc = document ?? Self.inferDocument(data)
        let status = data["status"]?.stringValue
        let cnpj = AdapterSupport.text(data["cnpj_emitente"] ?? data["cnpj_prestador"] ?? data["cnpj_destinatario"] ?? data["cnpj"]) ?? ""
        let ref = AdapterSupport.text(data["ref"]) ?? ""
        var attributes = JSONObject()
        attributes["document"] = .string(doc)
        attributes["cnpj"] = .string(cnpj)
        attributes["ref"] = .string(ref)
        if let status { attributes["status"] = .string(status) }
        // One ref legitimately moves erro_autorizacao → autorizado → cancelado: the status is part of the id.
        var id = "\(doc):\(cnpj):\(ref):\(status ?? "")"
        if let n = AdapterSupport.text(data["numero_carta_correcao"]) { id += ":\(n)" }
        if ref.isEmpty && cnpj.isEmpty { id = AdapterSupport.bodyHash(request.body) }
        return AdapterSupport.event(request, source: source, type: status.map { "\(doc).\($0)" } ?? doc, id: id, time: nil, now: now,
                                    attributes: attributes, data: data, dropping: credentialHeaders)
    }

    /// Focus sends no document name: infer it from the keys each document's body has.
    static func inferDocument(_ data: JSONValue) -> String {
        if data["chave_cte"] != nil { return "cte" }
        if data["nome_emitente"] != nil, data["manifestacao_destinatario"] != nil { return "nfe_recebida" }
        if data["cnpj_prestador"] != nil, data["numero_rps"] != nil { return "nfse" }
        if data["chave_nfe"] != nil || data["cnpj_emitente"] != nil { return "nfe" }
        return "nfe"
    }

    func sign(_ request: inout InboundRequest, now: Timestamp) {
        if let s = secrets.first { request.setHeader(header, s.text) }
    }
}
