import Foundation

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
