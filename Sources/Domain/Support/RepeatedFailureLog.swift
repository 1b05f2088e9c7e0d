/// Decides when a failure that repeats is written to the log: the first at once, then at most
/// one line per `interval`, which says how many failures it stands for; and, once the work
/// succeeds again after a streak that was written, one line saying so. A loop that retries
/// during an outage thus logs a few lines a minute, however fast it fails, and so does work that
/// flaps between failing and succeeding. A value on a given clock's instants, so tests drive it
/// on virtual time; the caller writes the lines.
public struct RepeatedFailureLog: Sendable {
    /// What to write for a failure: nothing, or one line for `failures` of them (this one
    /// included, and those left unwritten since the last line).
    public enum Decision: Sendable, Equatable {
        case silent
        case log(failures: Int)
    }

    public let interval: Duration
    private var lastLine: ContinuousClock.Instant?
    private var unwritten = 0
    private var inARow = 0
    /// A line was written for the current streak of failures: its end deserves one too.
    private var streakWritten = false

    public init(interval: Duration = .seconds(60)) {
        self.interval = interval
    }

    /// A failure at `now`.
    public mutating func failed(at now: ContinuousClock.Instant) -> Decision {
        self.unwritten += 1
        self.inARow += 1
        if let last = self.lastLine, now - last < self.interval {
            return .silent
        }
        self.lastLine = now
        self.streakWritten = true
        defer { self.unwritten = 0 }
        return .log(failures: self.unwritten)
    }

    /// A success: how many failures in a row it ends, when a line was written for them (for a
    /// "recovered" line); else `nil`. The interval still holds for the next failure's line.
    public mutating func succeeded() -> Int? {
        defer {
            self.inARow = 0
            self.unwritten = 0
            self.streakWritten = false
        }
        return self.streakWritten ? self.inARow : nil
    }
}
