import Codec
import FuzzSupport
import NIOCore

/// The gRPC listener's HTTP/2-to-message layer on any input: the first byte sets how many of the
/// next bytes are header fields (NUL-separated name and value pairs, as HPACK would hand them
/// over), which `GRPCRequestHead` reads without crashing, refusing or accepting as its rules say;
/// the rest is a stream's DATA, cut into frames of sizes taken from the input, which
/// `GRPCMessageReader` reassembles: every message it hands on is within the limit, messages and
/// what it holds add up to the bytes read, and the same stream read in one piece gives the same
/// messages.
@_cdecl("LLVMFuzzerTestOneInput")
public func check(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let bytes = Array(UnsafeRawBufferPointer(start: start, count: count))
    guard let first = bytes.first else { return 0 }
    let headerLength = min(Int(first), bytes.count - 1)
    let fields = bytes[1..<(1 + headerLength)].split(separator: 0, omittingEmptySubsequences: false)
    var pairs: [(name: String, value: String)] = []
    var index = 0
    while index + 1 < fields.count {
        pairs.append(
            (String(decoding: fields[index], as: UTF8.self), String(decoding: fields[index + 1], as: UTF8.self))
        )
        index += 2
    }
    switch GRPCRequestHead.read(pairs) {
    case .success(let head):
        precondition(
            pairs.contains { $0.name == "content-type" && GRPCRequestHead.isGRPC(contentType: $0.value) }
        )
        precondition(pairs.contains { $0.name == ":method" && $0.value == "POST" })
        _ = head.envelope(payload: ByteBuffer())
    case .failure:
        break
    }

    let data = Array(bytes[(1 + headerLength)...])
    let limit = 64
    let whole = readMessages([data], limit: limit)
    // Frames of the sizes the data's own bytes say, 1 to 16.
    var frames: [[UInt8]] = []
    var offset = 0
    while offset < data.count {
        let size = Int(data[offset] % 16) + 1
        frames.append(Array(data[offset..<min(offset + size, data.count)]))
        offset += size
    }
    let split = readMessages(frames, limit: limit)
    precondition(split.messages == whole.messages, "cut differently, other messages")
    precondition(split.failure == whole.failure, "cut differently, another refusal")
    if whole.failure == nil {
        let framed = whole.messages.reduce(0) { $0 + GRPCMessageReader.prefixLength + $1.count }
        precondition(framed + whole.buffered == data.count, "messages and what is held do not add up")
    }
    return 0
}

private func readMessages(
    _ frames: [[UInt8]],
    limit: Int
) -> (messages: [[UInt8]], buffered: Int, failure: GRPCMessageReader.Failure?) {
    var reader = GRPCMessageReader(limit: limit)
    var messages: [[UInt8]] = []
    for frame in frames {
        do {
            try reader.read(ByteBuffer(bytes: frame)) { message in
                precondition(message.readableBytes <= limit, "a message over the limit")
                messages.append(Array(message.readableBytesView))
            }
        } catch {
            return (messages, reader.bufferedBytes, error)
        }
    }
    return (messages, reader.bufferedBytes, nil)
}

/// The entry point SwiftPM links as `main` (see FuzzSupport); libFuzzer's own `main` would
/// call `check` the same way.
@_cdecl("FuzzGRPCMessages_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc: argc, argv: argv) { start, count in check(start, count) }
}
