import ArgumentParser
import Logging
import Telemetry

/// `--log-format`: lines for people, or JSON for a log pipeline.
enum LogFormat: String, ExpressibleByArgument, CaseIterable {
    case text
    case json

    /// From the variable `name`; `nil` when it is unset.
    init?(environment name: String) throws {
        guard let text = Environment.value(name) else { return nil }
        guard let format = LogFormat(rawValue: text) else {
            throw ValidationError("\(name) must be text or json, not \(text)")
        }
        self = format
    }

    func makeHandler(label: String, level: Logger.Level) -> any LogHandler {
        switch self {
        case .text:
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        case .json:
            var handler = JSONLogHandler(label: label)
            handler.logLevel = level
            return handler
        }
    }
}
