import Domain
import Foundation
import Storage
import TestSupport
import Testing

/// What every `ProductStore` must do, run against SQLite and PostgreSQL alike.
@Suite struct ProductStoreConformanceTests {
    @Test(arguments: StoreKind.enabled)
    func productsRoundTripExactly(kind: StoreKind) async throws {
        try await kind.withStore { store in
            let product = Fixtures.product(name: "Läмп ☃ 'quoted'")
            try await store.insertProduct(product, change: Fixtures.created(product), continueViewHistory: false)
            #expect(try await store.product(sku: product.sku) == product)
            #expect(try await store.product(sku: UUID()) == nil)
        }
    }

    @Test(arguments: StoreKind.enabled)
    func aTakenSkuIsAlreadyExistsAndWritesNothing(kind: StoreKind) async throws {
        try await kind.withStore { store in
            try await store.insertAdmin(Fixtures.admin("reader"))
            let product = Fixtures.product()
            try await store.insertProduct(product, change: Fixtures.created(product), continueViewHistory: false)
            var copy = Fixtures.product(name: "Other", sku: product.sku)
            copy.priceCents = 1
            let error = await #expect(throws: DomainError.self) {
                try await store.insertProduct(copy, change: Fixtures.created(copy), continueViewHistory: false)
            }
            #expect(error?.code == .alreadyExists)
            #expect(try await store.product(sku: product.sku) == product)
            let outbox = try await store.listNotifications(status: nil, after: nil, limit: 10)
            #expect(outbox.count == 1, "the refused insert's notification rolled back with it")
        }
    }

    @Test(arguments: StoreKind.enabled)
    func updateAndDeleteRunTheirChecksInTheTransaction(kind: StoreKind) async throws {
        try await kind.withStore { store in
            let product = Fixtures.product()
            try await store.insertProduct(product, change: Fixtures.created(product), continueViewHistory: false)
            let updated = try await store.updateProduct(sku: product.sku, Fixtures.rename(to: "Desk"))
            #expect(updated.name == "Desk" && updated.version == product.version + 1)
            #expect(try await store.product(sku: product.sku) == updated)

            let refusedUpdate = await #expect(throws: DomainError.self) {
                _ = try await store.updateProduct(sku: product.sku) { _ -> ProductUpdate in
                    throw DomainError(.aborted, "no")
                }
            }
            #expect(refusedUpdate?.code == .aborted)
            await #expect(throws: DomainError.self) {
                _ = try await store.deleteProduct(sku: product.sku, at: Timestamp.now()) { _ -> ProductChange in
                    throw DomainError(.failedPrecondition, "no")
                }
            }
            #expect(try await store.product(sku: product.sku) == updated, "a refused change writes nothing")

            #expect(
                try await store.deleteProduct(sku: product.sku, at: Timestamp.now()) { Fixtures.deleted($0) } == updated
            )
            #expect(try await store.product(sku: product.sku) == nil)
            let missing = await #expect(throws: DomainError.self) {
                _ = try await store.deleteProduct(sku: product.sku, at: Timestamp.now()) { Fixtures.deleted($0) }
            }
            #expect(missing?.code == .notFound)
            let missingUpdate = await #expect(throws: DomainError.self) {
                _ = try await store.updateProduct(sku: product.sku, Fixtures.rename(to: "Ghost"))
            }
            #expect(missingUpdate?.code == .notFound)
        }
    }

    @Test(arguments: StoreKind.enabled)
    func anUpdateWithoutChangeWritesNothing(kind: StoreKind) async throws {
        try await kind.withStore { store in
            try await store.insertAdmin(Fixtures.admin("reader"))
            let product = Fixtures.product()
            try await store.insertProduct(product, change: Fixtures.created(product), continueViewHistory: false)
            let same = try await store.updateProduct(sku: product.sku) { ProductUpdate(product: $0, change: nil) }
            #expect(same == product)
            #expect(try await store.listNotifications(status: nil, after: nil, limit: 10).count == 1)
        }
    }

    @Test(arguments: StoreKind.enabled)
    func listingIsOrderedBySkuAfterTheCursorWithTheBrandFilter(kind: StoreKind) async throws {
        try await kind.withStore { store in
            var all: [Product] = []
            for index in 0..<10 {
                let product = Fixtures.product(name: "P\(index)", brand: index < 4 ? "Acme" : "Other")
                try await store.insertProduct(product, change: Fixtures.created(product), continueViewHistory: false)
                all.append(product)
            }
            let sorted = all.sorted { $0.sku.canonicalText < $1.sku.canonicalText }
            #expect(try await store.listProducts(after: nil, brand: nil, limit: 100) == sorted)
            #expect(try await store.listProducts(after: sorted[2].sku, brand: nil, limit: 3) == Array(sorted[3..<6]))
            #expect(try await store.listProducts(after: sorted[9].sku, brand: nil, limit: 3).isEmpty)
            let acme = try await store.listProducts(after: nil, brand: "Acme", limit: 100)
            #expect(acme == sorted.filter { $0.brand == "Acme" })
            let acmeAfterFirst = try await store.listProducts(after: acme[0].sku, brand: "Acme", limit: 100)
            #expect(acmeAfterFirst == Array(acme.dropFirst()))
            #expect(try await store.listProducts(after: nil, brand: "acme", limit: 100).isEmpty, "brands match exactly")
            #expect(try await store.loadProducts(limit: 4) == Array(sorted.prefix(4)))
        }
    }

    @Test(arguments: StoreKind.enabled)
    func viewsAreAddedAndTotalledAndDeletedProductsSkipped(kind: StoreKind) async throws {
        try await kind.withStore { store in
            let kept = Fixtures.product()
            let deleted = Fixtures.product()
            try await store.insertProduct(kept, change: Fixtures.created(kept), continueViewHistory: false)
            try await store.insertProduct(deleted, change: Fixtures.created(deleted), continueViewHistory: false)
            _ = try await store.deleteProduct(sku: deleted.sku, at: Timestamp.now()) { Fixtures.deleted($0) }
            #expect(try await store.addViews([kept.sku: 5, deleted.sku: 3, UUID(): 1], hour: 0) == [kept.sku: 5])
            #expect(try await store.addViews([kept.sku: 2], hour: 0) == [kept.sku: 7])
            #expect(try await store.product(sku: kept.sku)?.views == 7)
            // An update keeps the views: they live in their own table.
            let updated = try await store.updateProduct(sku: kept.sku, Fixtures.rename(to: "Renamed"))
            #expect(updated.views == 7)
            #expect(try await store.listProducts(after: nil, brand: nil, limit: 10).first?.views == 7)
        }
    }

    @Test(arguments: StoreKind.enabled)
    func concurrentFlushesAddUp(kind: StoreKind) async throws {
        try await kind.withStore { store in
            var products: [Product] = []
            for index in 0..<20 {
                let product = Fixtures.product(name: "P\(index)")
                try await store.insertProduct(product, change: Fixtures.created(product), continueViewHistory: false)
                products.append(product)
            }
            let counts = Dictionary(uniqueKeysWithValues: products.map { ($0.sku, UInt64(1)) })
            // Eight flushers at once over the same products, as eight daemons would.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        for _ in 0..<5 {
                            _ = try await store.addViews(counts, hour: 0)
                        }
                    }
                }
                try await group.waitForAll()
            }
            for product in products {
                #expect(try await store.product(sku: product.sku)?.views == 40)
            }
        }
    }

    @Test(arguments: StoreKind.enabled)
    func moreCountsThanOneStatementBindsFitOneFlush(kind: StoreKind) async throws {
        try await kind.withStore { store in
            let counted = Fixtures.product()
            try await store.insertProduct(counted, change: Fixtures.created(counted), continueViewHistory: false)
            // 17,000 counts: past SQLite's 32,766 bound parameters per statement at two each.
            var counts: [UUID: UInt64] = [counted.sku: 9]
            for _ in 0..<17_000 {
                counts[UUID()] = 1
            }
            #expect(try await store.addViews(counts, hour: 0) == [counted.sku: 9])
            #expect(try await store.product(sku: counted.sku)?.views == 9)
        }
    }

    @Test(arguments: StoreKind.enabled)
    func theStoreIsReachable(kind: StoreKind) async throws {
        try await kind.withStore { store in
            #expect(await store.isReachable())
        }
    }
}

@Suite(.enabled(if: PostgresTestDatabase.isEnabled, "needs PostgreSQL: run with make test"))
struct PostgresStoreTests {
    @Test func daemonsStartingTogetherMigrateOnce() async throws {
        try await PostgresTestDatabase.withDatabase { url in
            let parsed = try PostgresURL(url)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        try await PostgresStore.withStore(url: parsed, options: .forTests, logger: .quiet) { store in
                            #expect(await store.isReachable())
                        }
                    }
                }
                try await group.waitForAll()
            }
            #expect(try await PostgresTestDatabase.query(url, "SELECT count(*) FROM schema_migrations") == "5")
        }
    }

    @Test func anUnknownDatabaseFailsTheStartWithTheServersReason() async throws {
        let cluster = try #require(PostgresTestDatabase.clusterURL)
        let url = try PostgresURL(String(cluster[...cluster.lastIndex(of: "/")!]) + "no_such_database")
        await #expect {
            try await PostgresStore.withStore(url: url, options: .forTests, logger: .quiet) { _ in }
        } throws: { error in
            "\(error)".contains("database \"no_such_database\" does not exist")
        }
    }

    @Test func tlsToTheDatabaseIsUsedAndVerifiedWhenTheURLAsks() async throws {
        let cluster = try #require(PostgresTestDatabase.clusterURL)
        let ca = try #require(PostgresTestDatabase.clusterCA, "make test sets CATALOG_TEST_POSTGRES_CA")
        try await PostgresTestDatabase.withDatabase { url in
            let database = String(url[url.index(after: url.lastIndex(of: "/")!)...])
            for mode in ["require", "verify-ca&sslrootcert=\(ca)", "verify-full&sslrootcert=\(ca)"] {
                try await PostgresStore.withStore(
                    url: try PostgresURL(url + "?sslmode=" + mode),
                    options: .forTests,
                    logger: .quiet
                ) {
                    store in
                    #expect(await store.isReachable())
                    // The server's view of the store's connections to this database: all encrypted.
                    let encryption = try await PostgresTestDatabase.query(
                        cluster + "?sslmode=disable",
                        """
                        SELECT string_agg(DISTINCT s.ssl::text, ',') FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid)
                        WHERE a.datname = '\(database)'
                        """
                    )
                    #expect(encryption == "true", "sslmode=\(mode)")
                }
            }
        }
        // The cluster's certificate is self-signed: without it as the root, verification fails.
        await #expect {
            try await PostgresStore.withStore(
                url: try PostgresURL(cluster + "?sslmode=verify-full"),
                options: .forTests,
                logger: .quiet
            ) {
                _ in
            }
        } throws: { error in
            "\(error)".contains("not signed by a trusted CA")
        }
    }
}
