import Rules
public enum AdapterRegistry { public static let catalog = AdapterCatalog([]) }
