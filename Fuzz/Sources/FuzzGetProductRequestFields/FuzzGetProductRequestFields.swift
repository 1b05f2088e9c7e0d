import Codec
import FuzzSupport
import NIOCore
import SwiftProtobuf

/// GetProduct's hand-read sku against SwiftProtobuf's `GetProductRequest`: a payload both
/// accept gives the same sku, and the reader accepts no malformed wire format. (SwiftProtobuf
/// also refuses a sku that is not UTF-8, which the reader leaves to the UUID parse after it.)
@_cdecl("LLVMFuzzerTestOneInput")
public func check(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: start, count: count)
    let mine = try? GetProductRequestFields(payload: ByteBuffer(bytes: bytes))
    let reference = try? Catalog_V1_GetProductRequest(serializedBytes: Array(bytes))
    switch (mine, reference) {
    case (let mine?, let reference?):
        precondition(mine.withSku { Array($0) } == Array(reference.sku.utf8), "sku differs")
    case (_?, nil):
        // `Empty` keeps every field as unknown bytes, checking the wire format but no UTF-8: if it
        // accepts, SwiftProtobuf refused only a string's UTF-8 (of any sku, the reader keeps the last).
        precondition(
            (try? Google_Protobuf_Empty(serializedBytes: Array(bytes))) != nil,
            "accepted a payload whose wire format SwiftProtobuf refuses"
        )
    case (nil, _?), (nil, nil):
        break
    }
    return 0
}

/// The entry point SwiftPM links as `main` (see FuzzSupport); libFuzzer's own `main` would
/// call `check` the same way.
@_cdecl("FuzzGetProductRequestFields_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc: argc, argv: argv) { start, count in check(start, count) }
}
