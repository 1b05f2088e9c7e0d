import Foundation

/// Counts anonymous reads in memory until the next flush.
///
/// Counts are split over stripes by sku, so concurrent readers of different products
/// never share a lock, and no database I/O happens per read.
public final class ViewCounter: Sendable {
    private let stripes = Striped<[UUID: UInt64]>(count: 16) { [:] }

    public init() {}

    /// Counts one view of `sku`.
    @inline(__always)
    public func count(_ sku: UUID) {
        self.stripes.withStripe(for: sku) { counts in
            counts[sku, default: 0] += 1
        }
    }

    /// Takes every count gathered so far, leaving the counter empty.
    public func drain() -> [UUID: UInt64] {
        var drained: [UUID: UInt64] = [:]
        self.stripes.forEachStripe { counts in
            drained.merge(counts, uniquingKeysWith: +)
            counts.removeAll(keepingCapacity: true)
        }
        return drained
    }

    /// Puts counts back, as when a flush failed, so none is lost.
    public func restore(_ counts: [UUID: UInt64]) {
        for (sku, views) in counts {
            self.stripes.withStripe(for: sku) { $0[sku, default: 0] += views }
        }
    }
}
