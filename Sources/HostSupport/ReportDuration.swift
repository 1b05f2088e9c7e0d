/// A length of time written as a whole number and a unit: `90m`, `24h`, `7d`, `2w`.
/// Used by `--view-hours-retention` and by the CLI's `--since`.
public struct ReportDuration: Sendable, Hashable, CustomStringConvertible {
    public let seconds: Int64
    public let description: String

    private static let units: [Character: Int64] = ["m": 60, "h": 3600, "d": 86_400, "w": 604_800]
    /// Longer than any window a report can have (10,000 days is 27 years).
    private static let maxSeconds: Int64 = 100 * 366 * 86_400

    /// `nil` unless `text` is a positive number followed by one of m, h, d, w, and at most 100 years.
    public init?(_ text: String) {
        guard let unit = text.last, let scale = Self.units[unit], let count = Int64(text.dropLast()), count > 0 else {
            return nil
        }
        let (seconds, overflow) = count.multipliedReportingOverflow(by: scale)
        guard !overflow, seconds <= Self.maxSeconds else { return nil }
        self.seconds = seconds
        self.description = text
    }
}
