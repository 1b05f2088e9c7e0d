import Codec
import FuzzSupport
import NIOCore

/// Any byte stream, cut at any points: the decoder yields frames whose lengths add up to the
/// bytes consumed, never one over its maximum, and throws only for an oversize length; walked
/// whole in place (`body(in:at:)`, the load generator's way), the stream gives the same frames
/// and the same refusal.
@_cdecl("LLVMFuzzerTestOneInput")
public func check(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: start, count: count)
    guard let cut = bytes.first else { return 0 }
    let stream = bytes.dropFirst()
    var decoder = FrameDecoder(maxFrameSize: 1024)
    var buffer = ByteBuffer()
    var delivered = 0
    var bodies: [Range<Int>] = []
    let inPlace = walkInPlace(UnsafeRawBufferPointer(rebasing: stream), decoder)
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
                let start = delivered + FrameDecoder.lengthFieldSize
                bodies.append(start..<(start + frame.readableBytes))
                delivered = start + frame.readableBytes
            }
        } catch let error as FrameTooLargeError {
            precondition(error.length > 1024, "refused a frame within the maximum")
            precondition(inPlace.bodies == bodies && inPlace.refused == error, "in place, another refusal")
            return 0
        } catch {
            preconditionFailure("unexpected error \(error)")
        }
        precondition(delivered + buffer.readableBytes == stream.distance(from: stream.startIndex, to: index))
    }
    precondition(inPlace.bodies == bodies && inPlace.refused == nil, "in place, other frames")
    return 0
}

/// The frame bodies of `stream` read in one pass through its bytes, up to a refusal if any.
func walkInPlace(
    _ stream: UnsafeRawBufferPointer,
    _ decoder: FrameDecoder
) -> (bodies: [Range<Int>], refused: FrameTooLargeError?) {
    var bodies: [Range<Int>] = []
    var offset = 0
    do {
        while let body = try decoder.body(in: stream, at: offset) {
            bodies.append(body)
            offset = body.upperBound
        }
    } catch {
        return (bodies, error)
    }
    return (bodies, nil)
}

/// The entry point SwiftPM links as `main` (see FuzzSupport); libFuzzer's own `main` would
/// call `check` the same way.
@_cdecl("FuzzFrameDecoder_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc: argc, argv: argv) { start, count in check(start, count) }
}
