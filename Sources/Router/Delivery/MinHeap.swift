/// A binary min-heap ordered by `key` (due time): the delivery queue of one target.
struct MinHeap<Element> {
    private var items: [Element] = []
    private let key: (Element) -> Int64

    init(key: @escaping (Element) -> Int64) { self.key = key }

    var count: Int { items.count }
    var isEmpty: Bool { items.isEmpty }
    var first: Element? { items.first }

    mutating func push(_ e: Element) {
        items.append(e)
        var i = items.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard key(items[i]) < key(items[parent]) else { break }
            items.swapAt(i, parent)
            i = parent
        }
    }

    mutating func pop() -> Element? {
        guard !items.isEmpty else { return nil }
        items.swapAt(0, items.count - 1)
        let top = items.removeLast()
        var i = 0
        while true {
            let l = 2 * i + 1, r = l + 1
            var smallest = i
            if l < items.count, key(items[l]) < key(items[smallest]) { smallest = l }
            if r < items.count, key(items[r]) < key(items[smallest]) { smallest = r }
            if smallest == i { break }
            items.swapAt(i, smallest)
            i = smallest
        }
        return top
    }

    /// Every element, in no particular order.
    var elements: [Element] { items }
}
