public import NIOCore
public import SwiftProtobuf

extension ByteBuffer {
    /// Appends `message` as one frame: its length as a big-endian `UInt32`, then its bytes.
    ///
    /// Length and body go into this one buffer so that a frame becomes one write, and one
    /// TLS record, rather than two (see DESIGN.md, "The hot path").
    public mutating func writeFrame(_ message: some SwiftProtobuf.Message) throws {
        let body: [UInt8] = try message.serializedBytes()
        self.writeFrame(body: body)
    }

    /// Appends `body` as one frame, prefixed by its length.
    public mutating func writeFrame(body: some Collection<UInt8>) {
        self.reserveCapacity(minimumWritableBytes: FrameDecoder.lengthFieldSize + body.count)
        self.writeInteger(UInt32(body.count))
        self.writeBytes(body)
    }
}
