import Codec
import Foundation
import RPCClient
import TestSupport
import Testing

/// rpc-client's stored logins: kept secret, refreshed when due, forgotten when refused.
@Suite struct CredentialsFileTests {
    @Test func loginsAreStoredPerServerInASecretFile() async throws {
        try await withTemporaryDirectory { directory in
            let file = CredentialsFile(path: directory + "/config/catalog/credentials")
            let pair = TokenPair(
                accessToken: "a",
                accessExpireTime: Date(timeIntervalSince1970: 1_000_000),
                refreshToken: "r",
                refreshExpireTime: Date(timeIntervalSince1970: 2_000_000)
            )
            try file.save(pair, for: "127.0.0.1:7443")
            #expect(file.tokens(for: "127.0.0.1:7443") == pair)
            #expect(file.tokens(for: "127.0.0.1:7444") == nil)
            let attributes = try FileManager.default.attributesOfItem(atPath: file.path)
            #expect(attributes[.posixPermissions] as? Int == 0o600)
            let folder = try FileManager.default.attributesOfItem(atPath: directory + "/config/catalog")
            #expect(folder[.posixPermissions] as? Int == 0o700)
            try file.save(nil, for: "127.0.0.1:7443")
            #expect(file.tokens(for: "127.0.0.1:7443") == nil)
        }
    }

    @Test func aDueAccessTokenIsRefreshedAndARefusedLoginForgotten() async throws {
        try await withTestServer { server in
            try await withTemporaryDirectory { directory in
                let file = CredentialsFile(path: directory + "/credentials")
                let name = "127.0.0.1:\(server.port)"
                try await server.withClient { client in
                    let missing = await #expect(throws: RPCStatus.self) {
                        _ = try await file.accessToken(for: name, refreshingWith: client)
                    }
                    #expect(missing?.message.contains("not logged in to \(name)") == true)

                    let tokens = try await client.login(username: TestAdmin.username, password: TestAdmin.password)
                    try file.save(tokens, for: name)
                    // Not yet due: the stored token as it is.
                    #expect(
                        try await file.accessToken(for: name, refreshingWith: client, now: Date()) == tokens.accessToken
                    )
                    // Due within 30 s: refreshed, and the new pair stored.
                    let due = tokens.accessExpireTime.addingTimeInterval(-10)
                    let refreshed = try await file.accessToken(for: name, refreshingWith: client, now: due)
                    #expect(refreshed != tokens.accessToken)
                    #expect(file.tokens(for: name)?.accessToken == refreshed)
                    #expect(file.tokens(for: name)?.refreshToken != tokens.refreshToken, "the refresh token rotated")

                    // The old refresh token was rotated away: the login is over, and forgotten.
                    try file.save(tokens, for: name)
                    let expired = await #expect(throws: RPCStatus.self) {
                        _ = try await file.accessToken(for: name, refreshingWith: client, now: due)
                    }
                    #expect(expired?.code == .unauthenticated)
                    #expect(expired?.message.contains("the login to \(name) expired") == true)
                    #expect(file.tokens(for: name) == nil)
                }
            }
        }
    }
}
