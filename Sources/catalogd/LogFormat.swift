import ArgumentParser
import Logging
import Telemetry

/// `--log-format`: lines for people, or JSON for a log pipeline.
enum LogFormat: String, CaseIterable {
    case text
    case json

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
