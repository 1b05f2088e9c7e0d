import Codec
import Domain
import Logging

extension RPCStatus {
    /// The one mapping from errors to wire statuses. Domain errors keep their message; any
    /// other error is a fault: logged with its real cause, answered INTERNAL with nothing
    /// of it, so no SQL, path or secret reaches a client.
    static func from(_ error: any Error, logger: Logger) -> RPCStatus {
        switch error {
        case let status as RPCStatus:
            return status
        case let error as DomainError:
            if let cause = error.cause {
                // The caller sees the message; what it came from is for the operator.
                logger.debug(
                    "call failed",
                    metadata: ["error": "\(error.message)", "cause": "\(String(reflecting: cause))"]
                )
            }
            return RPCStatus(
                StatusCode(error.code),
                error.message,
                fieldViolations: error.fieldViolations.map {
                    RPCStatus.FieldViolation(field: $0.field, description: $0.description)
                }
            )
        case is CancellationError:
            return RPCStatus(.cancelled, "the call was cancelled")
        default:
            logger.error("call failed", metadata: ["error": "\(String(reflecting: error))"])
            return RPCStatus(.internal, "internal error")
        }
    }
}

extension StatusCode {
    init(_ code: DomainError.Code) {
        self =
            switch code {
            case .invalidArgument: .invalidArgument
            case .notFound: .notFound
            case .alreadyExists: .alreadyExists
            case .permissionDenied: .permissionDenied
            case .failedPrecondition: .failedPrecondition
            case .aborted: .aborted
            case .unauthenticated: .unauthenticated
            case .resourceExhausted: .resourceExhausted
            case .unavailable: .unavailable
            }
    }
}
