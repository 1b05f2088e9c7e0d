public import Foundation

/// Runs an executable to its end, at most `limit`, and returns its exit status and output.
///
/// - Parameters:
///   - directory: the working directory; the test's own when `nil`.
///   - environment: added to the test's environment (a `nil` value removes a variable).
///   - mergeOutput: standard error goes to `stdout` too, interleaved as written.
/// - Throws: `TimedOut` when it runs longer than `limit` (it is then terminated).
public func runProcess(
    _ executable: URL,
    _ arguments: [String],
    in directory: String? = nil,
    environment: [String: String?] = [:],
    mergeOutput: Bool = false,
    limit: Duration = .seconds(60)
) async throws -> (status: Int32, stdout: String, stderr: String) {
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    if let directory {
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
    }
    var merged = ProcessInfo.processInfo.environment
    for (name, value) in environment {
        merged[name] = value
    }
    process.environment = merged
    let stdout = Pipe()
    let stderr = mergeOutput ? stdout : Pipe()
    process.standardOutput = stdout
    process.standardError = stderr
    let out = OutputCollector()
    let err = OutputCollector()
    out.attach(to: stdout)
    if !mergeOutput {
        err.attach(to: stderr)
    }
    let exitStatus = Condition<Int32?>(nil)
    process.terminationHandler = { process in exitStatus.update { $0 = process.terminationStatus } }
    try process.run()
    let status: Int32
    do {
        status = try await withTimeout(limit, "\(executable.lastPathComponent) to exit") {
            await exitStatus.wait { $0 != nil }
            try Task.checkCancellation()
            return exitStatus.value ?? -1
        }
    } catch {
        process.terminate()
        throw error
    }
    // The collectors see end of file once the process (and whatever inherited its pipes) is gone.
    let stdoutText = try await out.waitForEnd()
    let stderrText = mergeOutput ? "" : try await err.waitForEnd()
    return (status, stdoutText, stderrText)
}
