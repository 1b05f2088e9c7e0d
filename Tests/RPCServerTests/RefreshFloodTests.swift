import Codec
import Domain
import Foundation
import RPCClient
import Synchronization
import Telemetry
import TestSupport
import Testing

/// Anonymous Refresh and Logout with tokens nobody issued, as a stranger floods them: no store
/// write (the store's own call metrics count them), refusals once the address has failed too
/// often, and an admin's write meanwhile still completes.
@Suite struct RefreshFloodTests {
    /// Store calls by operation, from the store's `catalog_database_call_duration_seconds`.
    private static func storeCalls(_ operation: String, in exposition: MetricsExposition) async -> Int {
        let text = String(decoding: await exposition.render(), as: UTF8.self)
        return text.split(separator: "\n")
            .filter {
                $0.hasPrefix("catalog_database_call_duration_seconds_count{")
                    && $0.contains("operation=\"\(operation)\"")
            }
            .compactMap { $0.split(separator: " ").last.flatMap { Int($0) } }
            .reduce(0, +)
    }

    /// A token of the issued shape (43 base64url characters) that nobody issued.
    private static func randomToken() -> String {
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max) }
        return Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// Sends `count` calls, `window` at a time, and returns how many ended with each code.
    private static func flood(
        _ client: CatalogClient,
        count: Int,
        window: Int = 64,
        _ call: @escaping @Sendable (CatalogClient, Int) async throws -> Void
    ) async -> [StatusCode: Int] {
        await withTaskGroup(of: StatusCode.self) { group in
            var codes: [StatusCode: Int] = [:]
            for index in 0..<count {
                if index >= window, let code = await group.next() {
                    codes[code, default: 0] += 1
                }
                group.addTask {
                    do {
                        try await call(client, index)
                        return .ok
                    } catch let status as RPCStatus {
                        return status.code
                    } catch {
                        return .unknown
                    }
                }
            }
            for await code in group {
                codes[code, default: 0] += 1
            }
            return codes
        }
    }

    @Test func tenThousandRandomRefreshesWriteNothingAndAnAdminsWriteGoesThrough() async throws {
        let exposition = MetricsExposition()
        var identity = IdentityService.Configuration()
        // The address's throttle out of the way: every refresh here reaches the read.
        identity.refreshThrottle = .init(failures: 1_000_000, window: 60)
        try await withTestServer(identityConfiguration: identity, storeMetrics: exposition) { server in
            let token = try await server.accessToken()
            try await server.withClient { flooder in
                try await server.withClient(accessToken: token) { admin in
                    async let codes = Self.flood(flooder, count: 10_000) { client, index in
                        if index % 2 == 0 {
                            _ = try await client.refresh(refreshToken: Self.randomToken())
                        } else {
                            try await client.logout(refreshToken: Self.randomToken())
                        }
                    }
                    // Meanwhile an admin's write: within its normal bound, not behind the flood.
                    let started = ContinuousClock.now
                    _ = try await admin.createProduct(name: "Lamp", brand: "Acme", priceCents: 1999)
                    #expect(ContinuousClock.now - started < .seconds(10))
                    let result = await codes
                    #expect(result == [.unauthenticated: 10_000], "\(result)")
                }
            }
            #expect(await Self.storeCalls("rotateRefreshToken", in: exposition) == 0)
            #expect(await Self.storeCalls("revokeRefreshTokenFamily", in: exposition) == 0)
            #expect(await Self.storeCalls("refreshTokenExists", in: exposition) == 10_000)
        }
    }

    @Test func anAddressThatFailsTooOftenIsRefusedBeforeAnyRead() async throws {
        let exposition = MetricsExposition()
        try await withTestServer(storeMetrics: exposition) { server in
            let pair = try await server.withClient { client in
                try await client.login(username: TestAdmin.username, password: TestAdmin.password)
            }
            try await server.withClient { client in
                let result = await Self.flood(client, count: 500) { client, _ in
                    _ = try await client.refresh(refreshToken: Self.randomToken())
                }
                let limit = IdentityService.Configuration().refreshThrottle.failures
                #expect(result == [.unauthenticated: limit, .resourceExhausted: 500 - limit], "\(result)")
                let refused = await #expect(throws: RPCStatus.self) {
                    _ = try await client.refresh(refreshToken: pair.refreshToken)
                }
                #expect(refused?.code == .resourceExhausted, "the address waits out its window")
                #expect(refused?.message.contains("too many failed refreshes and logouts") == true)
                // A token of another shape costs nothing and is not counted.
                let malformed = await #expect(throws: RPCStatus.self) {
                    _ = try await client.refresh(refreshToken: "not a token of ours")
                }
                #expect(malformed?.code == .unauthenticated)
            }
            let reads = await Self.storeCalls("refreshTokenExists", in: exposition)
            #expect(reads == IdentityService.Configuration().refreshThrottle.failures)
            #expect(await Self.storeCalls("rotateRefreshToken", in: exposition) == 0)
        }
    }
}
