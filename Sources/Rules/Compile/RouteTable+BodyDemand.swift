extension RouteTable {
    /// What of a body posted to source `index` is read before it is stored: its adapter's fields, its
    /// `require` paths and the `data.` paths of the conditions of routes from it. nil: all of it (the
    /// adapter needs the whole body, or something tests `data` itself).
    public func bodyDemand(for index: Int) -> JSONDemand? { bodyDemands[index] }

    static func bodyDemand(for source: Source, routes: [Route]) -> JSONDemand? {
        guard var paths = source.adapter.bodyPaths else { return nil }
        var read = Array(source.require.values.joined())
        for route in routes where route.sources.contains(source.index) {
            if let condition = route.condition { read += condition.paths }
        }
        for p in read where p.root == .data {
            paths.append(FieldPath(segments: Array(p.path.segments.dropFirst())))
        }
        let demand = JSONDemand(paths: paths)
        return demand.whole ? nil : demand
    }
}
