import Rules

/// Every adapter hookrouter ships, for the config compiler and `GET /api/events`.
public enum AdapterRegistry {
    public static let catalog = AdapterCatalog([
        ShopifyKind(), EvolutionKind(), UazapiKind(), OdooKind(), FocusNFeKind(), HMACKind(), StandardWebhooksKind(), NoneKind(),
    ])
}
