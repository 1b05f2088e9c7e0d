import NIOCore

/// A gRPC request's HEADERS, read as the gRPC over HTTP/2 spec reads them: what the call is
/// (its method, credentials, deadline), or how the stream is refused before any of it runs.
/// A value of the header fields alone (as HPACK decoded them), so tests and the fuzzer drive it
/// without a connection.
public struct GRPCRequestHead: Sendable {
    /// How a stream is turned away at its HEADERS.
    public enum Refusal: Error, Equatable, Sendable {
        /// Not gRPC at all: an HTTP status with no gRPC status (415 for a content-type that is
        /// not `application/grpc`, 405 for a method that is not POST).
        case http(status: Int, message: String)
        /// gRPC, but not served: Trailers-Only with this status (and, for an encoding we do not
        /// speak, `grpc-accept-encoding: identity`).
        case grpc(RPCStatus, acceptEncoding: Bool = false)
    }

    /// `:path` without its leading `/`: `catalog.v1.ProductService/GetProduct`.
    public var method: ByteBuffer
    public var authorization: String?
    public var traceparent: String?
    /// From `grpc-timeout`; `nil` when absent (the framing's default deadline then applies).
    public var timeout: TimeAmount?

    /// Reads the header fields of the request's first HEADERS frame.
    public static func read<Fields: Sequence<(name: String, value: String)>>(
        _ fields: Fields
    ) -> Result<GRPCRequestHead, Refusal> {
        var method: Substring?
        var path: Substring?
        var contentType: Substring?
        var encoding: Substring?
        var head = GRPCRequestHead(method: ByteBuffer())
        var timeout: Substring?
        for (name, value) in fields {
            switch name {
            case ":method": method = Substring(value)
            case ":path": path = Substring(value)
            case "content-type": contentType = Substring(value)
            case "grpc-encoding": encoding = Substring(value)
            case "grpc-timeout": timeout = Substring(value)
            case "authorization": head.authorization = value
            case "traceparent": head.traceparent = value
            default: break
            }
        }
        guard let contentType, Self.isGRPC(contentType: contentType) else {
            return .failure(.http(status: 415, message: "content-type must be application/grpc"))
        }
        guard method == "POST" else {
            return .failure(.http(status: 405, message: "gRPC calls are POST requests"))
        }
        if let encoding, encoding != "identity" {
            let status = RPCStatus(.unimplemented, "grpc-encoding \(encoding) is not supported; send identity")
            return .failure(.grpc(status, acceptEncoding: true))
        }
        guard let path, path.first == "/" else {
            return .failure(.grpc(RPCStatus(.unimplemented, "the request has no method path")))
        }
        head.method = ByteBuffer(substring: path.dropFirst())
        if let timeout {
            guard let amount = GRPCTimeout.parse(timeout) else {
                return .failure(.grpc(RPCStatus(.invalidArgument, "grpc-timeout \(timeout) is not a timeout")))
            }
            head.timeout = amount
        }
        return .success(head)
    }

    /// `application/grpc`, `application/grpc+proto` or either with parameters (`;charset=...`).
    public static func isGRPC(contentType: Substring) -> Bool {
        let type = contentType.prefix { $0 != ";" }
        return type == "application/grpc" || type == "application/grpc+proto"
    }

    /// The call as the core reads it, with its one request message.
    public func envelope(payload: ByteBuffer) -> RequestEnvelope {
        RequestEnvelope(
            method: self.method,
            authorization: self.authorization,
            traceparent: self.traceparent,
            payload: payload
        )
    }
}

/// `grpc-timeout`: up to 8 digits and a unit (H, M, S, m, u, n).
public enum GRPCTimeout {
    public static func parse(_ text: Substring) -> TimeAmount? {
        guard let unit = text.last, (2...9).contains(text.utf8.count) else { return nil }
        let digits = text.dropLast()
        guard digits.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let value = Int64(digits) else { return nil }
        switch unit {
        case "H": return .hours(value)
        case "M": return .minutes(value)
        case "S": return .seconds(value)
        case "m": return .milliseconds(value)
        case "u": return .microseconds(value)
        case "n": return .nanoseconds(value)
        default: return nil
        }
    }
}
