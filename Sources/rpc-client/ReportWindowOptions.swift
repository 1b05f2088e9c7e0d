public import ArgumentParser
import Foundation
public import HostSupport

extension ReportDuration: ExpressibleByArgument {
    public init?(argument: String) {
        self.init(argument)
    }
}

/// An RFC 3339 time (`2026-12-01T10:00:00Z`, with an offset or fractional seconds too) or a
/// UTC date (`2026-12-01`, its midnight).
struct ReportTime: ExpressibleByArgument {
    let date: Date

    init?(argument: String) {
        let withFraction = ISO8601DateFormatter()
        withFraction.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let whole = ISO8601DateFormatter()
        whole.formatOptions = [.withInternetDateTime]
        let day = ISO8601DateFormatter()
        day.formatOptions = [.withFullDate]
        guard let date = whole.date(from: argument) ?? withFraction.date(from: argument) ?? day.date(from: argument)
        else {
            return nil
        }
        self.date = date
    }
}

/// The window of a report: the last `--since`, or `--from` to `--to` (now when left out).
struct ReportWindowOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp("The window up to now: a number and m, h, d or w (e.g. 24h, 7d).", valueName: "duration")
    )
    var since: ReportDuration?

    @Option(help: ArgumentHelp("The window's start: RFC 3339 (2026-12-01T10:00:00Z) or a UTC date.", valueName: "time"))
    var from: ReportTime?

    @Option(help: ArgumentHelp("The window's end, as --from (default: now).", valueName: "time"))
    var to: ReportTime?

    @Flag(help: "Print CSV for spreadsheets instead of a table.")
    var csv = false

    func validate() throws {
        if self.since != nil, self.from != nil || self.to != nil {
            throw ValidationError("give --since, or --from and --to, not both")
        }
        if self.to != nil, self.from == nil {
            throw ValidationError("--to needs --from")
        }
    }

    /// The window asked for; `defaultSince` when neither --since nor --from is given.
    func window(defaultSince: String, now: Date = Date()) -> (start: Date, end: Date) {
        if let from = self.from {
            return (from.date, self.to?.date ?? now)
        }
        let since = self.since ?? ReportDuration(defaultSince)!
        return (now.addingTimeInterval(-Double(since.seconds)), now)
    }
}
