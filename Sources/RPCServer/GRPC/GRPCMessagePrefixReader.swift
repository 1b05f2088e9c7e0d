import NIOCore

/// Follows the gRPC length prefixes (1 byte compressed flag, 4 bytes big-endian length) of a
/// stream's request messages as their bytes arrive, split anywhere, and tells the first whose
/// declared length is over `limit`: known from its 5-byte prefix, before any of it is buffered.
struct GRPCMessagePrefixReader {
    static let prefixLength = 5

    let limit: Int
    /// The bytes of the current message still to come; 0 when a prefix comes next.
    private var bodyRemaining = 0
    /// The part of a prefix read so far.
    private var prefix: [UInt8] = []

    init(limit: Int) {
        self.limit = limit
    }

    /// Reads the next bytes of the stream; returns the declared length of a message over the limit.
    mutating func read(_ bytes: ByteBuffer) -> Int? {
        var bytes = bytes
        while bytes.readableBytes > 0 {
            if self.bodyRemaining > 0 {
                let skipped = min(self.bodyRemaining, bytes.readableBytes)
                bytes.moveReaderIndex(forwardBy: skipped)
                self.bodyRemaining -= skipped
                continue
            }
            let taken = min(Self.prefixLength - self.prefix.count, bytes.readableBytes)
            self.prefix += bytes.readBytes(length: taken) ?? []
            guard self.prefix.count == Self.prefixLength else { continue }
            let length = self.prefix[1...].reduce(0) { $0 << 8 | Int($1) }
            self.prefix.removeAll(keepingCapacity: true)
            if length > self.limit {
                return length
            }
            self.bodyRemaining = length
        }
        return nil
    }
}
