import Foundation
import Logging
import Synchronization
import Testing

@testable import Telemetry

@Suite struct JSONLogLineTests {
    @Test func aRecordIsOneLineOfJSONWithTheMetadataAsFields() throws {
        let line = JSONLogLine.render(
            time: Date(timeIntervalSince1970: 1_796_212_718.5),
            level: .warning,
            message: "a \"quoted\"\nmessage\u{1}",
            label: "catalogd",
            source: "RPCServer",
            metadata: [
                "call_id": "7", "level": "not the level", "peer": .stringConvertible(42),
                "list": .array(["a", .dictionary(["k": "v"])]),
            ]
        )
        let text = String(decoding: line, as: UTF8.self)
        #expect(text.hasSuffix("}\n"))
        #expect(text.dropLast().contains("\n") == false, "one line")
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any]
        )
        #expect(object["time"] as? String == "2026-12-02T11:58:38.500000Z")
        #expect(object["level"] as? String == "warning")
        #expect(object["message"] as? String == "a \"quoted\"\nmessage\u{1}")
        #expect(object["label"] as? String == "catalogd")
        #expect(object["source"] as? String == "RPCServer")
        #expect(object["call_id"] as? String == "7")
        #expect(object["peer"] as? String == "42")
        #expect(object["metadata.level"] as? String == "not the level", "a field's name is not taken")
        let list = try #require(object["list"] as? [Any])
        #expect(list.first as? String == "a")
        #expect((list.last as? [String: String]) == ["k": "v"])
    }

    @Test func theHandlerWritesWhatTheLoggerIsGivenAtItsLevel() throws {
        let lines = LockedLines()
        var handler = JSONLogHandler(label: "test", output: JSONLineOutput { lines.append($0) })
        handler.logLevel = .info
        handler[metadataKey: "peer"] = "127.0.0.1"
        let logger = Logger(label: "test") { _ in handler }
        logger.debug("not written")
        logger.info("written", metadata: ["call_id": "3"])
        let written = lines.all
        #expect(written.count == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(written[0])) as? [String: Any])
        #expect(object["message"] as? String == "written")
        #expect(object["peer"] as? String == "127.0.0.1")
        #expect(object["call_id"] as? String == "3")
    }
}

private final class LockedLines: Sendable {
    private let lines = Mutex<[[UInt8]]>([])

    func append(_ line: [UInt8]) {
        self.lines.withLock { $0.append(line) }
    }

    var all: [[UInt8]] { self.lines.withLock { $0 } }
}
