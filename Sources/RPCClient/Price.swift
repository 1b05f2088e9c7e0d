import Foundation

/// Prices as people write them: "19.99 MXN" for 1999 minor units.
public enum Price {
    /// ISO 4217 currencies whose minor unit is not the usual hundredth.
    private static let minorUnitDigits: [String: Int] = [
        "BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0, "PYG": 0,
        "RWF": 0, "UGX": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
        "BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
    ]

    /// The number of decimal digits of `currency`'s minor unit.
    public static func digits(of currency: String) -> Int {
        self.minorUnitDigits[currency.uppercased()] ?? 2
    }

    /// `cents` minor units as decimal text with the currency code, e.g. "19.99 MXN".
    public static func format(cents: Int64, currency: String) -> String {
        let digits = self.digits(of: currency)
        guard digits > 0 else { return "\(cents) \(currency)" }
        var scale: Int64 = 1
        for _ in 0..<digits { scale *= 10 }
        let sign = cents < 0 ? "-" : ""
        let magnitude = cents.magnitude
        let fraction = String(magnitude % UInt64(scale))
        let padded = String(repeating: "0", count: digits - fraction.count) + fraction
        return "\(sign)\(magnitude / UInt64(scale)).\(padded) \(currency)"
    }

    /// Decimal text such as "19.99" as exact minor units of `currency` (1999), or `nil` when
    /// the text is not a non-negative number with at most the currency's decimal digits.
    public static func parse(_ text: String, currency: String) -> Int64? {
        let digits = self.digits(of: currency)
        let parts = text.trimmingCharacters(in: .whitespaces).split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), !parts[0].isEmpty, parts[0].allSatisfy(\.isASCIIDigit) else {
            return nil
        }
        let fraction = parts.count == 2 ? String(parts[1]) : ""
        guard fraction.count <= digits, fraction.allSatisfy(\.isASCIIDigit), parts.count == 1 || !fraction.isEmpty
        else {
            return nil
        }
        let padded = fraction + String(repeating: "0", count: digits - fraction.count)
        guard let whole = Int64(parts[0]), let minor = Int64(padded.isEmpty ? "0" : padded) else { return nil }
        var scale: Int64 = 1
        for _ in 0..<digits { scale *= 10 }
        let (scaled, overflow) = whole.multipliedReportingOverflow(by: scale)
        guard !overflow else { return nil }
        let (total, overflowed) = scaled.addingReportingOverflow(minor)
        return overflowed ? nil : total
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { self.isASCII && self.isNumber }
}
