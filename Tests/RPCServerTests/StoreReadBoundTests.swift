import Codec
import Domain
import Foundation
import GRPCCore
import RPCClient
import RPCServer
import TestSupport
import Testing

/// Issue 12, item 3b: the database work an anonymous client can start is bounded. Listings of
/// a catalog the cache holds do none; past the cache, each connection gets a small share of
/// the daemon's store reads.
@Suite struct StoreReadBoundTests {
    @Test func listingsOfACatalogTheCacheHoldsDoNoStoreIO() async throws {
        try await withTestServer { server in
            let created = try await server.withClient(accessToken: try await server.accessToken()) { admin in
                var created: [RPCClient.Product] = []
                for (index, brand) in ["Acme", "Other", "Acme"].enumerated() {
                    created.append(try await admin.createProduct(name: "P\(index)", brand: brand, priceCents: 1))
                }
                return created.sorted { $0.sku < $1.sku }
            }
            let before = server.store.callCount
            try await server.withClient { anonymous in
                var seen: [RPCClient.Product] = []
                var token = ""
                repeat {
                    let page = try await anonymous.listProducts(pageSize: 2, pageToken: token)
                    seen += page.products
                    token = page.nextPageToken
                } while !token.isEmpty
                #expect(seen == created)
                #expect(
                    try await anonymous.listProducts(brand: "Other").products == created.filter { $0.brand == "Other" }
                )
            }
            #expect(server.store.callCount == before, "answered from memory")
        }
    }

    @Test func oneConnectionHoldsOnlyItsShareOfTheDaemonsStoreReads() async throws {
        try await Self.withTwoProductsPastTheCache(grpc: false) { server in
            try await server.withClient { flooder in
                try await Self.flood(server) {
                    do {
                        _ = try await flooder.listProducts()
                        return nil
                    } catch let status as RPCStatus {
                        return (status.code == .resourceExhausted, status.message)
                    }
                }
            }
        }
    }

    /// Issue 27: the gRPC listener bounds each HTTP/2 connection as the framing bounds each of its
    /// connections, not each call.
    @Test func oneGRPCConnectionHoldsOnlyItsShareOfTheDaemonsStoreReads() async throws {
        try await Self.withTwoProductsPastTheCache(grpc: true) { server in
            try await withGRPCClient(server) { flooder in
                try await Self.flood(server) {
                    do {
                        let _: Catalog_V1_ListProductsResponse = try await flooder.call(
                            CatalogMethod.listProducts,
                            Catalog_V1_ListProductsRequest()
                        )
                        return nil
                    } catch let error as RPCError {
                        return (error.code == .resourceExhausted, error.message)
                    }
                }
            }
        }
    }

    /// A test server whose cache holds one product of the two it has, so listings are the store's.
    private static func withTwoProductsPastTheCache(
        grpc: Bool,
        _ body: @escaping @Sendable (TestServer) async throws -> Void
    ) async throws {
        var catalogConfiguration = ProductCatalog.Configuration()
        catalogConfiguration.cacheCapacity = 1
        try await withTestServer(catalogConfiguration: catalogConfiguration, grpc: grpc) { server in
            try await server.withClient(accessToken: try await server.accessToken()) { admin in
                _ = try await admin.createProduct(name: "Lamp", brand: "Acme", priceCents: 1)
                _ = try await admin.createProduct(name: "Desk", brand: "Acme", priceCents: 1)
            }
            try await body(server)
        }
    }

    /// Twelve listings at once on one connection, by `list` (nil when answered, else whether it was
    /// refused with RESOURCE_EXHAUSTED and the message): 2 run (held at the gate), 8 wait behind
    /// them, the other 2 are refused at once, while another client's listing still reaches the store.
    private static func flood(
        _ server: TestServer,
        list: @escaping @Sendable () async throws -> (exhausted: Bool, message: String)?
    ) async throws {
        let gate = Gate()
        server.store.holdReads(at: gate)
        let refused = EventCounter()
        try await withThrowingTaskGroup(of: (exhausted: Bool, message: String)?.self) { calls in
            for _ in 0..<12 {
                calls.addTask {
                    let refusal = try await list()
                    if refusal != nil { refused.increment() }
                    return refusal
                }
            }
            try await refused.wait(forAtLeast: 2)

            // The daemon still has room: another client's listing reaches the store, and none of
            // the flooder's waiting ones did.
            try await server.withClient { other in
                async let otherPage = other.listProducts()
                try await server.store.readsAtGate.wait(forAtLeast: 3)
                #expect(server.store.readsAtGate.count == 3)
                gate.open()
                #expect(try await otherPage.products.count == 2)
            }

            var refusals: [(exhausted: Bool, message: String)] = []
            for try await refusal in calls {
                if let refusal { refusals.append(refusal) }
            }
            #expect(refusals.count == 2, "the other 10 were answered once the reads went through")
            for refusal in refusals {
                #expect(refusal.exhausted)
                #expect(refusal.message.contains("on this connection"))
            }
        }
        #expect(server.store.readsAtGate.count == 12 - 2 + 1)
    }
}
