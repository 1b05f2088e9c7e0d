public import NIOCore

/// Cuts a stream's request messages out of its DATA frames' bytes, split anywhere: each gRPC
/// message is a 1-byte compressed flag, a 4-byte big-endian length and that many bytes. A
/// message whose declared length is over `limit` is refused from its prefix, before any of it
/// is buffered. A message that lies whole in one frame is handed on as a slice of it, copied
/// nowhere; only a message split across frames is gathered.
public struct GRPCMessageReader: Sendable {
    public static let prefixLength = 5

    public enum Failure: Error, Equatable {
        /// The declared length, over the limit.
        case tooLarge(length: Int)
        /// The compressed flag is set: no `grpc-encoding` was agreed on, so nothing may be.
        case compressed
    }

    public let limit: Int
    /// The bytes of a message (or prefix) not yet whole.
    private var pending: ByteBuffer?

    public init(limit: Int) {
        self.limit = limit
    }

    /// The bytes held for a message not yet whole: what the frame timeout and the connection's
    /// bound on buffered input count.
    public var bufferedBytes: Int { self.pending?.readableBytes ?? 0 }

    /// This reader, leaving an empty one in its place: its buffer then has one owner.
    public mutating func moved() -> GRPCMessageReader {
        defer { self.pending = nil }
        return self
    }

    /// Reads the next bytes of the stream, and hands each message that they complete to `message`.
    public mutating func read(_ bytes: ByteBuffer, message: (ByteBuffer) -> Void) throws(Failure) {
        guard var buffer = self.pending.take() else {
            var bytes = bytes
            try self.cut(&bytes, message: message)
            if bytes.readableBytes > 0 {
                self.pending = bytes
            }
            return
        }
        var more = bytes
        buffer.writeBuffer(&more)
        try self.cut(&buffer, message: message)
        if buffer.readableBytes > 0 {
            buffer.discardReadBytes()
            self.pending = buffer
        }
    }

    /// Hands on every whole message at the front of `buffer`; what is left is one not yet whole.
    private func cut(_ buffer: inout ByteBuffer, message: (ByteBuffer) -> Void) throws(Failure) {
        while buffer.readableBytes >= Self.prefixLength {
            let start = buffer.readerIndex
            let flag = buffer.getInteger(at: start, as: UInt8.self) ?? 0
            let length = Int(buffer.getInteger(at: start + 1, as: UInt32.self) ?? 0)
            guard flag == 0 else { throw .compressed }
            guard length <= self.limit else { throw .tooLarge(length: length) }
            guard buffer.readableBytes - Self.prefixLength >= length else { return }
            buffer.moveReaderIndex(forwardBy: Self.prefixLength)
            if let body = buffer.readSlice(length: length) {
                message(body)
            }
        }
    }
}
