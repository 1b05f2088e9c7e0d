public import NIOCore

/// Splits a byte stream into frame bodies: a big-endian `UInt32` length, then that many bytes.
///
/// A length over `maxFrameSize` is refused as soon as its four bytes arrive, before any of
/// the body is buffered, so a peer cannot make the server hold an oversize frame in memory.
public struct FrameDecoder: NIOSingleStepByteToMessageDecoder {
    public typealias InboundOut = ByteBuffer

    /// The size of the length prefix in bytes.
    public static let lengthFieldSize = 4

    /// The largest body accepted, in bytes.
    public let maxFrameSize: Int

    public init(maxFrameSize: Int) {
        precondition(maxFrameSize >= 0 && maxFrameSize <= Int(UInt32.max), "maxFrameSize must fit a UInt32")
        self.maxFrameSize = maxFrameSize
    }

    public mutating func decode(buffer: inout ByteBuffer) throws -> ByteBuffer? {
        let frame = try buffer.withUnsafeReadableBytes { (bytes) throws(FrameTooLargeError) in
            try self.body(in: bytes, at: 0)
        }
        guard let frame else { return nil }
        buffer.moveReaderIndex(forwardBy: frame.lowerBound)
        return buffer.readSlice(length: frame.count)
    }

    /// The body of the frame starting at `offset` of `bytes`, read in place; `nil` until all of
    /// it is there. `decode` takes its frames this way; so does a reader that walks a whole read
    /// burst through one pointer (the load generator) instead of slicing a `ByteBuffer` per frame.
    @inlinable
    public func body(
        in bytes: UnsafeRawBufferPointer,
        at offset: Int
    ) throws(FrameTooLargeError) -> Range<Int>? {
        guard bytes.count - offset >= Self.lengthFieldSize else { return nil }
        let length = Int(UInt32(bigEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
        guard length <= self.maxFrameSize else {
            throw FrameTooLargeError(length: length, maxFrameSize: self.maxFrameSize)
        }
        let start = offset + Self.lengthFieldSize
        guard bytes.count - start >= length else { return nil }
        return start..<(start + length)
    }

    public mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws -> ByteBuffer? {
        // A partial frame left at end of stream is dropped: the peer is gone and cannot be answered.
        try self.decode(buffer: &buffer)
    }
}

/// A frame announced a body longer than the receiver accepts.
public struct FrameTooLargeError: Error, Hashable, CustomStringConvertible {
    /// The length the frame announced.
    public var length: Int
    /// The largest length accepted.
    public var maxFrameSize: Int

    public init(length: Int, maxFrameSize: Int) {
        self.length = length
        self.maxFrameSize = maxFrameSize
    }

    public var description: String {
        "frame of \(self.length) bytes exceeds the maximum of \(self.maxFrameSize) bytes"
    }
}
