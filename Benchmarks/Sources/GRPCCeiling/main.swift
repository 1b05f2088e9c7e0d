import BenchFixtures
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix

/// The gRPC ceiling: a bare grpc-swift-2 server on grpc-swift-nio-transport, TLS, one unary
/// `catalog.v1.ProductService/GetProduct` answering the same pre-serialized Product to every
/// call, registered as generated code registers it, with the transport's default configuration
/// but the same HTTP/2 stream limit as catalogd's (128). The least grpc-swift does per call,
/// to measure catalogd's gRPC GetProduct against (scripts/bench-grpc).
///
///     GRPCCeiling --listen 127.0.0.1:7600 --tls-cert cert.pem --tls-key key.pem
///         [--flush-coalescing off] [--window-bytes N]
///
/// The two options try grpc-swift-nio-transport's knobs (docs/PERFORMANCE.md, "Standard gRPC").
struct RawBytes: MessageSerializer, MessageDeserializer {
    func serialize<Bytes: GRPCContiguousBytes>(_ message: [UInt8]) throws -> Bytes {
        Bytes(message)
    }

    func deserialize<Bytes: GRPCContiguousBytes>(_ serializedMessageBytes: Bytes) throws -> [UInt8] {
        serializedMessageBytes.withUnsafeBytes { Array($0) }
    }
}

struct FixedProductService: RegistrableRPCService {
    let answer: [UInt8]

    func registerMethods<Transport: ServerTransport>(with router: inout RPCRouter<Transport>) {
        router.registerHandler(
            forMethod: MethodDescriptor(fullyQualifiedService: "catalog.v1.ProductService", method: "GetProduct"),
            deserializer: RawBytes(),
            serializer: RawBytes()
        ) { request, _ in
            _ = try await ServerRequest(stream: request)
            return StreamingServerResponse(single: ServerResponse(message: self.answer))
        }
    }
}

guard let listen = BenchFixtures.option("--listen"), let colon = listen.lastIndex(of: ":"),
    let port = Int(listen[listen.index(after: colon)...]), let certificate = BenchFixtures.option("--tls-cert"),
    let key = BenchFixtures.option("--tls-key")
else {
    FileHandle.standardError.write(Data("usage: GRPCCeiling --listen HOST:PORT --tls-cert PEM --tls-key PEM\n".utf8))
    exit(64)
}
let transport = HTTP2ServerTransport.Posix(
    address: .ipv4(host: String(listen[..<colon]), port: port),
    transportSecurity: .tls(
        certificateChain: [.file(path: certificate, format: .pem)],
        privateKey: .file(path: key, format: .pem)
    ),
    config: .defaults { config in
        config.http2.maxConcurrentStreams = 128
        if BenchFixtures.option("--flush-coalescing") == "off" {
            config.connection.flushCoalescing = nil
        }
        if let window = BenchFixtures.option("--window-bytes").flatMap(Int.init) {
            config.http2.targetWindowSize = window
        }
    }
)
let server = GRPCServer(transport: transport, services: [FixedProductService(answer: try BenchFixtures.productBytes())])
try await withThrowingDiscardingTaskGroup { group in
    group.addTask { try await server.serve() }
    let address = try await transport.listeningAddress
    // Written straight to the descriptor: print() would wait in a buffer while the server runs.
    FileHandle.standardOutput.write(Data("gRPC ceiling listening on \(address)\n".utf8))
}
