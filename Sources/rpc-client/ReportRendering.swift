import Foundation

/// How reports draw in a terminal: bars, sparklines, changes, and CSV cells.
enum ReportRendering {
    /// A horizontal bar of `value` against `maximum`, `width` cells at most, in eighths of a cell.
    static func bar(_ value: UInt64, of maximum: UInt64, width: Int = 24) -> String {
        guard maximum > 0, value > 0 else { return "" }
        let eighths = max(1, Int((Double(value) / Double(maximum) * Double(width * 8)).rounded()))
        let partial = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"][eighths % 8]
        return String(repeating: "█", count: eighths / 8) + partial
    }

    /// One character per value, its height relative to the largest: the lowest bar for zero
    /// and at least the second lowest for any view, so a quiet hour and an empty one differ.
    static func sparkline(_ values: [UInt64]) -> String {
        let levels: [Character] = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]
        let maximum = max(values.max() ?? 0, 1)
        return String(
            values.map { value in
                value == 0 ? levels[0] : levels[1 + min(6, Int(Double(value) / Double(maximum) * 6.999))]
            }
        )
    }

    /// Period over period: `+25%`, `-40%`, `new` (nothing before), `=`.
    static func change(_ views: UInt64, from previous: UInt64) -> String {
        guard previous > 0 else { return views > 0 ? "new" : "=" }
        let percent = (Double(views) - Double(previous)) / Double(previous) * 100
        if abs(percent) < 0.5 { return "=" }
        return String(format: "%+.0f%%", percent)
    }

    /// A time as the reports print it: RFC 3339, UTC, whole seconds.
    static func time(_ date: Date) -> String {
        date.formatted(.iso8601)
    }

    /// One CSV line (RFC 4180): cells with commas, quotes or line breaks are quoted.
    static func csvLine(_ cells: [String]) -> String {
        cells.map { cell in
            cell.contains(where: { ",\"\r\n".contains($0) })
                ? "\"" + cell.replacingOccurrences(of: "\"", with: "\"\"") + "\""
                : cell
        }.joined(separator: ",")
    }
}
