/// When each call in flight on one connection was sent (or scheduled), by call id. Call ids
/// are sequential per connection, so a slot per id modulo a power of two finds almost every
/// call without hashing; a call still unanswered when its slot comes round again (a call the
/// server holds while many later ones are answered) moves to a dictionary, so none is lost.
struct InFlightCalls {
    /// The call id in each slot; 0 for none (call ids start at 1).
    private var ids: [UInt64]
    private var times: [UInt64]
    private let mask: Int
    private var overflow: [UInt64: UInt64] = [:]
    private(set) var count = 0

    /// - Parameter capacity: the calls usually in flight at once.
    init(capacity: Int) {
        var slots = 64
        while slots < capacity * 2 {
            slots *= 2
        }
        self.ids = Array(repeating: 0, count: slots)
        self.times = Array(repeating: 0, count: slots)
        self.mask = slots - 1
    }

    var isEmpty: Bool { self.count == 0 }

    mutating func insert(_ callID: UInt64, at time: UInt64) {
        let slot = Int(truncatingIfNeeded: callID) & self.mask
        if self.ids[slot] != 0 {
            self.overflow[self.ids[slot]] = self.times[slot]
        }
        self.ids[slot] = callID
        self.times[slot] = time
        self.count += 1
    }

    /// The time of `callID`, which is no longer in flight; `nil` for a call not in flight.
    mutating func remove(_ callID: UInt64) -> UInt64? {
        let slot = Int(truncatingIfNeeded: callID) & self.mask
        if callID != 0, self.ids[slot] == callID {
            self.ids[slot] = 0
            self.count -= 1
            return self.times[slot]
        }
        guard !self.overflow.isEmpty, let time = self.overflow.removeValue(forKey: callID) else { return nil }
        self.count -= 1
        return time
    }
}
