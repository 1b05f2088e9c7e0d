import Codec
import Foundation
import RPCClient
import TestSupport
import Testing

/// Issue 12: failed logins with huge usernames cost the daemon no memory that stays.
@Suite struct LoginMemoryTests {
    @Test func failedLoginsWithDistinctHugeUsernamesKeepNothing() async throws {
        try await withTemporaryDirectory { directory in
            let daemon = try await DaemonProcess(workingDirectory: directory)
            try await CatalogClient.withClient(daemon.clientConfiguration()) { client in
                func attempt(_ round: Int) async throws {
                    for index in 0..<60 {
                        let username = String(repeating: "u", count: 1 << 20) + "\(round)-\(index)-\(UUID())"
                        let refused = await #expect(throws: RPCStatus.self) {
                            _ = try await client.login(username: username, password: "whatever it is")
                        }
                        #expect(refused?.code == .invalidArgument)
                    }
                }
                // The first 60 settle the allocator; the next 60 must not grow the daemon.
                try await attempt(1)
                let settled = try daemon.residentBytes()
                try await attempt(2)
                let after = try daemon.residentBytes()
                #expect(after - settled < 16 << 20, "RSS grew by \((after - settled) >> 20) MiB")
                // And the admin is not locked out by any of it.
                _ = try await client.login(username: "admin", password: try daemon.initialPassword)
            }
            #expect(try await daemon.terminate() == 0)
        }
    }
}
