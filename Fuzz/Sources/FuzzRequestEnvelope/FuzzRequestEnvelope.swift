import Codec
import FuzzSupport
import NIOCore
import SwiftProtobuf

/// The hand-written envelope reader against SwiftProtobuf's `Catalog_V1_Request`: for every
/// frame both accept, they agree on every field the server acts on, and the reader accepts no
/// malformed wire format. (It does not check the UTF-8 of strings it does not read, and it
/// refuses the deprecated group wire types, as RequestEnvelope's comment says.)
@_cdecl("LLVMFuzzerTestOneInput")
public func check(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: start, count: count)
    guard let mine = try? RequestEnvelope(frame: ByteBuffer(bytes: bytes)) else { return 0 }
    guard let reference = try? Catalog_V1_Request(serializedBytes: Array(bytes)) else {
        // `Empty` checks the wire format and no UTF-8: the reader may differ on UTF-8 only.
        precondition(
            (try? Google_Protobuf_Empty(serializedBytes: Array(bytes))) != nil,
            "accepted a frame whose wire format SwiftProtobuf refuses"
        )
        return 0
    }
    precondition(mine.callID == reference.callID, "call_id differs")
    precondition(Array(mine.method.readableBytesView) == Array(reference.method.utf8), "method differs")
    precondition(mine.timeoutMs == reference.timeoutMs, "timeout_ms differs")
    precondition(Array(mine.payload.readableBytesView) == Array(reference.payload), "payload differs")
    precondition(mine.authorization == reference.metadata["authorization"], "authorization differs")
    return 0
}

/// The entry point SwiftPM links as `main` (see FuzzSupport); libFuzzer's own `main` would
/// call `check` the same way.
@_cdecl("FuzzRequestEnvelope_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc: argc, argv: argv) { start, count in check(start, count) }
}
