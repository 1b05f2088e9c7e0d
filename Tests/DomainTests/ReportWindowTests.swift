import Domain
import Foundation
import Testing

@Suite struct ReportWindowTests {
    /// 2026-12-01T00:00:00Z.
    private static let midnight: Int64 = 1_796_083_200
    private static let now = Date(timeIntervalSince1970: Double(midnight + 15 * 3600 + 7))

    private func at(_ hours: Double, days: Int64 = 0) -> Date {
        Date(timeIntervalSince1970: Double(Self.midnight + days * 86_400) + hours * 3600)
    }

    @Test func bucketsAreAlignedToUTCHoursAndDaysEvenBefore1970() {
        #expect(ViewGranularity.hour.bucketStart(containing: Self.midnight + 3599) == Self.midnight)
        #expect(ViewGranularity.hour.bucketStart(containing: Self.midnight + 3600) == Self.midnight + 3600)
        #expect(ViewGranularity.day.bucketStart(containing: Self.midnight + 86_399) == Self.midnight)
        #expect(ViewGranularity.hour.bucketStart(containing: -1) == -3600)
        #expect(ViewGranularity.hour.bucketStart(containing: -3600) == -3600)
    }

    @Test func aSeriesIsWidenedToWholeBuckets() throws {
        let window = try ReportWindow.series(
            start: self.at(10.34),
            end: self.at(12.17),
            granularity: .hour,
            now: Self.now
        )
        #expect(
            window == ReportWindow(start: Self.midnight + 10 * 3600, end: Self.midnight + 13 * 3600, granularity: .hour)
        )
        #expect(window.bucketCount == 3)
        #expect(Array(window.bucketStarts) == [10, 11, 12].map { Self.midnight + $0 * 3600 })
        #expect(
            window.previous
                == ReportWindow(start: Self.midnight + 7 * 3600, end: Self.midnight + 10 * 3600, granularity: .hour)
        )

        let aligned = try ReportWindow.series(start: self.at(10), end: self.at(11), granularity: .hour, now: Self.now)
        #expect(aligned.bucketCount == 1, "an aligned window is not widened")
        let fraction = try ReportWindow.series(
            start: self.at(10),
            end: self.at(11).addingTimeInterval(0.5),
            granularity: .hour,
            now: Self.now
        )
        #expect(fraction.bucketCount == 2, "half a second past the hour is in the next bucket")

        let days = try ReportWindow.series(
            start: self.at(5, days: -14),
            end: self.at(1),
            granularity: .day,
            now: Self.now
        )
        #expect(days.start == Self.midnight - 14 * 86_400 && days.end == Self.midnight + 86_400)
        #expect(days.bucketCount == 15)
    }

    @Test func hoursPastTheRetentionAndTooManyPointsAreRefusedWithTheirField() throws {
        let oldest = self.at(15, days: -90)
        #expect(
            try ReportWindow.series(start: oldest, end: Self.now, granularity: .hour, now: Self.now).bucketCount == 2161
        )
        let tooOld = self.violations {
            _ = try ReportWindow.series(start: self.at(14, days: -90), end: Self.now, granularity: .hour, now: Self.now)
        }
        #expect(tooOld.map(\.field) == ["start_time"])
        #expect(tooOld.first?.description.contains("GRANULARITY_DAY") == true)

        let longest = try ReportWindow.series(
            start: self.at(0, days: -9999),
            end: self.at(0, days: 1),
            granularity: .day,
            now: Self.now
        )
        #expect(longest.bucketCount == 10_000)
        let tooLong = self.violations {
            _ = try ReportWindow.series(
                start: self.at(0, days: -10_000),
                end: self.at(0, days: 1),
                granularity: .day,
                now: Self.now
            )
        }
        #expect(tooLong.map(\.field) == ["end_time"])
        #expect(tooLong.first?.description.contains("10000") == true)
    }

    @Test func totalsUseHoursWhileTheyAndThePreviousWindowAreKeptElseDays() throws {
        let day = try ReportWindow.totals(start: self.at(-24 + 15.2), end: Self.now, now: Self.now)
        #expect(
            day == ReportWindow(start: Self.midnight - 9 * 3600, end: Self.midnight + 16 * 3600, granularity: .hour)
        )

        // 60 days back: the previous 60 days reach past the 90 days of hours.
        let sixtyDays = try ReportWindow.totals(start: self.at(3, days: -60), end: Self.now, now: Self.now)
        #expect(
            sixtyDays
                == ReportWindow(start: Self.midnight - 60 * 86_400, end: Self.midnight + 86_400, granularity: .day)
        )
    }

    @Test func aMissingEmptyReversedOrImpossibleWindowIsInvalid() {
        #expect(
            self.violations { _ = try ReportWindow.totals(start: nil, end: nil, now: Self.now) }.map(\.field) == [
                "start_time", "end_time",
            ]
        )
        #expect(
            self.violations { _ = try ReportWindow.totals(start: Self.now, end: Self.now, now: Self.now) }.map(\.field)
                == ["end_time"]
        )
        #expect(
            self.violations { _ = try ReportWindow.totals(start: self.at(2), end: self.at(1), now: Self.now) }.map(
                \.field
            )
                == ["end_time"]
        )
        let farFuture = Date(timeIntervalSince1970: 1e300)
        #expect(
            self.violations { _ = try ReportWindow.totals(start: Self.now, end: farFuture, now: Self.now) }.map(\.field)
                == ["end_time"]
        )
    }

    private func violations(_ body: () throws -> Void) -> [FieldViolation] {
        do {
            try body()
            Issue.record("expected INVALID_ARGUMENT")
            return []
        } catch let error as DomainError {
            #expect(error.code == .invalidArgument)
            return error.fieldViolations
        } catch {
            Issue.record("unexpected \(error)")
            return []
        }
    }
}
