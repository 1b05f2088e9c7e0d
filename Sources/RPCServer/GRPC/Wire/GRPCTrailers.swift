import Codec
import Foundation
import NIOCore
import NIOHPACK

/// The header blocks a gRPC answer is made of. The success blocks are made once and shared:
/// HPACK's encoder indexes them after the first answer, so each later one costs a few bytes.
enum GRPCTrailers {
    /// The response's HEADERS before its messages.
    static let responseHeaders: HPACKHeaders = [":status": "200", "content-type": "application/grpc"]
    /// The trailers of a call that succeeded.
    static let ok: HPACKHeaders = ["grpc-status": "0"]
    /// A call that succeeded with no message (a stream that sent none): Trailers-Only.
    static let okTrailersOnly: HPACKHeaders = [
        ":status": "200", "content-type": "application/grpc", "grpc-status": "0",
    ]

    /// The trailers of a call that failed with `status`; with `trailersOnly`, the whole answer
    /// in one HEADERS frame (no response headers were sent, as the spec's Trailers-Only).
    static func failure(_ status: RPCStatus, trailersOnly: Bool, acceptEncoding: Bool = false) -> HPACKHeaders {
        var trailers: HPACKHeaders = trailersOnly ? Self.responseHeaders : [:]
        trailers.add(name: "grpc-status", value: "\(status.code.rawValue)")
        trailers.add(name: "grpc-message", value: Self.percentEncoded(status.message))
        if acceptEncoding {
            trailers.add(name: "grpc-accept-encoding", value: "identity")
        }
        if !status.fieldViolations.isEmpty {
            trailers.add(
                name: "grpc-status-details-bin",
                value: Data(GoogleRPCStatus.serialized(status)).base64EncodedString()
            )
        }
        return trailers
    }

    /// A non-gRPC refusal: an HTTP status, and the reason for people reading it by hand.
    static func http(status: Int, message: String) -> HPACKHeaders {
        [":status": "\(status)", "content-type": "text/plain", "grpc-message": Self.percentEncoded(message)]
    }

    /// `grpc-message`'s encoding: printable ASCII but `%` as is, every other UTF-8 byte as `%XX`.
    static func percentEncoded(_ message: String) -> String {
        let utf8 = message.utf8
        guard utf8.contains(where: { $0 < 0x20 || $0 > 0x7E || $0 == 0x25 }) else { return message }
        var encoded = ""
        encoded.reserveCapacity(utf8.count * 3)
        for byte in utf8 {
            if byte >= 0x20, byte <= 0x7E, byte != 0x25 {
                encoded.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                encoded += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return encoded
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        String(repeating: "0", count: max(0, width - self.count)) + self
    }
}

/// The richer error model's `google.rpc.Status` with one `google.rpc.BadRequest` of the field
/// violations, as `grpc-status-details-bin` carries it: a handful of fields, written by hand
/// rather than generated from googleapis' files for two messages.
enum GoogleRPCStatus {
    static let badRequestTypeURL = "type.googleapis.com/google.rpc.BadRequest"

    static func serialized(_ status: RPCStatus) -> [UInt8] {
        var badRequest = ByteBuffer()
        for violation in status.fieldViolations {
            var entry = ByteBuffer()
            entry.writeStringField(1, violation.field)
            entry.writeStringField(2, violation.description)
            badRequest.writeBytesField(1, entry)
        }
        var any = ByteBuffer()
        any.writeStringField(1, Self.badRequestTypeURL)
        any.writeBytesField(2, badRequest)
        var message = ByteBuffer()
        message.writeVarint(1 << 3)  // code, a varint
        message.writeVarint(UInt64(status.code.rawValue))
        message.writeStringField(2, status.message)
        message.writeBytesField(3, any)
        return Array(message.readableBytesView)
    }
}

extension ByteBuffer {
    fileprivate mutating func writeBytesField(_ number: UInt64, _ bytes: ByteBuffer) {
        self.writeVarint(number << 3 | 2)
        self.writeVarint(UInt64(bytes.readableBytes))
        self.writeImmutableBuffer(bytes)
    }

    fileprivate mutating func writeStringField(_ number: UInt64, _ text: String) {
        self.writeBytesField(number, ByteBuffer(string: text))
    }
}
