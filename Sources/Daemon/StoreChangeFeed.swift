public import Domain
public import Storage

/// Where a daemon hears of changes other daemons made to the shared store: PostgreSQL's
/// LISTEN/NOTIFY in production, a fake in tests.
public protocol StoreChangeFeed: Sendable {
    /// Hands each change to `handle` in the order heard, `.resync` first after every
    /// (re)connection, until the task is cancelled.
    func listen(_ handle: @escaping @Sendable (HeardChange) async -> Void) async
}

extension PostgresChangeFeed: StoreChangeFeed {
    public func listen(_ handle: @escaping @Sendable (HeardChange) async -> Void) async {
        await self.run(handle: handle)
    }
}
