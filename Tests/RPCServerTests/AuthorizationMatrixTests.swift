import Codec
import Credentials
import Domain
import Foundation
import RPCClient
import TestSupport
import Testing

/// Every method against every kind of credential gets exactly the status PROTOCOL.md gives.
@Suite struct AuthorizationMatrixTests {
    enum Credential: String, CaseIterable, Sendable {
        case anonymous, garbage, expired, otherKey, algNone, validAdmin, deletedAdmin, beforePasswordChange
    }

    struct Call: Sendable {
        var method: String
        var adminOnly: Bool
        /// The status when access is granted: the request is valid, or names nothing that exists.
        var granted: StatusCode
        var run: @Sendable (CatalogClient) async throws -> Void
    }

    private static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// The access token each credential kind sends; `nil` for none.
    private func tokens(_ server: TestServer) async throws -> [Credential: String?] {
        let valid = try await server.accessToken()
        let alice = try #require(try await server.adminStore.admin(username: TestAdmin.username))
        let now = Date()
        let expired = try await JWTTokenCodec(key: TestCredentials.tokenKey).signAccessToken(
            AccessClaims(
                adminID: alice.id,
                familyID: UUID(),
                tokenVersion: alice.tokenVersion,
                tokenID: UUID(),
                issueTime: now.addingTimeInterval(-3600),
                expireTime: now.addingTimeInterval(-60)
            )
        )
        let otherKey = try await JWTTokenCodec(key: Array(repeating: 42, count: 32)).signAccessToken(
            AccessClaims(
                adminID: alice.id,
                familyID: UUID(),
                tokenVersion: alice.tokenVersion,
                tokenID: UUID(),
                issueTime: now,
                expireTime: now.addingTimeInterval(600)
            )
        )
        let payload = valid.split(separator: ".")[1]
        let algNone = Self.base64URL(Data(#"{"alg":"none","typ":"JWT"}"#.utf8)) + "." + payload + "."

        let actor = AdminIdentity(id: alice.id, username: alice.username)
        let bob = try await server.identity.createAdmin(
            NewAdmin(username: "bob", password: "bob's long password", email: ""),
            by: actor
        )
        let deleted = try await server.accessToken(username: "bob", password: "bob's long password")
        try await server.identity.deleteAdmin(id: bob.id, by: actor)
        let carol = try await server.identity.createAdmin(
            NewAdmin(username: "carol", password: "carol's long password", email: ""),
            by: actor
        )
        let stale = try await server.accessToken(username: "carol", password: "carol's long password")
        _ = try await server.identity.updateAdmin(
            id: carol.id,
            changes: AdminChanges(password: "carol's new password"),
            by: actor
        )

        return [
            .anonymous: nil, .garbage: "garbage", .expired: expired, .otherKey: otherKey, .algNone: algNone,
            .validAdmin: valid, .deletedAdmin: deleted, .beforePasswordChange: stale,
        ]
    }

    private func calls(_ server: TestServer, sku: String, aliceID: String) -> [Call] {
        let missing = UUID().uuidString
        let counter = EventCounter()
        let freshRefreshToken: @Sendable () async throws -> String = {
            try await server.withClient {
                try await $0.login(username: TestAdmin.username, password: TestAdmin.password).refreshToken
            }
        }
        return [
            Call(method: "ListProducts", adminOnly: false, granted: .ok) { _ = try await $0.listProducts() },
            Call(method: "GetProduct", adminOnly: false, granted: .ok) { _ = try await $0.getProduct(sku: sku) },
            Call(method: "CreateProduct", adminOnly: true, granted: .ok) {
                _ = try await $0.createProduct(name: "New", brand: "Acme", priceCents: 1)
            },
            Call(method: "UpdateProduct", adminOnly: true, granted: .ok) {
                _ = try await $0.updateProduct(sku: sku, name: "Renamed")
            },
            Call(method: "DeleteProduct", adminOnly: true, granted: .notFound) {
                try await $0.deleteProduct(sku: missing)
            },
            Call(method: "ListAdmins", adminOnly: true, granted: .ok) { _ = try await $0.listAdmins() },
            Call(method: "GetAdmin", adminOnly: true, granted: .ok) { _ = try await $0.getAdmin(id: aliceID) },
            Call(method: "CreateAdmin", adminOnly: true, granted: .ok) { client in
                counter.increment()
                _ = try await client.createAdmin(username: "made\(counter.count)", password: "a long enough secret")
            },
            Call(method: "UpdateAdmin", adminOnly: true, granted: .notFound) {
                _ = try await $0.updateAdmin(id: missing, email: "")
            },
            Call(method: "DeleteAdmin", adminOnly: true, granted: .notFound) { try await $0.deleteAdmin(id: missing) },
            Call(method: "Login", adminOnly: false, granted: .ok) {
                _ = try await $0.login(username: TestAdmin.username, password: TestAdmin.password)
            },
            Call(method: "Refresh", adminOnly: false, granted: .ok) { client in
                _ = try await client.refresh(refreshToken: try await freshRefreshToken())
            },
            Call(method: "Logout", adminOnly: false, granted: .ok) { client in
                try await client.logout(refreshToken: try await freshRefreshToken())
            },
            Call(method: "Health/Check", adminOnly: false, granted: .ok) { _ = try await $0.health() },
            Call(method: "TopProducts", adminOnly: true, granted: .ok) {
                _ = try await $0.topProducts(start: Date().addingTimeInterval(-3600), end: Date())
            },
            Call(method: "ProductViewSeries", adminOnly: true, granted: .notFound) {
                _ = try await $0.productViewSeries(sku: missing, start: Date().addingTimeInterval(-3600), end: Date())
            },
            Call(method: "BrandViews", adminOnly: true, granted: .ok) {
                _ = try await $0.brandViews(start: Date().addingTimeInterval(-3600), end: Date())
            },
        ]
    }

    @Test func everyMethodAgainstEveryCredential() async throws {
        try await withTestServer { server async throws in
            let tokens = try await self.tokens(server)
            let validToken = try #require(tokens[.validAdmin] ?? nil)
            let sku = try await server.withClient(accessToken: validToken) { client in
                try await client.createProduct(name: "Lamp", brand: "Acme", priceCents: 1).sku
            }
            let aliceID = try #require(try await server.adminStore.admin(username: TestAdmin.username)).id.canonicalText
            for credential in Credential.allCases {
                for call in self.calls(server, sku: sku, aliceID: aliceID) {
                    let expected: StatusCode =
                        switch credential {
                        case .validAdmin: call.granted
                        case .anonymous: call.adminOnly ? .unauthenticated : call.granted
                        default: .unauthenticated
                        }
                    let token = tokens[credential] ?? nil
                    let actual: StatusCode = try await server.withClient(accessToken: token) { client in
                        do {
                            try await call.run(client)
                            return .ok
                        } catch let status as RPCStatus {
                            return status.code
                        }
                    }
                    #expect(actual == expected, "\(call.method) as \(credential.rawValue)")
                }
            }
        }
    }
}
