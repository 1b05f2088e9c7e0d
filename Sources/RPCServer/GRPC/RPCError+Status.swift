import Codec
import GRPCCore
import GRPCProtobuf

extension RPCError {
    /// The gRPC error of a framing status: the same code and message; field violations in the
    /// `grpc-status-details-bin` trailer, as a `google.rpc.Status` whose details hold a
    /// `google.rpc.BadRequest` (the richer error model every gRPC library reads).
    init(_ status: RPCStatus) {
        // Every StatusCode but OK is a gRPC error code of the same number; an error is never OK.
        let code = Status.Code(rawValue: status.code.rawValue).flatMap(RPCError.Code.init) ?? .unknown
        guard !status.fieldViolations.isEmpty else {
            self.init(code: code, message: status.message)
            return
        }
        let details = GoogleRPCStatus(
            code: code,
            message: status.message,
            details: .badRequest(
                violations: status.fieldViolations.map { .init(field: $0.field, description: $0.description) }
            )
        )
        self.init(code: code, message: status.message, metadata: details.rpcErrorMetadata)
    }
}
