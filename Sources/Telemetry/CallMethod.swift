/// A method as its call metrics label it: go-grpc-prometheus's `grpc_service`, `grpc_method`
/// and `grpc_type`.
public struct CallMethod: Sendable, Hashable {
    public var service: String
    public var method: String
    /// `server_stream` for a method that answers with a stream (gRPC Health's Watch), else `unary`.
    public var type: String

    public init(service: String, method: String, type: String = "unary") {
        self.service = service
        self.method = method
        self.type = type
    }

    /// From a full name, `package.Service/Method`; `nil` for anything else.
    public init?(fullName: String, type: String = "unary") {
        let parts = fullName.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { return nil }
        self.init(service: String(parts[0]), method: String(parts[1]), type: type)
    }

    /// Where calls of a method not served are counted, so that a caller cannot add label
    /// values (series) by calling made-up names.
    public static let unknown = CallMethod(service: "unknown", method: "unknown")

    var fullName: String { "\(self.service)/\(self.method)" }
}
