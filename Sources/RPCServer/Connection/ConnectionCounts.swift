import Codec

/// How many connections are open, in all and per client address, and whether one more may
/// be: the rule behind `--max-connections` and `--max-connections-per-address`, as a value.
struct ConnectionCounts {
    let maxConnections: Int
    let maxPerAddress: Int
    private(set) var total = 0
    private var perAddress: [String: Int] = [:]

    init(maxConnections: Int, maxPerAddress: Int) {
        precondition(maxConnections > 0 && maxPerAddress > 0, "connection limits must be positive")
        self.maxConnections = maxConnections
        self.maxPerAddress = maxPerAddress
    }

    /// Counts a new connection from `address` (`nil`: a Unix socket, counted in the total only).
    /// - Returns: `nil` when it is admitted, else the status it is refused with (not counted).
    mutating func admit(address: String?) -> RPCStatus? {
        guard self.total < self.maxConnections else {
            return RPCStatus(.resourceExhausted, "the server has too many connections; try again later")
        }
        if let address {
            guard self.perAddress[address, default: 0] < self.maxPerAddress else {
                return RPCStatus(
                    .resourceExhausted,
                    "too many connections from your address (at most \(self.maxPerAddress)); reuse one"
                )
            }
            self.perAddress[address, default: 0] += 1
        }
        self.total += 1
        return nil
    }

    /// An admitted connection closed.
    mutating func release(address: String?) {
        self.total -= 1
        if let address, let count = self.perAddress[address] {
            self.perAddress[address] = count > 1 ? count - 1 : nil
        }
    }
}
