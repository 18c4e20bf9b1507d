import Testing
@testable import Rules

/// Templates keep JSON types for whole-string paths and interpolate text elsewhere (SPEC §5.2).
struct TemplateTests {
    func render(_ yaml: String, _ e: Event) throws -> String {
        let (table, diagnostics) = compile(["a.yaml": baseConfig + """
            routes:
              - name: r
                from: shop
                to: [inventory]
                body: template
                template: \(yaml)
            """])
        let t = try #require(table, "\(rendered(diagnostics))")
        guard case .template(let template) = t.routes[0].body else {
            Issue.record("not a template")
            return ""
        }
        return template.render(e).serialized
    }

    let order = event(type: "orders/paid", data: #"{"id":820982911946154508,"total_price":"229.60","paid":true,"line_items":[{"sku":"A1"},{"sku":"B2"}],"note":null}"#)

    @Test func fiscalFormatKeepsTypes() throws {
        let out = try render(#"{ evento: "${{ type }}", timestamp: "${{ time }}", dados: "${{ data }}" }"#, order)
        #expect(out == #"{"evento":"orders/paid","timestamp":"2026-11-18T11:06:40Z","dados":{"id":820982911946154508,"total_price":"229.60","paid":true,"line_items":[{"sku":"A1"},{"sku":"B2"}],"note":null}}"#)
    }

    @Test func bigIntegersStayExact() throws {
        #expect(try render(#"{ id: "${{ data.id }}" }"#, order) == #"{"id":820982911946154508}"#)
    }

    @Test func textInterpolation() throws {
        let out = try render(#"{ msg: "Pedido ${{ data.id }} pago: R$ ${{ data.total_price }} (${{ data.paid }})" }"#, order)
        #expect(out == #"{"msg":"Pedido 820982911946154508 pago: R$ 229.60 (true)"}"#)
    }

    @Test func absentPathIsNullOrEmptyText() throws {
        #expect(try render(#"{ a: "${{ data.missing }}", b: "x${{ data.missing }}y", c: "${{ data.note }}" }"#, order)
                == #"{"a":null,"b":"xy","c":null}"#)
    }

    @Test func wildcardCollectsAnArray() throws {
        #expect(try render(#"{ skus: "${{ data.line_items[*].sku }}" }"#, order) == #"{"skus":["A1","B2"]}"#)
    }

    @Test func literalsKeepTheirYAMLTypes() throws {
        #expect(try render(#"{ n: 5, t: true, s: "5", list: [1, "${{ source }}"] }"#, order) == #"{"n":5,"t":true,"s":"5","list":[1,"shop"]}"#)
    }
}
