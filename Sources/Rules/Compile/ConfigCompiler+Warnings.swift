extension ConfigCompiler {
    /// Routes that can never match because an earlier `final` route without conditions takes every
    /// event they would.
    func warnAboutRoutes(_ routes: [Route], sources: [Source]) {
        for (i, route) in routes.enumerated() {
            for earlier in routes[..<i] where earlier.final && earlier.condition == nil {
                guard Set(route.sources).isSubset(of: earlier.sources), covers(earlier.events, route.events) else { continue }
                context.warning("shadowed", "route '\(route.name)' can never match: final route '\(earlier.name)' at \(earlier.location) takes every event it would; move it above or drop 'final'", at: route.location)
                break
            }
        }
    }

    /// Whether every type `inner` takes is taken by `outer`.
    private func covers(_ outer: [EventPattern], _ inner: [EventPattern]) -> Bool {
        if outer.isEmpty { return true }
        if inner.isEmpty { return false }
        return inner.allSatisfy { i in outer.contains { o in o.matches(i.text) } }
    }
}
