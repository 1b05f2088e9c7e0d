import Codec
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import SwiftProtobuf

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

/// A product like those the bench creates, so the answer is the size of a real one.
func fixedProduct() throws -> [UInt8] {
    var product = Catalog_V1_Product()
    product.sku = "0d4f6c2e-9a3b-4f1e-8c7d-5b2a1e3f4c6d"
    product.name = "Bench product 12"
    product.brand = "bench"
    product.priceCents = 1200
    product.currency = "MXN"
    product.views = 123_456
    product.version = 1
    product.createTime = Google_Protobuf_Timestamp(date: Date())
    product.updateTime = product.createTime
    return try product.serializedBytes()
}

func option(_ name: String) -> String? {
    let arguments = CommandLine.arguments
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return nil }
    return arguments[index + 1]
}

guard let listen = option("--listen"), let colon = listen.lastIndex(of: ":"),
    let port = Int(listen[listen.index(after: colon)...]), let certificate = option("--tls-cert"),
    let key = option("--tls-key")
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
        if option("--flush-coalescing") == "off" {
            config.connection.flushCoalescing = nil
        }
        if let window = option("--window-bytes").flatMap(Int.init) {
            config.http2.targetWindowSize = window
        }
    }
)
let server = GRPCServer(transport: transport, services: [FixedProductService(answer: try fixedProduct())])
try await withThrowingDiscardingTaskGroup { group in
    group.addTask { try await server.serve() }
    let address = try await transport.listeningAddress
    // Written straight to the descriptor: print() would wait in a buffer while the server runs.
    FileHandle.standardOutput.write(Data("gRPC ceiling listening on \(address)\n".utf8))
}
