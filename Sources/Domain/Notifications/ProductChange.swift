public import Foundation

/// A committed product change, as the notification emails describe it
/// (PROTOCOL.md section 8).
public struct ProductChange: Sendable, Hashable {
    public enum Action: String, Sendable {
        case created, updated, deleted
    }

    /// One changed field of an update.
    public struct FieldChange: Sendable, Hashable {
        public var field: String
        public var old: String
        public var new: String
    }

    public var actor: AdminIdentity
    public var action: Action
    public var sku: UUID
    public var name: String
    /// For updates: each changed field, in the order of the Product message.
    var fieldChanges: [FieldChange]

    public init(actor: AdminIdentity, action: Action, sku: UUID, name: String, fieldChanges: [FieldChange] = []) {
        self.actor = actor
        self.action = action
        self.sku = sku
        self.name = name
        self.fieldChanges = fieldChanges
    }

    /// The update from `old` to `new` by `actor`, or `nil` when no field changed.
    public static func update(from old: Product, to new: Product, by actor: AdminIdentity) -> ProductChange? {
        var changes: [FieldChange] = []
        func compare(_ field: String, _ before: String, _ after: String) {
            if before != after {
                changes.append(FieldChange(field: field, old: before, new: after))
            }
        }
        compare("name", old.name, new.name)
        compare("brand", old.brand, new.brand)
        compare("price_cents", String(old.priceCents), String(new.priceCents))
        compare("currency", old.currency, new.currency)
        guard !changes.isEmpty else { return nil }
        return ProductChange(actor: actor, action: .updated, sku: new.sku, name: new.name, fieldChanges: changes)
    }

    /// `[catalog] <actor username> <created|updated|deleted> product <name> (<sku>)`.
    public var subject: String {
        "[catalog] \(self.actor.username) \(self.action.rawValue) product \(self.name) (\(self.sku.canonicalText))"
    }

    /// Plain text naming the actor, the action, the sku and name, and each changed field.
    public var body: String {
        var lines = [
            "\(self.actor.username) \(self.action.rawValue) a product in the catalog.",
            "",
            "Product: \(self.name)",
            "SKU:     \(self.sku.canonicalText)",
        ]
        if !self.fieldChanges.isEmpty {
            lines += ["", "Changes:"]
            lines += self.fieldChanges.map { "  \($0.field): \($0.old) -> \($0.new)" }
        }
        lines += ["", "You receive this because you are an admin of the catalog."]
        return lines.joined(separator: "\n") + "\n"
    }
}
