import Codec
import Domain
import Foundation
import RPCClient
import RPCServer
import Testing

@Suite struct ProductServiceTests {
    @Test func healthServesOverTLS() async throws {
        try await withTestServer { server in
            try await server.withClient { client async throws in
                #expect(try await client.health() == .serving)
                #expect(try await client.health(service: "catalog.v1.ProductService") == .serving)
                let error = await #expect(throws: RPCStatus.self) { _ = try await client.health(service: "nope") }
                #expect(error?.code == .notFound)
            }
        }
    }

    @Test func anAdminCreatesUpdatesAndDeletesAndAnyoneReads() async throws {
        try await withTestServer { server in
            try await server.withClient(accessToken: try await server.accessToken()) { admin async throws in
                let created = try await admin.createProduct(name: " Lamp ", brand: "Acme", priceCents: 1999)
                #expect(created.name == "Lamp")
                #expect(created.currency == "MXN")
                #expect(created.version == 1)

                let updated = try await admin.updateProduct(sku: created.sku, priceCents: 2500, expectedVersion: 1)
                #expect(updated.priceCents == 2500)
                #expect(updated.version == 2)

                try await server.withClient { anonymous async throws in
                    #expect(try await anonymous.getProduct(sku: created.sku.uppercased()) == updated)
                    #expect(try await anonymous.listProducts().products == [updated])
                }

                let stale = await #expect(throws: RPCStatus.self) {
                    try await admin.deleteProduct(sku: created.sku, expectedVersion: 1)
                }
                #expect(stale?.code == .aborted)
                try await admin.deleteProduct(sku: created.sku, expectedVersion: 2)
                let gone = await #expect(throws: RPCStatus.self) { _ = try await admin.getProduct(sku: created.sku) }
                #expect(gone?.code == .notFound)
            }
        }
    }

    @Test func validationFailuresNameEachField() async throws {
        try await withTestServer { server in
            try await server.withClient(accessToken: try await server.accessToken()) { admin async throws in
                let error = await #expect(throws: RPCStatus.self) {
                    _ = try await admin.createProduct(name: "", brand: "", priceCents: -5, currency: "mx")
                }
                #expect(error?.code == .invalidArgument)
                #expect(Set(error?.fieldViolations.map(\.field) ?? []) == ["name", "brand", "price_cents", "currency"])
                let badSku = await #expect(throws: RPCStatus.self) { _ = try await admin.getProduct(sku: "42") }
                #expect(badSku?.code == .invalidArgument)
                #expect(try await admin.listProducts().products.isEmpty, "nothing was written")
            }
        }
    }

    @Test func writesNeedAnAdminAndABadTokenIsNeverAnonymous() async throws {
        try await withTestServer { server in
            try await server.withClient { anonymous async throws in
                let error = await #expect(throws: RPCStatus.self) {
                    _ = try await anonymous.createProduct(name: "A", brand: "B", priceCents: 1)
                }
                #expect(error?.code == .unauthenticated)
            }
            try await server.withClient(accessToken: "forged") { forged async throws in
                let error = await #expect(throws: RPCStatus.self) { _ = try await forged.listProducts() }
                #expect(error?.code == .unauthenticated)
            }
        }
    }

    @Test func anonymousReadsCountExactlyAndNothingElseDoes() async throws {
        try await withTestServer { server in
            let product = try await server.withClient(accessToken: try await server.accessToken()) {
                admin async throws in
                let product = try await admin.createProduct(name: "Lamp", brand: "Acme", priceCents: 1)
                _ = try await admin.getProduct(sku: product.sku)
                return product
            }
            let reads = 250
            try await server.withClient { anonymous async throws in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for _ in 0..<reads {
                        group.addTask { _ = try await anonymous.getProduct(sku: product.sku) }
                    }
                    try await group.waitForAll()
                }
                _ = try await anonymous.listProducts()
                _ = try? await anonymous.getProduct(sku: UUID().uuidString)
            }
            try await server.catalog.flushViews()
            try await server.withClient { client async throws in
                #expect(try await client.listProducts().products.first?.views == UInt64(reads))
            }
        }
    }

    @Test func getProductDoesNoStoreIO() async throws {
        try await withTestServer { server in
            let sku = try await server.withClient(accessToken: try await server.accessToken()) { admin async throws in
                try await admin.createProduct(name: "Lamp", brand: "Acme", priceCents: 1).sku
            }
            let before = server.store.callCount
            try await server.withClient { anonymous async throws in
                for _ in 0..<200 {
                    _ = try await anonymous.getProduct(sku: sku)
                }
                _ = try? await anonymous.getProduct(sku: UUID().uuidString)
            }
            #expect(server.store.callCount == before)
        }
    }

    @Test func listingPagesThroughEveryProduct() async throws {
        try await withTestServer { server in
            try await server.withClient(accessToken: try await server.accessToken()) { admin async throws in
                var created: [String] = []
                for index in 0..<5 {
                    created.append(try await admin.createProduct(name: "P\(index)", brand: "Acme", priceCents: 1).sku)
                }
                var seen: [String] = []
                var token = ""
                repeat {
                    let page = try await admin.listProducts(pageSize: 2, pageToken: token)
                    seen += page.products.map(\.sku)
                    token = page.nextPageToken
                } while !token.isEmpty
                #expect(seen == created.sorted())
                let tooLarge = await #expect(throws: RPCStatus.self) {
                    _ = try await admin.listProducts(pageSize: 1001)
                }
                #expect(tooLarge?.code == .invalidArgument)
            }
        }
    }
}
