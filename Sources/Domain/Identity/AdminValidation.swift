public import Foundation

/// The admin field rules of PROTOCOL.md section 7; each check records one violation named
/// after the request field.
public enum AdminValidation {
    static let usernameLength = 3...150
    static let passwordLength = 12...1024
    static let maxEmailLength = 254

    static func username(_ text: String, into violations: inout [FieldViolation]) -> String? {
        let allowed = text.unicodeScalars.allSatisfy { scalar in
            scalar.isASCII
                && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar)
                    || "@.+-_".unicodeScalars.contains(scalar))
        }
        guard self.usernameLength.contains(text.count), allowed else {
            violations.append(self.usernameViolation)
            return nil
        }
        return text
    }

    static var usernameViolation: FieldViolation {
        FieldViolation(field: "username", description: "must be 3 to 150 of letters, digits and @.+-_")
    }

    /// The password policy; the password itself never appears in a message.
    static func password(_ text: String, username: String, into violations: inout [FieldViolation]) -> String? {
        guard self.passwordLength.contains(text.count) else {
            violations.append(FieldViolation(field: "password", description: "must be 12 to 1024 characters"))
            return nil
        }
        guard text.lowercased() != username.lowercased() else {
            violations.append(FieldViolation(field: "password", description: "must not equal the username"))
            return nil
        }
        return text
    }

    /// An address of the form local@domain.tld, or empty for none.
    static func email(_ text: String, into violations: inout [FieldViolation]) -> String? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { return "" }
        let parts = trimmed.split(separator: "@", omittingEmptySubsequences: false)
        let isValid =
            trimmed.count <= self.maxEmailLength
            && parts.count == 2
            && !parts[0].isEmpty
            && parts[1].contains(".")
            && !parts[1].hasPrefix(".") && !parts[1].hasSuffix(".")
            && !trimmed.unicodeScalars.contains {
                $0.properties.isWhitespace || $0.properties.generalCategory == .control
            }
        guard isValid else {
            violations.append(
                FieldViolation(field: "email", description: "must be an address such as name@example.com")
            )
            return nil
        }
        return trimmed
    }

    /// Parses an admin id.
    public static func id(_ text: String) throws(DomainError) -> UUID {
        try ProductValidation.sku(text, field: "id")
    }
}
