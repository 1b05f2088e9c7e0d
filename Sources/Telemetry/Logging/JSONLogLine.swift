import Foundation
import Logging

/// One log record as a line of JSON: the format `JSONLogHandler` writes.
enum JSONLogLine {
    private static let reserved: Set<String> = ["time", "level", "message", "label", "source"]

    static func render(
        time: Date,
        level: Logger.Level,
        message: String,
        label: String,
        source: String,
        metadata: Logger.Metadata
    ) -> [UInt8] {
        var out = "{\"time\":\"\(Self.timestamp(time))\",\"level\":\"\(level.rawValue)\",\"message\":"
        Self.appendString(message, to: &out)
        out += ",\"label\":"
        Self.appendString(label, to: &out)
        out += ",\"source\":"
        Self.appendString(source, to: &out)
        // Sorted, so that the same record always renders the same.
        for (key, value) in metadata.sorted(by: { $0.key < $1.key }) {
            out += ","
            Self.appendString(Self.reserved.contains(key) ? "metadata.\(key)" : key, to: &out)
            out += ":"
            Self.append(value, to: &out)
        }
        out += "}\n"
        return Array(out.utf8)
    }

    private static func append(_ value: Logger.Metadata.Value, to out: inout String) {
        switch value {
        case .string(let string):
            Self.appendString(string, to: &out)
        case .stringConvertible(let convertible):
            Self.appendString(convertible.description, to: &out)
        case .array(let values):
            out += "["
            for (index, element) in values.enumerated() {
                if index > 0 { out += "," }
                Self.append(element, to: &out)
            }
            out += "]"
        case .dictionary(let dictionary):
            out += "{"
            for (index, (key, element)) in dictionary.sorted(by: { $0.key < $1.key }).enumerated() {
                if index > 0 { out += "," }
                Self.appendString(key, to: &out)
                out += ":"
                Self.append(element, to: &out)
            }
            out += "}"
        }
    }

    /// A JSON string: quotes, backslashes and control characters escaped (RFC 8259).
    static func appendString(_ string: String, to out: inout String) {
        out += "\""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default:
                out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }

    /// RFC 3339 in UTC with microseconds, e.g. `2026-12-02T11:58:38.123456Z`.
    static func timestamp(_ time: Date) -> String {
        let seconds = time.timeIntervalSince1970
        var whole = time_t(seconds.rounded(.down))
        let micros = Int(((seconds - Double(whole)) * 1_000_000).rounded(.down))
        var parts = tm()
        gmtime_r(&whole, &parts)
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ",
            Int(parts.tm_year) + 1900,
            Int(parts.tm_mon) + 1,
            Int(parts.tm_mday),
            Int(parts.tm_hour),
            Int(parts.tm_min),
            Int(parts.tm_sec),
            micros
        )
    }
}
