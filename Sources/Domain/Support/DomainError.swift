/// A failure the caller can act on. `RPCServer` maps each code to a wire status; the
/// message is written for the caller and never holds secrets, SQL or paths. The `cause`, when
/// one error became this one (a lost database, a deadline), is for the logs only.
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
    /// What this error was made from; not compared, and never sent to a caller.
    public var cause: (any Error)?

    public init(
        _ code: Code,
        _ message: String,
        fieldViolations: [FieldViolation] = [],
        cause: (any Error)? = nil
    ) {
        self.code = code
        self.message = message
        self.fieldViolations = fieldViolations
        self.cause = cause
    }

    /// For logs: the code, the message, and the cause when there is one.
    public var description: String {
        "\(self.code): \(self.message)" + (self.cause.map { " (cause: \(String(reflecting: $0)))" } ?? "")
    }

    public static func == (left: DomainError, right: DomainError) -> Bool {
        left.code == right.code && left.message == right.message && left.fieldViolations == right.fieldViolations
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(self.code)
        hasher.combine(self.message)
        hasher.combine(self.fieldViolations)
    }

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
