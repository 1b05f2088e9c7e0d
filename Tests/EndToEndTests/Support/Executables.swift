import Foundation
import TestSupport

/// The built `catalogd` and `rpc-client`, beside the test bundle in the build folder.
enum Executables {
    static let directory = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        .deletingLastPathComponent()

    static var catalogd: URL { self.directory.appendingPathComponent("catalogd") }
    static var rpcClient: URL { self.directory.appendingPathComponent("rpc-client") }
}

/// Text a child process writes, gathered as it arrives so a test can await a line.
final class OutputCollector: Sendable {
    private let text = Condition((text: "", ended: false))

    var value: String { self.text.value.text }

    /// Reads `pipe` to its end on a thread of its own. (Foundation's `readabilityHandler`
    /// crashes in libdispatch on Linux when the pipe closes, so it is not used.)
    func attach(to pipe: Pipe) {
        let handle = pipe.fileHandleForReading
        let thread = Thread {
            while true {
                let data = handle.availableData
                if data.isEmpty { break }
                self.text.update { $0.text += String(decoding: data, as: UTF8.self) }
            }
            self.text.update { $0.ended = true }
        }
        thread.start()
    }

    /// Waits until the writer closed its end.
    func waitForEnd(limit: Duration = .seconds(10)) async throws -> String {
        try await withTimeout(limit, "end of output") {
            await self.text.wait { $0.ended }
            try Task.checkCancellation()
        }
        return self.value
    }

    /// Waits until the text satisfies `isDone`, for at most `limit`.
    func wait(
        for limit: Duration = .seconds(30),
        until isDone: @escaping @Sendable (String) -> Bool
    ) async throws -> String {
        do {
            try await withTimeout(limit, "output") {
                await self.text.wait { isDone($0.text) }
                try Task.checkCancellation()
            }
        } catch is TimedOut {
            throw ProcessFailure("timed out waiting for output; so far:\n\(self.value)")
        }
        return self.value
    }
}

struct ProcessFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
