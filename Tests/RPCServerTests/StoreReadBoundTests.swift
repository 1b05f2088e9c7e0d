import Codec
import Domain
import Foundation
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
        // A cache of one product, so listings of the two below are the store's.
        var catalogConfiguration = ProductCatalog.Configuration()
        catalogConfiguration.cacheCapacity = 1
        try await withTestServer(catalogConfiguration: catalogConfiguration) { server in
            try await server.withClient(accessToken: try await server.accessToken()) { admin in
                _ = try await admin.createProduct(name: "Lamp", brand: "Acme", priceCents: 1)
                _ = try await admin.createProduct(name: "Desk", brand: "Acme", priceCents: 1)
            }
            let gate = Gate()
            server.store.holdReads(at: gate)
            let refused = EventCounter()
            try await server.withClient { flooder in
                try await withThrowingTaskGroup(of: RPCStatus?.self) { calls in
                    // 2 run (held at the gate), 8 wait behind them, the other 2 are refused at once.
                    for _ in 0..<12 {
                        calls.addTask {
                            do {
                                _ = try await flooder.listProducts()
                                return nil
                            } catch let status as RPCStatus {
                                refused.increment()
                                return status
                            }
                        }
                    }
                    try await refused.wait(forAtLeast: 2)

                    // The daemon still has room: another client's listing reaches the store, and
                    // none of the flooder's waiting ones did.
                    try await server.withClient { other in
                        async let otherPage = other.listProducts()
                        try await server.store.readsAtGate.wait(forAtLeast: 3)
                        #expect(server.store.readsAtGate.count == 3)
                        gate.open()
                        #expect(try await otherPage.products.count == 2)
                    }

                    var refusals: [RPCStatus] = []
                    for try await status in calls {
                        if let status { refusals.append(status) }
                    }
                    #expect(refusals.count == 2, "the other 10 were answered once the reads went through")
                    for status in refusals {
                        #expect(status.code == .resourceExhausted)
                        #expect(status.message.contains("on this connection"))
                    }
                }
            }
            #expect(server.store.readsAtGate.count == 12 - 2 + 1)
        }
    }
}
