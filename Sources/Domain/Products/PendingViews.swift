import Foundation

/// Views drained from the counter but not yet in the store, by the UTC hour they were
/// counted in. A failed flush puts its batches back here rather than into the counter, so
/// that when the store returns they still land in their own hours.
struct PendingViews: Sendable {
    /// A store down longer than this many hours keeps this many batches: the oldest two are
    /// merged (into the later hour), so memory stays bounded and no view is lost; only the
    /// oldest views land in a later hour than they were counted in.
    static let maxHours = 48

    private(set) var byHour: [Int64: [UUID: UInt64]] = [:]

    var isEmpty: Bool { self.byHour.isEmpty }

    /// The views held, over every hour.
    var total: UInt64 {
        self.byHour.values.reduce(0) { $0 + Self.total($1) }
    }

    static func total(_ counts: [UUID: UInt64]) -> UInt64 {
        counts.values.reduce(0, +)
    }

    mutating func add(_ counts: [UUID: UInt64], hour: Int64) {
        guard !counts.isEmpty else { return }
        self.byHour[hour, default: [:]].merge(counts, uniquingKeysWith: +)
        while self.byHour.count > Self.maxHours {
            let oldest = self.byHour.keys.sorted().prefix(2)
            if let first = oldest.first, let second = oldest.last, let merged = self.byHour.removeValue(forKey: first) {
                self.byHour[second, default: [:]].merge(merged, uniquingKeysWith: +)
            }
        }
    }

    /// Takes every batch, oldest hour first.
    mutating func takeAll() -> [(hour: Int64, counts: [UUID: UInt64])] {
        defer { self.byHour = [:] }
        return self.byHour.sorted { $0.key < $1.key }.map { (hour: $0.key, counts: $0.value) }
    }
}
