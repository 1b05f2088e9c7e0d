import Codec
import Credentials
import Domain
import Foundation
import RPCClient
import Synchronization
import TestSupport
import Testing

@Suite struct AuthServiceTests {
    @Test func aWrongPasswordAndAnUnknownUserGetTheSameAnswer() async throws {
        let events = EventLog()
        try await withTestServer(identityConfiguration: events.configuration) { server async throws in
            try await server.withClient { client async throws in
                let wrong = await #expect(throws: RPCStatus.self) {
                    _ = try await client.login(username: TestAdmin.username, password: "not the password at all")
                }
                let unknown = await #expect(throws: RPCStatus.self) {
                    _ = try await client.login(username: "nobody", password: "not the password at all")
                }
                #expect(wrong?.code == .unauthenticated)
                #expect(wrong == unknown)
                let pair = try await client.login(
                    username: TestAdmin.username.uppercased(),
                    password: TestAdmin.password
                )
                #expect(pair.accessExpireTime.timeIntervalSinceNow > 14 * 60)
                #expect(pair.refreshExpireTime.timeIntervalSinceNow > 6 * 24 * 3600)
            }
        }
        #expect(events.recorded == [.login(.failed), .login(.failed), .login(.succeeded)])
    }

    @Test func refreshRotatesAndAReusedTokenRevokesTheWholeLogin() async throws {
        let events = EventLog()
        try await withTestServer(identityConfiguration: events.configuration) { server async throws in
            try await server.withClient { client async throws in
                let first = try await client.login(username: TestAdmin.username, password: TestAdmin.password)
                let second = try await client.refresh(refreshToken: first.refreshToken)
                #expect(second.refreshToken != first.refreshToken)
                client.setAccessToken(second.accessToken)
                _ = try await client.listAdmins()

                // The rotated token again: an attacker's copy. Every token of that login dies.
                client.setAccessToken(nil)
                let reused = await #expect(throws: RPCStatus.self) {
                    _ = try await client.refresh(refreshToken: first.refreshToken)
                }
                #expect(reused?.code == .unauthenticated)
                let descendant = await #expect(throws: RPCStatus.self) {
                    _ = try await client.refresh(refreshToken: second.refreshToken)
                }
                #expect(descendant?.code == .unauthenticated)
                let unknown = await #expect(throws: RPCStatus.self) {
                    _ = try await client.refresh(refreshToken: "not a refresh token of ours")
                }
                #expect(unknown?.code == .unauthenticated)
                client.setAccessToken(second.accessToken)
                let access = await #expect(throws: RPCStatus.self) { _ = try await client.listAdmins() }
                #expect(access?.code == .unauthenticated)

                // Another login of the same admin is untouched. (The revoked token must go first:
                // a call that carries one is refused, never treated as anonymous.)
                client.setAccessToken(nil)
                let other = try await client.login(username: TestAdmin.username, password: TestAdmin.password)
                client.setAccessToken(other.accessToken)
                _ = try await client.listAdmins()
            }
        }
        // What the metrics count: a revoked token presented again is a reuse too (the descendant).
        #expect(
            events.recorded == [
                .login(.succeeded), .refresh(.rotated), .refresh(.reused), .refresh(.reused), .refresh(.invalid),
                .login(.succeeded),
            ]
        )
    }

    @Test func logoutEndsTheRefreshTokenAndTheAccessTokensOfThatLogin() async throws {
        try await withTestServer { server async throws in
            try await server.withClient { client async throws in
                let pair = try await client.login(username: TestAdmin.username, password: TestAdmin.password)
                client.setAccessToken(pair.accessToken)
                _ = try await client.listAdmins()
                client.setAccessToken(nil)
                try await client.logout(refreshToken: pair.refreshToken)
                await #expect(throws: RPCStatus.self) { _ = try await client.refresh(refreshToken: pair.refreshToken) }
                client.setAccessToken(pair.accessToken)
                let after = await #expect(throws: RPCStatus.self) { _ = try await client.listAdmins() }
                #expect(after?.code == .unauthenticated)
                client.setAccessToken(nil)
                let again = await #expect(throws: RPCStatus.self) {
                    try await client.logout(refreshToken: pair.refreshToken)
                }
                #expect(again?.code == .unauthenticated)
            }
        }
    }

    @Test func accessTokensExpire() async throws {
        let clock = TestClock()
        var configuration = IdentityService.Configuration()
        configuration.now = { clock.now }
        try await withTestServer(identityConfiguration: configuration) { server async throws in
            let token = try await server.accessToken()
            try await server.withClient(accessToken: token) { client async throws in
                _ = try await client.listAdmins()
                clock.advance(by: 15 * 60 + 1)
                let expired = await #expect(throws: RPCStatus.self) { _ = try await client.listAdmins() }
                #expect(expired?.code == .unauthenticated)
                #expect(expired?.message.contains("expired") == true)
            }
        }
    }

    @Test func repeatedFailuresAreThrottledWithTheWaitInTheMessage() async throws {
        let events = EventLog()
        try await withTestServer(identityConfiguration: events.configuration) { server async throws in
            try await server.withClient { client async throws in
                for _ in 0..<10 {
                    let failure = await #expect(throws: RPCStatus.self) {
                        _ = try await client.login(username: "mallory", password: "guessing password")
                    }
                    #expect(failure?.code == .unauthenticated)
                }
                let throttled = await #expect(throws: RPCStatus.self) {
                    _ = try await client.login(username: "mallory", password: "guessing password")
                }
                #expect(throttled?.code == .resourceExhausted)
                #expect(throttled?.message.contains("try again in") == true)
                // The address is throttled too, so even a right password from it waits.
                let sameAddress = await #expect(throws: RPCStatus.self) {
                    _ = try await client.login(username: TestAdmin.username, password: TestAdmin.password)
                }
                #expect(sameAddress?.code == .resourceExhausted)
            }
        }
        #expect(
            events.recorded == Array(repeating: .login(.failed), count: 10) + [.login(.throttled), .login(.throttled)]
        )
    }

    @Test func tokensSurviveARestartOfTheIdentityService() async throws {
        try await withTestServer { server async throws in
            let pair = try await server.withClient { client in
                try await client.login(username: TestAdmin.username, password: TestAdmin.password)
            }
            // A second service over the same store and key: what a restarted daemon has.
            let restarted = IdentityService(
                store: server.adminStore,
                hasher: try await TestCredentials.hasher(),
                tokens: try await JWTTokenCodec(key: TestCredentials.tokenKey)
            )
            try await restarted.warmUp()
            #expect(
                try await restarted.verifiedCaller(bearerToken: pair.accessToken).admin?.username == TestAdmin.username
            )
            _ = try await restarted.refresh(refreshToken: pair.refreshToken, clientAddress: nil)
        }
    }
}

/// The identity events a test server's identity service told of, in order.
private final class EventLog: Sendable {
    private let events = Mutex<[IdentityEvent]>([])

    var recorded: [IdentityEvent] { self.events.withLock { $0 } }

    var configuration: IdentityService.Configuration {
        var configuration = IdentityService.Configuration()
        configuration.observe = { event in self.events.withLock { $0.append(event) } }
        return configuration
    }
}
