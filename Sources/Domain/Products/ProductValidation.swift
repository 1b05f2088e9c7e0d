public import Foundation

/// The field rules of PROTOCOL.md section 7. Each function returns the normalised value,
/// or records one violation named after the request field and returns `nil`.
public enum ProductValidation {
    public static let nameLength = 1...200
    static let brandLength = 1...100
    public static let priceCents: ClosedRange<Int64> = 0...1_000_000_000_000

    /// Parses a sku or product id: any-case UUID text.
    public static func sku(_ text: String, field: String = "sku") throws(DomainError) -> UUID {
        guard let sku = UUID(parsing: text) else { throw Self.notAUUID(field) }
        return sku
    }

    /// `sku(_:)` of UTF-8 bytes read straight from a request (GetProduct's hot path).
    public static func sku(utf8 bytes: UnsafeRawBufferPointer, field: String = "sku") throws(DomainError) -> UUID {
        guard let sku = UUID(parsingUTF8: bytes) else { throw Self.notAUUID(field) }
        return sku
    }

    private static func notAUUID(_ field: String) -> DomainError {
        DomainError.invalid([FieldViolation(field: field, description: "must be a UUID")])
    }

    static func name(_ text: String, into violations: inout [FieldViolation]) -> String? {
        self.trimmed(text, field: "name", length: self.nameLength, into: &violations)
    }

    static func brand(_ text: String, into violations: inout [FieldViolation]) -> String? {
        self.trimmed(text, field: "brand", length: self.brandLength, into: &violations)
    }

    static func price(_ cents: Int64, into violations: inout [FieldViolation]) -> Int64? {
        guard self.priceCents.contains(cents) else {
            violations.append(FieldViolation(field: "price_cents", description: "must be between 0 and 10^12"))
            return nil
        }
        return cents
    }

    static func currency(_ text: String, into violations: inout [FieldViolation]) -> String? {
        let isThreeLetters =
            text.unicodeScalars.count == 3
            && text.unicodeScalars.allSatisfy { $0.isASCII && $0.properties.isAlphabetic }
        guard isThreeLetters else {
            violations.append(FieldViolation(field: "currency", description: "must be three ASCII letters, e.g. MXN"))
            return nil
        }
        return text.uppercased()
    }

    private static func trimmed(
        _ text: String,
        field: String,
        length: ClosedRange<Int>,
        into violations: inout [FieldViolation]
    ) -> String? {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard length.contains(trimmed.count) else {
            violations.append(
                FieldViolation(
                    field: field,
                    description: "must be \(length.lowerBound) to \(length.upperBound) characters after trimming"
                )
            )
            return nil
        }
        guard !trimmed.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            violations.append(FieldViolation(field: field, description: "must not contain control characters"))
            return nil
        }
        return trimmed
    }
}

extension NewProduct {
    /// The product this input describes, or every violation at once.
    func validated(defaultCurrency: String, now: Date) throws(DomainError) -> Product {
        var violations: [FieldViolation] = []
        let name = ProductValidation.name(self.name, into: &violations)
        let brand = ProductValidation.brand(self.brand, into: &violations)
        let price = ProductValidation.price(self.priceCents, into: &violations)
        let currency = ProductValidation.currency(
            self.currency.isEmpty ? defaultCurrency : self.currency,
            into: &violations
        )
        var sku = UUID()
        if !self.sku.isEmpty {
            if let chosen = UUID(uuidString: self.sku) {
                sku = chosen
            } else {
                violations.append(FieldViolation(field: "sku", description: "must be a UUID, or empty"))
            }
        }
        guard violations.isEmpty, let name, let brand, let price, let currency else {
            throw DomainError.invalid(violations)
        }
        return Product(
            sku: sku,
            name: name,
            brand: brand,
            priceCents: price,
            currency: currency,
            createTime: now,
            updateTime: now
        )
    }
}

extension ProductChanges {
    /// `product` with these changes applied and its version raised, or every violation at once.
    ///
    /// - Throws: `invalidArgument` for bad fields, then `aborted` when `expectedVersion` is set
    ///   and differs from the product's version.
    func applied(to product: Product, now: Date) throws(DomainError) -> Product {
        var violations: [FieldViolation] = []
        var changed = product
        if let name = self.name, let valid = ProductValidation.name(name, into: &violations) {
            changed.name = valid
        }
        if let brand = self.brand, let valid = ProductValidation.brand(brand, into: &violations) {
            changed.brand = valid
        }
        if let price = self.priceCents, let valid = ProductValidation.price(price, into: &violations) {
            changed.priceCents = valid
        }
        if let currency = self.currency, let valid = ProductValidation.currency(currency, into: &violations) {
            changed.currency = valid
        }
        guard violations.isEmpty else {
            throw DomainError.invalid(violations)
        }
        try checkExpectedVersion(self.expectedVersion, of: product)
        changed.version = product.version + 1
        changed.updateTime = now
        return changed
    }
}

/// Refuses a write made against a version the product no longer has; 0 means no check.
func checkExpectedVersion(_ expected: UInt64, of product: Product) throws(DomainError) {
    guard expected == 0 || expected == product.version else {
        throw DomainError(
            .aborted,
            "product \(product.sku.canonicalText) is at version \(product.version), not \(expected)"
        )
    }
}
