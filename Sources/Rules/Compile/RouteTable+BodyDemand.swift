extension RouteTable {
    /// What of a body posted to source `index` is read before it is stored: its adapter's fields, its
    /// `require` paths and the `data.` paths of the conditions of routes from it. nil: all of it (the
    /// adapter needs the whole body, or something tests `data` itself).
    public func bodyDemand(for index: Int) -> JSONDemand? { bodyDemands[index] }

    static func bodyDemand(for source: Source, routes: [Route]) -> JSONDemand? {
        guard var paths = source.adapter.bodyPaths else { return nil }
        let required = source.require.values.joined()
        let tested = routes.lazy.filter { $0.sources.contains(source.index) }.flatMap { $0.condition?.paths ?? [] }
        for p in Array(required) + tested where p.root == .data {
            paths.append(FieldPath(segments: Array(p.path.segments.dropFirst())))
        }
        let demand = JSONDemand(paths: paths)
        return demand.whole ? nil : demand
    }
}
