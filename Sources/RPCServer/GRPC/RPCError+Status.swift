import Codec
import GRPCCore
import SwiftProtobuf

extension RPCError {
    /// The gRPC error of a framing status: the same code and message; field violations in the
    /// `grpc-status-details-bin` trailer, as a `google.rpc.Status` whose details hold a
    /// `google.rpc.BadRequest` (the richer error model every gRPC library reads).
    init(_ status: RPCStatus) {
        var metadata: Metadata = [:]
        if !status.fieldViolations.isEmpty, let details = try? Self.details(of: status) {
            metadata.addBinary(details, forKey: "grpc-status-details-bin")
        }
        // Every StatusCode but OK is a gRPC error code of the same number; an error is never OK.
        let code = Status.Code(rawValue: status.code.rawValue).flatMap(RPCError.Code.init) ?? .unknown
        self.init(code: code, message: status.message, metadata: metadata)
    }

    private static func details(of status: RPCStatus) throws -> [UInt8] {
        let badRequest = Google_Rpc_BadRequest.with {
            $0.fieldViolations = status.fieldViolations.map { violation in
                .with {
                    $0.field = violation.field
                    $0.description_p = violation.description
                }
            }
        }
        return try Google_Rpc_Status.with {
            $0.code = Int32(status.code.rawValue)
            $0.message = status.message
            $0.details = [try Google_Protobuf_Any(message: badRequest)]
        }.serializedBytes()
    }
}
