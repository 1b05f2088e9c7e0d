import Codec
import FuzzSupport
import NIOCore

/// Whatever a stranger sends before TLS: the ClientHello reader never traps, and a verdict on
/// a prefix is `incomplete` only while the first record is unfinished.
@_cdecl("LLVMFuzzerTestOneInput")
public func check(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: start, count: count)
    let verdict = ClientHelloALPN.parse(ByteBuffer(bytes: bytes))
    if case .offered(let protocols) = verdict {
        precondition(protocols.allSatisfy { $0.utf8.count <= 255 }, "an ALPN id longer than its length byte allows")
    }
    if count >= ClientHelloALPN.maxRecordSize {
        precondition(verdict != .incomplete, "a whole record is never incomplete")
    }
    return 0
}

/// The entry point SwiftPM links as `main` (see FuzzSupport); libFuzzer's own `main` would
/// call `check` the same way.
@_cdecl("FuzzClientHelloALPN_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc: argc, argv: argv) { start, count in check(start, count) }
}
