import Foundation
public import Logging
import Synchronization

/// Writes one JSON object per line, for log pipelines: `time` (RFC 3339, UTC, microseconds),
/// `level`, `message`, `label`, `source`, then the metadata as fields of their own (a field
/// named like one of those gets a `metadata.` prefix). Each line goes out in one write, so
/// lines of concurrent loggers never interleave.
public struct JSONLogHandler: LogHandler {
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    private let label: String
    private let output: JSONLineOutput

    public init(label: String, output: JSONLineOutput = .standardError) {
        self.label = label
        self.output = output
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { self.metadata[key] }
        set { self.metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var fields = self.metadata
        if let explicit = event.metadata {
            fields.merge(explicit) { $1 }
        }
        if let error = event.error {
            fields["error"] = "\(error)"
        }
        self.output.write(
            JSONLogLine.render(
                time: Date(),
                level: event.level,
                message: event.message.description,
                label: self.label,
                source: event.source,
                metadata: fields
            )
        )
    }

    public func log(
        level: Logger.Level,
        message: Logger.Message,
        metadata: Logger.Metadata?,
        source: String,
        file: String,
        function: String,
        line: UInt
    ) {
        self.log(
            event: LogEvent(
                level: level,
                message: message,
                metadata: metadata,
                source: source,
                file: file,
                function: function,
                line: line
            )
        )
    }
}

/// Where JSON lines go: standard error by default, a collector in tests.
public struct JSONLineOutput: Sendable {
    private let writeLine: @Sendable ([UInt8]) -> Void

    public init(_ writeLine: @escaping @Sendable ([UInt8]) -> Void) {
        self.writeLine = writeLine
    }

    func write(_ line: [UInt8]) {
        self.writeLine(line)
    }

    /// Standard error, one `write` per line under a lock (a pipe keeps writes under 4 KiB whole;
    /// the lock keeps longer ones whole too).
    public static let standardError: JSONLineOutput = {
        let lock = Mutex(())
        return JSONLineOutput { line in
            lock.withLock { _ in
                line.withUnsafeBytes { bytes in
                    var offset = 0
                    while offset < bytes.count {
                        let written = Foundation.write(2, bytes.baseAddress! + offset, bytes.count - offset)
                        guard written > 0 else { return }
                        offset += written
                    }
                }
            }
        }
    }()
}
