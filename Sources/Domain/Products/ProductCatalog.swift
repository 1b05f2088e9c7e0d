public import Foundation
import Synchronization

/// The product use cases: reads served from memory, writes through the store, views
/// counted in memory and flushed in batches.
public final class ProductCatalog: Sendable {
    public struct Configuration: Sendable {
        /// The currency of a product created without one.
        var defaultCurrency = "MXN"
        /// At most this many products are cached; past it, cache misses read the store.
        public var cacheCapacity = 1_000_000
        /// Called after a change and its notifications committed, to wake the mail worker.
        public var changeCommitted: @Sendable () -> Void = {}
        /// Told of each read that missed the cache and went to the store (for the metrics).
        public var cacheMissed: @Sendable (CacheMiss) -> Void = { _ in }
        /// Anonymous reads that go to the store (listings and GetProduct past a partial cache), per
        /// daemon: running at once, and waiting behind them before RESOURCE_EXHAUSTED. Below the
        /// store's connections (20 on PostgreSQL), so writes and the view flush always find one.
        /// (While the cache holds the whole catalog, listings are answered from memory.)
        var maxAnonymousStoreReads = 8
        var maxAnonymousStoreReadsWaiting = 64
        /// The wall clock: products' create and update times, the view buckets; and how the
        /// periodic flush waits (a test clock in tests).
        public var now: @Sendable () -> Date = Date.init
        public var sleep: @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }

        public init() {}
    }

    private let store: any ProductStore
    private let cache: ProductCache
    private let views = ViewCounter()
    /// The views not yet in the store, and when the counting period of the next drain began.
    private let pendingViews: Mutex<ViewFlushState>
    private let configuration: Configuration
    private let anonymousReads: WorkLimiter

    public init(store: any ProductStore, configuration: Configuration = Configuration()) {
        self.store = store
        self.configuration = configuration
        self.cache = ProductCache(capacity: configuration.cacheCapacity)
        self.pendingViews = Mutex(ViewFlushState(periodStart: configuration.now()))
        self.anonymousReads = WorkLimiter(
            maxRunning: configuration.maxAnonymousStoreReads,
            maxWaiting: configuration.maxAnonymousStoreReadsWaiting,
            refusal: "too many anonymous reads of the database at once; try again shortly"
        )
    }

    /// Fills the cache from the store; call once before serving.
    public func warmUp() async throws {
        let products = try await self.store.loadProducts(limit: self.configuration.cacheCapacity + 1)
        self.cache.fill(with: products)
    }

    // MARK: Reads

    /// GetProduct's hot path: answers from memory only, counting a view for an anonymous
    /// caller who finds the product. `.unknown` means only the store can answer (`product`).
    @inline(__always)
    public func cachedProduct(sku: UUID, caller: Caller) -> ProductCache.Lookup {
        let lookup = self.cache.lookup(sku)
        if case .found = lookup, caller.admin == nil {
            self.views.count(sku)
        }
        return lookup
    }

    /// `cachedProduct`, answered with the product's wire form: `serialize` runs once per
    /// product state, not once per read.
    @inline(__always)
    public func cachedSerializedProduct(
        sku: UUID,
        caller: Caller,
        serialize: (Product) throws -> [UInt8]
    ) throws -> ProductCache.SerializedLookup {
        let lookup = try self.cache.lookupSerialized(sku, serialize: serialize)
        if case .found = lookup, caller.admin == nil {
            self.views.count(sku)
        }
        return lookup
    }

    /// One product, from the cache or, when the cache is partial, from the store.
    /// - Parameter clientReads: as for `listProducts`.
    /// - Throws: `notFound` when there is no such product.
    public func product(sku: UUID, caller: Caller, clientReads: WorkLimiter? = nil) async throws -> Product {
        switch self.cachedProduct(sku: sku, caller: caller) {
        case .found(let product):
            return product
        case .absent:
            throw Self.notFound(sku)
        case .unknown:
            self.configuration.cacheMissed(.product)
            guard
                let product = try await self.bounded(
                    for: caller,
                    clientReads: clientReads,
                    { try await self.store.product(sku: sku) }
                )
            else {
                throw Self.notFound(sku)
            }
            if caller.admin == nil {
                self.views.count(sku)
            }
            return product
        }
    }

    /// One page of products ordered by sku, optionally of one brand: from memory while the
    /// cache holds the whole catalog, else from the store.
    /// - Parameter clientReads: bounds the store reads of the caller's connection, so that one
    ///   client cannot take every place of the daemon's bound.
    /// - Throws: `resourceExhausted` when too many anonymous reads of the store are waiting.
    public func listProducts(
        pageSize: Int32,
        pageToken: String,
        brand: String,
        caller: Caller = .anonymous,
        clientReads: WorkLimiter? = nil
    ) async throws -> Page<Product> {
        let size = try PageToken.pageSize(pageSize)
        let after = try PageToken.decode(pageToken)
        let brand = brand.isEmpty ? nil : brand
        let products: [Product]
        if let cached = self.cache.listing(after: after, brand: brand, limit: size + 1) {
            products = cached
        } else {
            self.configuration.cacheMissed(.listing)
            products = try await self.bounded(for: caller, clientReads: clientReads) {
                try await self.store.listProducts(after: after, brand: brand, limit: size + 1)
            }
        }
        return Page(fetched: products, size: size) { PageToken.encode(after: $0.sku) }
    }

    /// Runs an anonymous caller's store read within its connection's bound and the daemon's;
    /// an admin's at once.
    private func bounded<Result: Sendable>(
        for caller: Caller,
        clientReads: WorkLimiter?,
        _ read: () async throws -> Result
    ) async throws -> Result {
        guard caller.admin == nil else { return try await read() }
        guard let clientReads else { return try await self.anonymousReads.run(read) }
        return try await clientReads.run { try await self.anonymousReads.run(read) }
    }

    // MARK: Writes

    public func createProduct(_ input: NewProduct, by actor: AdminIdentity) async throws -> Product {
        let product = try input.validated(
            defaultCurrency: self.configuration.defaultCurrency,
            now: Timestamp.truncated(self.configuration.now())
        )
        let change = ProductChange(actor: actor, action: .created, sku: product.sku, name: product.name)
        var created = product
        created.views = try await self.store.insertProduct(
            product,
            change: change,
            continueViewHistory: input.continueViewHistory
        )
        // A new insert is the sku's newest state even over the tombstone of a deleted namesake.
        self.cache.putFromStore(created)
        self.configuration.changeCommitted()
        return created
    }

    /// Applies `changes`; an update that changes nothing writes nothing, keeps the version
    /// and notifies nobody.
    public func updateProduct(sku: UUID, changes: ProductChanges, by actor: AdminIdentity) async throws -> Product {
        let updated = try await self.store.updateProduct(sku: sku) { current in
            let next = try changes.applied(to: current, now: Timestamp.truncated(self.configuration.now()))
            guard let change = ProductChange.update(from: current, to: next, by: actor) else {
                return ProductUpdate(product: current, change: nil)
            }
            return ProductUpdate(product: next, change: change)
        }
        self.cache.put(updated)
        self.configuration.changeCommitted()
        return updated
    }

    public func deleteProduct(sku: UUID, expectedVersion: UInt64, by actor: AdminIdentity) async throws {
        let now = Timestamp.truncated(self.configuration.now())
        let deleted = try await self.store.deleteProduct(sku: sku, at: now) { current in
            try checkExpectedVersion(expectedVersion, of: current)
            return ProductChange(actor: actor, action: .deleted, sku: current.sku, name: current.name)
        }
        self.cache.markDeleted(sku, version: deleted.version)
        self.configuration.changeCommitted()
    }

    // MARK: Views

    /// Writes the views counted since the last flush, each batch in one additive statement
    /// with its hour's buckets. The views drained now belong to the hour their counting period
    /// began in (`flushViewsPeriodically` ends a period at every hour). On failure the batches
    /// are kept for the next flush, still in their hours, so none is lost.
    public func flushViews() async throws {
        let now = self.configuration.now()
        let batches = self.pendingViews.withLock { state in
            // Drained under the lock, so two flushes at once cannot swap their periods.
            let hour = ViewGranularity.hour.bucketStart(containing: ReportWindow.seconds(state.periodStart))
            state.batches.add(self.views.drain(), hour: hour)
            state.periodStart = now
            let batches = state.batches.takeAll()
            state.writing += batches.reduce(0) { $0 + PendingViews.total($1.counts) }
            return batches
        }
        for (index, batch) in batches.enumerated() {
            let totals: [UUID: UInt64]
            do {
                totals = try await self.store.addViews(batch.counts, hour: batch.hour)
            } catch {
                self.pendingViews.withLock { state in
                    for unwritten in batches[index...] {
                        state.batches.add(unwritten.counts, hour: unwritten.hour)
                        state.writing -= PendingViews.total(unwritten.counts)
                    }
                }
                throw error
            }
            self.pendingViews.withLock { state in
                let written = PendingViews.total(batch.counts)
                state.writing -= written
                state.flushed += written
            }
            self.cache.raiseViews(to: totals)
        }
    }

    /// The products cached, and whether they are the whole catalog (else misses read the store).
    public var cacheStatistics: (products: Int, isComplete: Bool) {
        (self.cache.count, self.cache.isComplete)
    }

    /// The views counted since start: those in the store and those still in memory. Read under
    /// the lock the flush drains the counter under, so a view is in exactly one of them.
    public func viewStatistics() -> ViewStatistics {
        self.pendingViews.withLock { state in
            ViewStatistics(
                flushed: state.flushed,
                pending: self.views.pendingCount() + state.batches.total + state.writing
            )
        }
    }

    /// Flushes views every `interval`, and as each UTC hour begins (so that views land in the
    /// hour they were counted in), until the task is cancelled; then calls `hourBegan` after
    /// the first flush of each hour. A failed flush keeps its counts for the next one, which
    /// waits longer after each failure in a row (`interval` doubled, up to 30 s or `interval`
    /// if longer), so an outage costs a few attempts a minute. The caller flushes once more
    /// after cancellation.
    /// - Parameter flushed: told of each flush: its error (`nil` when it succeeded) and how long it took.
    public func flushViewsPeriodically(
        every interval: Duration,
        hourBegan: @Sendable () async -> Void = {},
        flushed: @Sendable (_ error: (any Error)?, _ duration: Duration) -> Void
    ) async {
        var hour = ViewGranularity.hour.bucketStart(containing: ReportWindow.seconds(self.configuration.now()))
        var backoff = RetryBackoff(initial: interval, maximum: max(interval, .seconds(30)))
        var wait = interval
        while !Task.isCancelled {
            let now = self.configuration.now().timeIntervalSince1970
            let untilNextHour = Double(hour + ViewGranularity.hour.seconds) - now
            do {
                try await self.configuration.sleep(min(wait, .seconds(max(untilNextHour, 0))))
            } catch {
                return
            }
            let started = ContinuousClock.now
            do {
                try await self.flushViews()
                backoff.succeeded()
                wait = interval
                flushed(nil, ContinuousClock.now - started)
            } catch {
                wait = backoff.failed()
                flushed(error, ContinuousClock.now - started)
            }
            let current = ViewGranularity.hour.bucketStart(containing: ReportWindow.seconds(self.configuration.now()))
            if current != hour {
                hour = current
                await hourBegan()
            }
        }
    }

    // MARK: Changes made elsewhere

    /// Brings one product's cache entry up to date with the store, after another daemon
    /// (or this one) changed it.
    public func refreshProduct(sku: UUID) async throws {
        if let product = try await self.store.product(sku: sku) {
            self.cache.putFromStore(product)
        } else {
            self.cache.markDeleted(sku, version: .max)
        }
    }

    /// Raises cached views to totals another daemon's flush announced.
    public func applyViewTotals(_ totals: [UUID: UInt64]) {
        self.cache.raiseViews(to: totals)
    }

    /// Reloads the whole cache from the store, for when changes may have gone unheard.
    public func reload() async throws {
        let products = try await self.store.loadProducts(limit: self.configuration.cacheCapacity + 1)
        self.cache.replace(with: products)
    }

    /// Whether the store answers now.
    public func isStoreReachable() async -> Bool {
        await self.store.isReachable()
    }

    private static func notFound(_ sku: UUID) -> DomainError {
        DomainError(.notFound, "product \(sku.canonicalText) not found")
    }
}

/// What the view flush holds between flushes.
private struct ViewFlushState {
    var batches = PendingViews()
    /// When the counting period of the next drain began.
    var periodStart: Date
    /// Views of batches being written now.
    var writing: UInt64 = 0
    /// Views written to the store since start.
    var flushed: UInt64 = 0
}

/// The views counted since the daemon started, for its metrics.
public struct ViewStatistics: Sendable, Equatable {
    /// Written to the store.
    public var flushed: UInt64
    /// Counted and not yet in the store (in memory, or being written).
    public var pending: UInt64

    public init(flushed: UInt64, pending: UInt64) {
        self.flushed = flushed
        self.pending = pending
    }

    /// Every view counted since start.
    public var counted: UInt64 { self.flushed + self.pending }
}

/// A read the cache could not answer, which went to the store.
public enum CacheMiss: String, Sendable, CaseIterable {
    /// GetProduct of a product not cached while the cache is partial.
    case product
    /// A listing while the cache does not hold the whole catalog.
    case listing
}
