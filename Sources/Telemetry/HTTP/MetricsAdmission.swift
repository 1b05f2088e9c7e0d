/// Which connections the metrics listener serves, as a value the listener keeps under a lock.
///
/// `maxConnections` are served fully, at most `maxPerAddress` of them from one address, so that
/// one client (a misconfigured scraper, or a trickle of bytes on many connections) cannot hold
/// them all. Past `maxConnections`, `probeConnections` more are kept for probes: they answer
/// `/healthz` and `/readyz`, and `/metrics` with 503, so a kubelet's probe is answered even while
/// scrapers hold every other slot.
struct MetricsAdmission: Sendable {
    enum Decision: Equatable {
        /// Serve it; `probesOnly` when it took a slot kept for probes.
        case serve(probesOnly: Bool)
        /// Close it at once.
        case refuse
    }

    let maxConnections: Int
    let probeConnections: Int
    let maxPerAddress: Int
    private(set) var open = 0
    private(set) var openProbeSlots = 0
    private var perAddress: [String: Int] = [:]

    init(maxConnections: Int, probeConnections: Int, maxPerAddress: Int) {
        self.maxConnections = maxConnections
        self.probeConnections = probeConnections
        self.maxPerAddress = maxPerAddress
    }

    /// A new connection from `address` (`SocketAddress.clientKey`: an IPv6 client by its /64, as
    /// the RPC listeners count it; `nil` when the socket has none, counted as one address).
    mutating func admit(address: String?) -> Decision {
        let key = address ?? ""
        guard self.perAddress[key, default: 0] < self.maxPerAddress else { return .refuse }
        let decision: Decision
        if self.open < self.maxConnections {
            self.open += 1
            decision = .serve(probesOnly: false)
        } else if self.openProbeSlots < self.probeConnections {
            self.openProbeSlots += 1
            decision = .serve(probesOnly: true)
        } else {
            return .refuse
        }
        self.perAddress[key, default: 0] += 1
        return decision
    }

    /// A connection `admit` served has closed.
    mutating func release(address: String?, probesOnly: Bool) {
        let key = address ?? ""
        if probesOnly {
            self.openProbeSlots -= 1
        } else {
            self.open -= 1
        }
        let left = self.perAddress[key, default: 1] - 1
        self.perAddress[key] = left > 0 ? left : nil
    }

    /// Addresses with a connection open now (bounded by the connections).
    var addresses: Int { self.perAddress.count }
}
