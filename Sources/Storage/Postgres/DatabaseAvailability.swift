/// Whether the database answers, as the store's last calls saw it: a circuit breaker.
///
/// Once a call found the database unreachable (a lost connection, no answer in time), the
/// store knows it is down, and calls fail with UNAVAILABLE at once instead of each waiting
/// out the database timeout. Probes still go through: Health's, every second, and (for a
/// store with no prober) one ordinary call whenever no probe started for `fallbackProbeInterval`.
/// The call that found the database unreachable counts as such a look: the ordinary call
/// right after it is refused, not made to wait out the timeout again.
/// The first probe that gets an answer brings the store back; no restart is needed.
struct DatabaseAvailability {
    enum Admission: Equatable {
        /// Go to the database; `asProbe`: while it is down.
        case proceed(asProbe: Bool)
        /// Fail at once: the database is known to be down.
        case refuse
    }

    /// How a call admitted ended.
    enum Outcome {
        /// The database answered (a success, or an error of its own such as a conflict).
        case answered
        /// The database could not be reached, or did not answer in time.
        case unreachable
        /// Neither: the caller gave up (cancelled) before learning anything.
        case unknown
    }

    let fallbackProbeInterval: Duration
    private(set) var isDown = false
    private var probesInFlight = 0
    private var lastProbeStart: ContinuousClock.Instant?

    init(fallbackProbeInterval: Duration = .seconds(30)) {
        self.fallbackProbeInterval = fallbackProbeInterval
    }

    /// - Parameter probe: whether the caller asks only to learn if the database answers.
    mutating func admit(probe: Bool, now: ContinuousClock.Instant) -> Admission {
        guard self.isDown else { return .proceed(asProbe: false) }
        let fallbackDue =
            self.probesInFlight == 0
            && self.lastProbeStart.map { now - $0 >= self.fallbackProbeInterval } ?? true
        guard probe || fallbackDue else { return .refuse }
        self.probesInFlight += 1
        self.lastProbeStart = now
        return .proceed(asProbe: true)
    }

    mutating func finished(_ outcome: Outcome, asProbe: Bool, now: ContinuousClock.Instant) {
        if asProbe {
            self.probesInFlight -= 1
        }
        switch outcome {
        case .answered:
            self.isDown = false
        case .unreachable:
            if !self.isDown {
                self.isDown = true
                self.lastProbeStart = now
            }
        case .unknown:
            break
        }
    }
}
