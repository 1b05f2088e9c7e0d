import Codec
import Domain
import Foundation
import RPCClient
import TestSupport
import Testing

/// No response, log line or error message carries a password, a password hash or a token
/// (other than the tokens Login and Refresh exist to hand out).
@Suite struct SecretLeakTests {
    @Test func secretsStayOutOfResponsesErrorsAndLogs() async throws {
        let logs = CapturedLogs()
        try await withTestServer(logs: logs) { server async throws in
            var secrets = [TestAdmin.password]
            var shown: [String] = []

            let pair = try await server.withClient { client in
                try await client.login(username: TestAdmin.username, password: TestAdmin.password)
            }
            secrets += [pair.accessToken, pair.refreshToken]
            let rotated = try await server.withClient { try await $0.refresh(refreshToken: pair.refreshToken) }
            secrets += [rotated.accessToken, rotated.refreshToken]

            try await server.withClient(accessToken: rotated.accessToken) { client async throws in
                let bobPassword = "bob's very secret password"
                let newPassword = "bob's even more secret password"
                secrets += [bobPassword, newPassword]
                let bob = try await client.createAdmin(username: "bob", password: bobPassword, email: "bob@example.com")
                shown.append(try bob.protoJSON())
                shown.append(try await client.updateAdmin(id: bob.id, password: newPassword).protoJSON())
                shown.append(try await client.getAdmin(id: bob.id).protoJSON())
                shown.append(try await client.listAdmins().protoJSON())
                for attempt in [
                    { _ = try await client.createAdmin(username: "carol", password: "short") },
                    { _ = try await client.createAdmin(username: "dave", password: "dave") },
                    { _ = try await client.updateAdmin(id: bob.id, username: newPassword) },
                ] as [@Sendable () async throws -> Void] {
                    do {
                        try await attempt()
                        Issue.record("an invalid request was accepted")
                    } catch let status as RPCStatus {
                        shown.append(status.description)
                    }
                }
                secrets += ["short"]
            }
            for token in [pair.refreshToken, "not-a-token"] {
                do {
                    _ = try await server.withClient { try await $0.refresh(refreshToken: token) }
                } catch let status as RPCStatus {
                    shown.append(status.description)
                }
            }
            do {
                _ = try await server.withClient {
                    try await $0.login(username: TestAdmin.username, password: "wrong password here")
                }
            } catch let status as RPCStatus {
                shown.append(status.description)
            }
            secrets += ["wrong password here"]

            for admin in try await server.adminStore.loadAdmins() {
                #expect(admin.passwordHash.hasPrefix("$argon2id$"), "only hashes are stored")
                secrets.append(admin.passwordHash)
                // The salt and digest alone would leak the hash too.
                secrets += admin.passwordHash.split(separator: "$").suffix(2).map(String.init)
            }
            let everything = shown + logs.all
            #expect(!logs.all.isEmpty)
            #expect(
                logs.all.contains { $0.hasPrefix("{") && $0.contains("\"call_id\"") },
                "JSON call lines were checked too"
            )
            for secret in secrets {
                for text in everything where text.contains(secret) {
                    Issue.record("a secret leaked into: \(text.prefix(120))")
                }
            }
        }
    }
}
