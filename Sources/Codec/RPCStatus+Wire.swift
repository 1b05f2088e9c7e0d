public import SwiftProtobuf

extension RPCStatus {
    /// The status carried by a response; `nil` when the response reports success.
    public init?(_ wire: Catalog_V1_Status?) {
        guard let wire, wire.code != .ok else { return nil }
        let code = StatusCode(rawValue: wire.code.rawValue) ?? .unknown
        self.init(
            code,
            wire.message,
            fieldViolations: wire.fieldViolations.map { FieldViolation(field: $0.field, description: $0.description_p) }
        )
    }

    /// This status as the wire message.
    public var wire: Catalog_V1_Status {
        var status = Catalog_V1_Status()
        status.code = Catalog_V1_Code(rawValue: self.code.rawValue) ?? .unknown
        status.message = self.message
        status.fieldViolations = self.fieldViolations.map { violation in
            var wire = Catalog_V1_FieldViolation()
            wire.field = violation.field
            wire.description_p = violation.description
            return wire
        }
        return status
    }
}

extension Catalog_V1_Response {
    /// A successful response carrying `payload`.
    public init(callID: UInt64, payload: some SwiftProtobuf.Message) throws {
        self.init()
        self.callID = callID
        self.payload = try payload.serializedBytes()
    }

    /// A failed response; `callID` 0 reports a connection error.
    public init(callID: UInt64, status: RPCStatus) {
        self.init()
        self.callID = callID
        self.status = status.wire
    }
}
