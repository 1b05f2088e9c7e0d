import Codec
import FuzzSupport
import NIOCore

/// Any byte stream, cut at any points: the decoder yields frames whose lengths add up to the
/// bytes consumed, never one over its maximum, and throws only for an oversize length.
@_cdecl("LLVMFuzzerTestOneInput")
public func check(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: start, count: count)
    guard let cut = bytes.first else { return 0 }
    let stream = bytes.dropFirst()
    var decoder = FrameDecoder(maxFrameSize: 1024)
    var buffer = ByteBuffer()
    var delivered = 0
    var index = stream.startIndex
    // The first byte sets the size of the pieces the stream arrives in.
    let piece = max(1, Int(cut))
    while index < stream.endIndex {
        let end = min(index + piece, stream.endIndex)
        buffer.writeBytes(stream[index..<end])
        index = end
        do {
            while let frame = try decoder.decode(buffer: &buffer) {
                precondition(frame.readableBytes <= 1024, "a frame over the maximum")
                delivered += FrameDecoder.lengthFieldSize + frame.readableBytes
            }
        } catch let error as FrameTooLargeError {
            precondition(error.length > 1024, "refused a frame within the maximum")
            return 0
        } catch {
            preconditionFailure("unexpected error \(error)")
        }
        precondition(delivered + buffer.readableBytes == stream.distance(from: stream.startIndex, to: index))
    }
    return 0
}

/// The entry point SwiftPM links as `main` (see FuzzSupport); libFuzzer's own `main` would
/// call `check` the same way.
@_cdecl("FuzzFrameDecoder_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc: argc, argv: argv) { start, count in check(start, count) }
}
