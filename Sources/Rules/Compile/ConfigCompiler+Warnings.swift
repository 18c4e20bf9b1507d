extension ConfigCompiler {
    /// Routes that can never match because an earlier `final` route without conditions takes every
    /// event they would.
    func warnAboutRoutes(_ routes: [Route], sources: [Source]) {
        var catchAll: [Route] = []  // final routes without conditions seen so far
        for route in routes {
            defer { if route.final && route.condition == nil { catchAll.append(route) } }
            for earlier in catchAll {
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
