public import NIOCore

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
        var method: String?
        var path: String?
        var contentType: String?
        var encoding: String?
        var head = GRPCRequestHead(method: ByteBuffer())
        var timeout: String?
        // By length first: every call's headers pass here, and a `switch` over strings compares
        // each name with every case in turn.
        for (name, value) in fields {
            switch name.utf8.count {
            case 5 where name == ":path": path = value
            case 7 where name == ":method": method = value
            case 11 where name == "traceparent": head.traceparent = value
            case 12 where name == "content-type": contentType = value
            case 12 where name == "grpc-timeout": timeout = value
            case 13 where name == "grpc-encoding": encoding = value
            case 13 where name == "authorization": head.authorization = value
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
        guard let path, path.utf8.first == UInt8(ascii: "/") else {
            return .failure(.grpc(RPCStatus(.unimplemented, "the request has no method path")))
        }
        head.method = ByteBuffer(bytes: path.utf8.dropFirst())
        if let timeout {
            guard let amount = GRPCTimeout.parse(Substring(timeout)) else {
                return .failure(.grpc(RPCStatus(.invalidArgument, "grpc-timeout \(timeout) is not a timeout")))
            }
            head.timeout = amount
        }
        return .success(head)
    }

    /// `application/grpc`, `application/grpc+proto` or either with parameters (`;charset=...`).
    public static func isGRPC(contentType: String) -> Bool {
        // The usual two compared whole first: bytes, not Characters, on every call.
        if contentType == "application/grpc" || contentType == "application/grpc+proto" { return true }
        let type = contentType.utf8.prefix { $0 != UInt8(ascii: ";") }
        return type.elementsEqual("application/grpc".utf8) || type.elementsEqual("application/grpc+proto".utf8)
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
