import Codec
import Foundation
import NIOCore
import SwiftProtobuf

@testable import LoadGenerator

/// Response frames as a server writes them, for the generator's tests: each with its call id,
/// a status when `code` is not 0 (OK), and `payloadSize` bytes of payload.
func responseFrames(_ answers: [(callID: UInt64, code: Int)], payloadSize: Int = 0) throws -> [UInt8] {
    var bytes: [UInt8] = []
    for answer in answers {
        var response = Catalog_V1_Response()
        response.callID = answer.callID
        if answer.code != 0 {
            response.status.code = Catalog_V1_Code(rawValue: answer.code) ?? .unknown
        }
        response.payload = Data(repeating: 7, count: payloadSize)
        let body: [UInt8] = try response.serializedBytes()
        withUnsafeBytes(of: UInt32(body.count).bigEndian) { bytes += $0 }
        bytes += body
    }
    return bytes
}

extension ResponseHeader {
    /// The header of the frame body that is `frame`'s readable bytes (the generator reads
    /// bodies in place, in a read burst: `init(body:)`).
    init?(frame: ByteBuffer) {
        guard let header = frame.withUnsafeReadableBytes({ Self(body: $0) }) else { return nil }
        self = header
    }
}
