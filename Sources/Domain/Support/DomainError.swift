/// A failure the caller can act on. `RPCServer` maps each code to a wire status; the
/// message is written for the caller and never holds secrets, SQL or paths.
public struct DomainError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Code: Sendable, Hashable {
        case invalidArgument
        case notFound
        case alreadyExists
        case permissionDenied
        case failedPrecondition
        case aborted
        case unauthenticated
        case resourceExhausted
        case unavailable
    }

    public var code: Code
    public var message: String
    public var fieldViolations: [FieldViolation]

    public init(_ code: Code, _ message: String, fieldViolations: [FieldViolation] = []) {
        self.code = code
        self.message = message
        self.fieldViolations = fieldViolations
    }

    public var description: String { "\(self.code): \(self.message)" }

    /// A request with bad fields; `violations` must not be empty.
    public static func invalid(_ violations: [FieldViolation]) -> DomainError {
        let fields = violations.map(\.field).joined(separator: ", ")
        return DomainError(.invalidArgument, "invalid \(fields)", fieldViolations: violations)
    }
}

/// One invalid field of a request, named as in the request message.
public struct FieldViolation: Sendable, Hashable {
    public var field: String
    public var description: String

    public init(field: String, description: String) {
        self.field = field
        self.description = description
    }
}
