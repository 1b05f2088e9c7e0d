public import Foundation

/// A change committed to a shared store, as every daemon on it hears of it.
public enum StoreChange: Sendable, Hashable {
    /// The product with this sku was created, updated or deleted.
    case product(UUID)
    /// Views were flushed: each product's total now.
    case viewTotals([UUID: UInt64])
    /// An admin was created, changed or deleted, or a refresh-token family was revoked.
    case admins
    /// Listening (re)started: changes made meanwhile went unheard, so reload everything.
    case resync
}

/// A change as a daemon heard of it, with when its writer announced it (the database's clock,
/// just before the commit), so that the listener can tell how far behind it is. `nil` for
/// what no writer announces (`resync`, view totals) and for writers that did not say.
public struct HeardChange: Sendable, Hashable {
    public var change: StoreChange
    public var announcedAt: Date?

    public init(_ change: StoreChange, announcedAt: Date? = nil) {
        self.change = change
        self.announcedAt = announcedAt
    }
}
