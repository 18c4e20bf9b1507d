#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The parts of a JSON body that something reads: a source's adapter fields, its `require` paths and
/// the paths its routes test. Parsed with a demand, a body builds only those parts of the tree and
/// validates the rest without allocating: the body goes to the targets byte for byte, so a router
/// that reads three fields of a 1.5 KB order need not build (and free) the other sixty.
///
/// A value outside the demand is absent from the tree; an array element outside it is `null`, so
/// positions stay right. Whoever reads the tree must read only demanded paths: the adapters declare
/// theirs (`WebhookAdapter.bodyPaths`), conditions and `require` are collected by `RouteTable`.
public final class JSONDemand: Sendable {
    /// The value is built whole: a path ends here.
    let whole: Bool
    /// Members wanted by name, each already merged with what `[*]` asks of every member.
    let keys: [(key: String, demand: JSONDemand)]
    /// Elements wanted by position, each already merged with `members`.
    let indices: [(index: Int, demand: JSONDemand)]
    /// What `[*]` asks of every member or element.
    let members: JSONDemand?
    /// The names of `keys` as UTF-8, end to end, and where each ends: a plain key is found among them by
    /// its bytes, without a String (`entry(plain:)`).
    private let names: [UInt8]
    private let nameEnds: [Int]

    /// Everything: the tree a parse without a demand builds.
    public static let everything = JSONDemand(whole: true, keys: [], indices: [], members: nil)

    private init(whole: Bool, keys: [(key: String, demand: JSONDemand)], indices: [(index: Int, demand: JSONDemand)], members: JSONDemand?) {
        self.whole = whole
        self.keys = keys
        self.indices = indices
        self.members = members
        names = keys.flatMap { Array($0.key.utf8) }
        var end = 0
        nameEnds = keys.map { end += $0.key.utf8.count; return end }
    }

    /// The union of `paths`, each from the body's root (`evento`, `dados.itens[*].valor`). The empty
    /// path (the whole body) and no path at all are both allowed: `[]` wants nothing but validation.
    public convenience init(paths: [FieldPath]) {
        let root = Node()
        for path in paths { root.insert(path.segments[...]) }
        let frozen = root.frozen()
        self.init(whole: frozen.whole, keys: frozen.keys, indices: frozen.indices, members: frozen.members)
    }

    /// Where in `keys` the member `key` is, or nil (then `members` says what is wanted of it): the same
    /// UTF-8 length and ==, as `DuplicateKeys` tells keys apart below its scan limit.
    @inline(__always)
    func entry(named key: String) -> Int? {
        let length = key.utf8.count
        return keys.firstIndex { $0.key.utf8.count == length && $0.key == key }
    }

    /// `entry(named:)` for the plain key `text` (ASCII without escapes), by its bytes: a String of the
    /// same UTF-8 length as an ASCII one is == to it only with the same bytes (no canonical decomposition
    /// is all ASCII and as short as its scalar).
    @inline(__always)
    func entry(plain text: UnsafeBufferPointer<UInt8>) -> Int? {
        names.withUnsafeBufferPointer { names in
            nameEnds.withUnsafeBufferPointer { ends in
                var start = 0
                for i in 0..<ends.count {
                    let end = ends[i]
                    // An empty name may have no bytes to point at (`names` empty).
                    if end - start == text.count, text.isEmpty || memcmp(names.baseAddress! + start, text.baseAddress!, text.count) == 0 { return i }
                    start = end
                }
                return nil
            }
        }
    }

    /// What is wanted of element `index`, or nil to skip it.
    @inline(__always)
    func element(_ index: Int) -> JSONDemand? {
        for entry in indices where entry.index == index { return entry.demand }
        return members
    }

    /// A mutable trie of paths, frozen into demands once all are in.
    private final class Node {
        var whole = false
        var keys: [(String, Node)] = []
        var indices: [(Int, Node)] = []
        var members: Node?

        func insert(_ segments: ArraySlice<FieldPath.Segment>) {
            guard let first = segments.first else {
                whole = true
                return
            }
            let child: Node
            switch first {
            case .key(let k):
                if let existing = keys.first(where: { $0.0 == k }) { child = existing.1 } else { child = Node(); keys.append((k, child)) }
            case .index(let i):
                if let existing = indices.first(where: { $0.0 == i }) { child = existing.1 } else { child = Node(); indices.append((i, child)) }
            case .wildcard:
                if let members { child = members } else { child = Node(); members = child }
            }
            child.insert(segments.dropFirst())
        }

        /// A new node wanting what `self` and `other` want.
        func union(_ other: Node) -> Node {
            let u = Node()
            u.whole = whole || other.whole
            u.keys = keys
            for (k, n) in other.keys {
                if let i = u.keys.firstIndex(where: { $0.0 == k }) { u.keys[i].1 = u.keys[i].1.union(n) } else { u.keys.append((k, n)) }
            }
            u.indices = indices
            for (k, n) in other.indices {
                if let i = u.indices.firstIndex(where: { $0.0 == k }) { u.indices[i].1 = u.indices[i].1.union(n) } else { u.indices.append((k, n)) }
            }
            switch (members, other.members) {
            case (let a?, let b?): u.members = a.union(b)
            case (let a?, nil): u.members = a
            case (nil, let b?): u.members = b
            case (nil, nil): break
            }
            return u
        }

        func frozen() -> JSONDemand {
            if whole { return .everything }
            let members = self.members
            func withMembers(_ n: Node) -> JSONDemand { (members.map { n.union($0) } ?? n).frozen() }
            return JSONDemand(whole: false, keys: keys.map { ($0.0, withMembers($0.1)) },
                              indices: indices.map { ($0.0, withMembers($0.1)) }, members: members?.frozen())
        }
    }
}
