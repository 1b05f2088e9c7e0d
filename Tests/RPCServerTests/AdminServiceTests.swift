import Codec
import Domain
import Foundation
import RPCClient
import TestSupport
import Testing

@Suite struct AdminServiceTests {
    /// Runs `body` with a client logged in as the test admin.
    private func asAdmin(_ body: @escaping @Sendable (TestServer, CatalogClient) async throws -> Void) async throws {
        try await withTestServer { server async throws in
            let token = try await server.accessToken()
            try await server.withClient(accessToken: token) { client async throws in
                try await body(server, client)
            }
        }
    }

    private func code(_ body: () async throws -> Void) async -> StatusCode? {
        do {
            try await body()
            return .ok
        } catch let status as RPCStatus {
            return status.code
        } catch {
            return nil
        }
    }

    @Test func createListGetAndNeverASuperuser() async throws {
        try await self.asAdmin { _, client async throws in
            let bob = try await client.createAdmin(
                username: "bob",
                password: "a long enough secret",
                email: "bob@example.com"
            )
            #expect(!bob.isSuperuser)
            #expect(try await client.getAdmin(id: bob.id.uppercased()) == bob)
            #expect(try await client.listAdmins().admins.map(\.username).sorted() == ["alice", "bob"])
        }
    }

    @Test func aTakenUsernameInAnyCaseIsAlreadyExistsAndWritesNothing() async throws {
        try await self.asAdmin { _, client async throws in
            let taken = await self.code {
                _ = try await client.createAdmin(username: "ALICE", password: "a long enough secret")
            }
            #expect(taken == .alreadyExists)
            let bob = try await client.createAdmin(username: "bob", password: "a long enough secret")
            let renamed = await self.code { _ = try await client.updateAdmin(id: bob.id, username: "Alice") }
            #expect(renamed == .alreadyExists)
            #expect(try await client.listAdmins().admins.map(\.username).sorted() == ["alice", "bob"])
        }
    }

    @Test func passwordUsernameAndEmailRulesNameTheField() async throws {
        try await self.asAdmin { _, client async throws in
            let cases: [(String, String, String, String)] = [
                ("ab", "a long enough secret", "", "username"),
                ("bad name!", "a long enough secret", "", "username"),
                ("carol", "too short", "", "password"),
                ("carol-the-admin", "Carol-The-Admin", "", "password"),
                ("carol", String(repeating: "x", count: 1025), "", "password"),
                ("carol", "a long enough secret", "not an address", "email"),
            ]
            for (username, password, email, field) in cases {
                let error = await #expect(throws: RPCStatus.self) {
                    _ = try await client.createAdmin(username: username, password: password, email: email)
                }
                #expect(error?.code == .invalidArgument)
                #expect(error?.fieldViolations.map(\.field) == [field], "\(username)")
                #expect(error?.message.contains(password) == false)
            }
            #expect(try await client.listAdmins().admins.count == 1)
        }
    }

    @Test func superusersCannotBeChangedOrDeletedOverRPC() async throws {
        try await self.asAdmin { server, client async throws in
            let root = try await server.identity.createSuperuser(
                username: "root",
                email: "",
                password: "root password long"
            )
            let id = root.id.canonicalText
            #expect(
                await self.code { _ = try await client.updateAdmin(id: id, email: "x@example.com") }
                    == .permissionDenied
            )
            #expect(
                await self.code { _ = try await client.updateAdmin(id: id, password: "a new long password") }
                    == .permissionDenied
            )
            #expect(await self.code { try await client.deleteAdmin(id: id) } == .permissionDenied)
            #expect(try await client.getAdmin(id: id).updateTime == root.updateTime, "nothing changed")
        }
    }

    @Test func anAdminCannotDeleteThemself() async throws {
        try await self.asAdmin { _, client async throws in
            let me = try #require(try await client.listAdmins().admins.first { $0.username == TestAdmin.username })
            #expect(await self.code { try await client.deleteAdmin(id: me.id) } == .failedPrecondition)
        }
    }

    @Test func idsMustBeUUIDsOfExistingAdmins() async throws {
        try await self.asAdmin { _, client async throws in
            #expect(await self.code { _ = try await client.getAdmin(id: "42") } == .invalidArgument)
            #expect(await self.code { _ = try await client.getAdmin(id: UUID().uuidString) } == .notFound)
            #expect(await self.code { try await client.deleteAdmin(id: UUID().uuidString) } == .notFound)
        }
    }

    @Test func deletingAnAdminOrChangingTheirPasswordEndsTheirTokensAtOnce() async throws {
        try await self.asAdmin { server, client async throws in
            let bob = try await client.createAdmin(username: "bob", password: "bob's first password")
            let carol = try await client.createAdmin(username: "carol", password: "carol's first password")
            let bobToken = try await server.accessToken(username: "bob", password: "bob's first password")
            let carolToken = try await server.accessToken(username: "carol", password: "carol's first password")

            // Bob and Carol each call on a connection of their own first: the connection then
            // remembers the check, and must drop it when the change comes.
            try await server.withClient(accessToken: bobToken) { bobClient async throws in
                try await server.withClient(accessToken: carolToken) { carolClient async throws in
                    // Twice: a token's first call verifies it off the loop; the second is checked from memory.
                    for _ in 0..<2 {
                        _ = try await bobClient.listAdmins()
                        _ = try await carolClient.listAdmins()
                    }
                    _ = try await client.updateAdmin(id: bob.id, password: "bob's second password")
                    try await client.deleteAdmin(id: carol.id)
                    for stale in [bobClient, carolClient] {
                        #expect(await self.code { _ = try await stale.listAdmins() } == .unauthenticated)
                    }
                }
            }
            for token in [bobToken, carolToken] {
                try await server.withClient(accessToken: token) { stale async throws in
                    #expect(await self.code { _ = try await stale.listAdmins() } == .unauthenticated)
                }
            }
            _ = try await server.accessToken(username: "bob", password: "bob's second password")
            // The refresh token of the old password is dead too.
            let before = try await server.withClient {
                try await $0.login(username: "bob", password: "bob's second password")
            }
            _ = try await client.updateAdmin(id: bob.id, password: "bob's third password")
            let refresh = await self.code {
                _ = try await server.withClient { try await $0.refresh(refreshToken: before.refreshToken) }
            }
            #expect(refresh == .unauthenticated)
            let oldPassword = await self.code {
                _ = try await server.accessToken(username: "bob", password: "bob's first password")
            }
            #expect(oldPassword == .unauthenticated)
        }
    }

    @Test func changingYourOwnPasswordNeedsYourCurrentOne() async throws {
        try await self.asAdmin { server, client async throws in
            let me = try #require(try await client.listAdmins().admins.first { $0.username == TestAdmin.username })
            let newPassword = "a stolen token is not enough"
            #expect(
                await self.code { _ = try await client.updateAdmin(id: me.id, password: newPassword) }
                    == .permissionDenied
            )
            let wrong = await self.code {
                _ = try await client.updateAdmin(
                    id: me.id,
                    password: newPassword,
                    currentPassword: "a wrong guess here"
                )
            }
            #expect(wrong == .permissionDenied)
            _ = try await client.updateAdmin(id: me.id, password: newPassword, currentPassword: TestAdmin.password)
            // The change ended the token it was made with; the new password logs in.
            #expect(await self.code { _ = try await client.listAdmins() } == .unauthenticated)
            _ = try await server.accessToken(username: TestAdmin.username, password: newPassword)
        }
    }

    @Test func anotherAdminCanChangeProducts() async throws {
        try await self.asAdmin { server, client async throws in
            _ = try await client.createAdmin(username: "bob", password: "bob's long password")
            let bobToken = try await server.accessToken(username: "bob", password: "bob's long password")
            try await server.withClient(accessToken: bobToken) { bob async throws in
                let product = try await bob.createProduct(name: "Lamp", brand: "Acme", priceCents: 100)
                #expect(try await bob.updateProduct(sku: product.sku, priceCents: 200).version == 2)
            }
        }
    }
}
