/// A failed call or connection as the wire reports it: a code, a message for humans and,
/// for invalid arguments, one violation per bad field.
public struct RPCStatus: Error, Sendable, Hashable, CustomStringConvertible {
    /// One invalid field of a request.
    public struct FieldViolation: Sendable, Hashable {
        /// The field's name in the request message, e.g. `price_cents`.
        public var field: String
        /// What is wrong with it.
        public var description: String

        public init(field: String, description: String) {
            self.field = field
            self.description = description
        }
    }

    public var code: StatusCode
    public var message: String
    public var fieldViolations: [FieldViolation]

    public init(_ code: StatusCode, _ message: String, fieldViolations: [FieldViolation] = []) {
        self.code = code
        self.message = message
        self.fieldViolations = fieldViolations
    }

    public var description: String {
        var text = "\(self.code.name): \(self.message)"
        for violation in self.fieldViolations {
            text += "\n  \(violation.field): \(violation.description)"
        }
        return text
    }
}
