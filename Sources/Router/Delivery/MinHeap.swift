/// A binary min-heap ordered by `key` (due time): the delivery queue of one target.
///
/// Each slot keeps its key beside its element, read once at push: comparing through the elements
/// would retain and release two of them per comparison (they are classes), ~16 per delivery popped.
struct MinHeap<Element> {
    private var items: [(key: Int64, element: Element)] = []
    private let key: (Element) -> Int64

    init(key: @escaping (Element) -> Int64) { self.key = key }

    var count: Int { items.count }
    var isEmpty: Bool { items.isEmpty }
    var first: Element? { items.first?.element }

    mutating func push(_ e: Element) {
        let k = key(e)
        items.append((k, e))
        var i = items.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard k < items[parent].key else { break }
            items.swapAt(i, parent)
            i = parent
        }
    }

    mutating func pop() -> Element? {
        guard !items.isEmpty else { return nil }
        items.swapAt(0, items.count - 1)
        let top = items.removeLast().element
        var i = 0
        while true {
            let l = 2 * i + 1, r = l + 1
            var smallest = i
            if l < items.count, items[l].key < items[smallest].key { smallest = l }
            if r < items.count, items[r].key < items[smallest].key { smallest = r }
            if smallest == i { break }
            items.swapAt(i, smallest)
            i = smallest
        }
        return top
    }

    /// Every element, in no particular order.
    var elements: [Element] { items.map(\.element) }
}
