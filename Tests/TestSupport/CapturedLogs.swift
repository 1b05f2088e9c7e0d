public import Logging
import Synchronization
import Telemetry

/// Every log line a test's server writes, at every level, metadata included: each as text and
/// as the JSON line `--log-format json` writes, so that what a test finds (or does not find, as
/// a secret) holds for both formats.
public final class CapturedLogs: Sendable {
    private let lines = Mutex<[String]>([])

    public init() {}

    public var all: [String] { self.lines.withLock { $0 } }

    /// A logger that writes here, at trace level.
    public func logger(label: String) -> Logger {
        var logger = Logger(label: label) { label in
            var json = JSONLogHandler(
                label: label,
                output: JSONLineOutput { self.append(String(decoding: $0, as: UTF8.self)) }
            )
            json.logLevel = .trace
            return MultiplexLogHandler([Handler(sink: self), json])
        }
        logger.logLevel = .trace
        return logger
    }

    fileprivate func append(_ line: String) {
        self.lines.withLock { $0.append(line) }
    }

    private struct Handler: LogHandler {
        let sink: CapturedLogs
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { self.metadata[key] }
            set { self.metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let merged = self.metadata.merging(event.metadata ?? [:]) { $1 }
            self.sink.append("\(event.level) \(event.message) \(merged)")
        }
    }
}
