public import Foundation

/// Text a child process writes, gathered as it arrives so a test can await a line.
public final class OutputCollector: Sendable {
    private let text = Condition((text: "", ended: false))

    public init() {}

    public var value: String { self.text.value.text }

    /// Reads `pipe` to its end on a thread of its own. (Foundation's `readabilityHandler`
    /// crashes in libdispatch on Linux when the pipe closes, so it is not used.)
    public func attach(to pipe: Pipe) {
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
    public func waitForEnd(limit: Duration = .seconds(10)) async throws -> String {
        try await withTimeout(limit, "end of output") {
            await self.text.wait { $0.ended }
            try Task.checkCancellation()
        }
        return self.value
    }

    /// Waits until the text satisfies `isDone`, for at most `limit`.
    public func wait(
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

public struct ProcessFailure: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
