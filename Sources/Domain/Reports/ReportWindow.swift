public import Foundation

/// The size of a view bucket. Buckets are aligned to UTC hours or days and named by their
/// start, in seconds since 1970.
public enum ViewGranularity: Sendable, Hashable {
    case hour
    case day

    public var seconds: Int64 {
        switch self {
        case .hour: 3600
        case .day: 86_400
        }
    }

    /// The start of the bucket that holds `second`.
    public func bucketStart(containing second: Int64) -> Int64 {
        // Rounded toward minus infinity, so a time before 1970 lands in its own bucket too.
        second - ((second % self.seconds) + self.seconds) % self.seconds
    }

    /// The start of the first bucket at or after `second`.
    func bucketStart(atOrAfter second: Int64) -> Int64 {
        let start = self.bucketStart(containing: second)
        return start == second ? start : start + self.seconds
    }
}

/// The window of a report, widened to whole buckets: from `start` (inclusive) to `end`
/// (exclusive), in seconds since 1970. The response tells the caller the window it used.
public struct ReportWindow: Sendable, Hashable {
    public var start: Int64
    public var end: Int64
    public var granularity: ViewGranularity

    /// Hourly buckets are kept this long by default; then only daily ones.
    public static let defaultHourlyRetention: Int64 = 90 * 86_400
    /// A series has at most this many points.
    static let maxPoints = 10_000

    public init(start: Int64, end: Int64, granularity: ViewGranularity) {
        self.start = start
        self.end = end
        self.granularity = granularity
    }

    public var bucketCount: Int { Int((self.end - self.start) / self.granularity.seconds) }

    /// The window of equal length just before this one, for period-over-period figures.
    public var previous: ReportWindow {
        ReportWindow(start: self.start - (self.end - self.start), end: self.start, granularity: self.granularity)
    }

    /// The start of every bucket in the window, oldest first.
    public var bucketStarts: StrideTo<Int64> {
        stride(from: self.start, to: self.end, by: Int(self.granularity.seconds))
    }

    /// The window of a series at `granularity`, widened to whole buckets.
    /// - Throws: `invalidArgument` when the window is missing, empty or reversed, asks for
    ///   hours older than `hourlyRetention` (seconds before `now`), or has more than `maxPoints`.
    public static func series(
        start: Date?,
        end: Date?,
        granularity: ViewGranularity,
        now: Date,
        hourlyRetention: Int64 = Self.defaultHourlyRetention
    ) throws(DomainError) -> ReportWindow {
        let (from, to) = try self.bounds(start: start, end: end)
        let window = ReportWindow(
            start: granularity.bucketStart(containing: from),
            end: granularity.bucketStart(atOrAfter: to),
            granularity: granularity
        )
        if granularity == .hour, window.start < self.oldestHour(now: now, hourlyRetention: hourlyRetention) {
            throw DomainError.invalid([
                FieldViolation(
                    field: "start_time",
                    description:
                        "hourly views are kept for \(hourlyRetention / 86_400) days; ask for days (GRANULARITY_DAY)"
                )
            ])
        }
        guard window.bucketCount <= self.maxPoints else {
            throw DomainError.invalid([
                FieldViolation(
                    field: "end_time",
                    description: "a series has at most \(self.maxPoints) points, and this window has "
                        + "\(window.bucketCount); ask for a shorter window or for days"
                )
            ])
        }
        return window
    }

    /// The longest window of a total (TopProducts, BrandViews), in days: a year and a day, so
    /// that any calendar year fits. A total reads every bucket of its window and of the window
    /// before it, so this bounds a report's work by what two years of history hold, whatever
    /// the window asked (years 1 to 9999 would scan everything ever stored).
    static let maxTotalsDays: Int64 = 366

    /// The window of a total (TopProducts, BrandViews): whole hours while it and the window
    /// before it are within the hourly retention, else whole days.
    /// - Throws: `invalidArgument` when the window is missing, empty or reversed, or longer than
    ///   `maxTotalsDays`.
    public static func totals(
        start: Date?,
        end: Date?,
        now: Date,
        hourlyRetention: Int64 = Self.defaultHourlyRetention
    ) throws(DomainError) -> ReportWindow {
        let (from, to) = try self.bounds(start: start, end: end)
        // The span asked, before its ends are rounded out to whole seconds.
        let span = (end ?? .distantPast).timeIntervalSince(start ?? .distantPast)
        guard span <= Double(Self.maxTotalsDays * ViewGranularity.day.seconds) else {
            throw DomainError.invalid([
                FieldViolation(
                    field: "end_time",
                    description: "a total covers at most \(Self.maxTotalsDays) days; ask for a shorter window"
                )
            ])
        }
        let hours = ReportWindow(
            start: ViewGranularity.hour.bucketStart(containing: from),
            end: ViewGranularity.hour.bucketStart(atOrAfter: to),
            granularity: .hour
        )
        if hours.previous.start >= self.oldestHour(now: now, hourlyRetention: hourlyRetention) {
            return hours
        }
        return ReportWindow(
            start: ViewGranularity.day.bucketStart(containing: from),
            end: ViewGranularity.day.bucketStart(atOrAfter: to),
            granularity: .day
        )
    }

    /// The first hour whose bucket is still kept.
    static func oldestHour(now: Date, hourlyRetention: Int64) -> Int64 {
        ViewGranularity.hour.bucketStart(containing: Self.seconds(now) - hourlyRetention)
    }

    /// The window's bounds in whole seconds, the start rounded down and the end up, so that
    /// widening never drops a fraction of a second.
    private static func bounds(start: Date?, end: Date?) throws(DomainError) -> (Int64, Int64) {
        var violations: [FieldViolation] = []
        for (field, date) in [("start_time", start), ("end_time", end)] {
            if let date {
                if !self.validSeconds.contains(date.timeIntervalSince1970) {
                    violations.append(FieldViolation(field: field, description: "must be in the years 1 to 9999"))
                }
            } else {
                violations.append(FieldViolation(field: field, description: "is required"))
            }
        }
        guard violations.isEmpty, let start, let end else { throw DomainError.invalid(violations) }
        guard start < end else {
            throw DomainError.invalid([FieldViolation(field: "end_time", description: "must be after start_time")])
        }
        return (Self.seconds(start), Int64(end.timeIntervalSince1970.rounded(.up)))
    }

    /// The range of google.protobuf.Timestamp: 0001-01-01 to 9999-12-31, UTC.
    private static let validSeconds: ClosedRange<Double> = -62_135_596_800...253_402_300_799

    /// Whole seconds since 1970, rounded down.
    static func seconds(_ date: Date) -> Int64 {
        Int64(date.timeIntervalSince1970.rounded(.down))
    }
}

extension ReportWindow {
    /// Hourly buckets that start before this UTC day start are folded into daily ones: the
    /// day before the one the retention ends in, so that an hourly report the retention
    /// allows never meets a folded hour, even asked of a daemon whose clock is a little behind.
    static func foldCutoff(now: Date, hourlyRetention: Int64 = Self.defaultHourlyRetention) -> Int64 {
        ViewGranularity.day.bucketStart(containing: Self.seconds(now) - hourlyRetention) - ViewGranularity.day.seconds
    }
}
