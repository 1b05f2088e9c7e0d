import Foundation
import TestSupport
import Testing

/// The gRPC listener's answers to what only a raw HTTP/2 client sends (nghttp, from Debian's
/// nghttp2-client): the parts of the gRPC contract (PROTOCOL.md section 11) that no stub exercises.
@Suite(.enabled(if: NGHTTP.isInstalled || ProcessInfo.processInfo.environment["CI"] == "true", "needs nghttp"))
struct NGHTTPContractTests {
    /// One gRPC message: uncompressed, 38 bytes, GetProductRequest { sku } of an unknown product.
    private static let unknownProduct: [UInt8] =
        [0, 0, 0, 0, 0x26, 0x0a, 0x24]
        + Array("00000000-0000-4000-8000-000000000000".utf8)

    @Test func theContractsEdgesAnswerAsGRPCSays() async throws {
        try await withTemporaryDirectory { directory in
            let daemon = try await DaemonProcess(workingDirectory: directory)
            let body = directory + "/request.bin"
            try Data(Self.unknownProduct).write(to: URL(fileURLWithPath: body))
            let base = "https://127.0.0.1:\(try await daemon.grpcPort())/catalog.v1.ProductService/"

            let wrongType = try await NGHTTP.post(
                base + "GetProduct",
                body: body,
                headers: ["content-type: text/plain"]
            )
            #expect(wrongType.headers[":status"] == "415", "\(wrongType.output)")

            let gzip = try await NGHTTP.post(
                base + "GetProduct",
                body: body,
                headers: ["content-type: application/grpc", "grpc-encoding: gzip"]
            )
            #expect(gzip.headers["grpc-status"] == "12", "UNIMPLEMENTED: \(gzip.output)")
            #expect(gzip.headers["grpc-accept-encoding"] == "identity")

            let unknownMethod = try await NGHTTP.post(
                base + "NoSuchMethod",
                body: body,
                headers: ["content-type: application/grpc"]
            )
            #expect(unknownMethod.headers["grpc-status"] == "12", "\(unknownMethod.output)")

            // An error is Trailers-Only: one HEADERS frame that ends the stream, with no DATA.
            let notFound = try await NGHTTP.post(
                base + "GetProduct",
                body: body,
                headers: ["content-type: application/grpc+proto"]
            )
            #expect(notFound.headers[":status"] == "200")
            #expect(notFound.headers["grpc-status"] == "5", "NOT_FOUND: \(notFound.output)")
            #expect(notFound.headers["grpc-message"]?.contains("not found") == true)
            #expect(
                notFound.headerFrames == 1 && notFound.endedByHeaders && notFound.dataFrames == 0,
                "\(notFound.output)"
            )
            #expect(try await daemon.terminate() == 0)
        }
    }
}

/// `nghttp -v`, one POST, read back as the frames and header fields it received.
enum NGHTTP {
    static let path = "/usr/bin/nghttp"
    static var isInstalled: Bool { FileManager.default.isExecutableFile(atPath: Self.path) }

    struct Exchange {
        var output: String
        /// Every header field received (response headers and trailers), by name.
        var headers: [String: String]
        var headerFrames: Int
        var dataFrames: Int
        /// The last HEADERS frame carried END_STREAM.
        var endedByHeaders: Bool
    }

    static func post(_ url: String, body: String, headers: [String]) async throws -> Exchange {
        let arguments = ["-v", "-d", body, "-H", "te: trailers"] + headers.flatMap { ["-H", $0] } + [url]
        let run = try await runProcess(
            URL(fileURLWithPath: Self.path),
            arguments,
            mergeOutput: true,
            limit: .seconds(60)
        )
        var exchange = Exchange(output: run.stdout, headers: [:], headerFrames: 0, dataFrames: 0, endedByHeaders: false)
        for line in run.stdout.split(separator: "\n") {
            if let range = line.range(of: "recv (stream_id=") {
                // "[  0.028] recv (stream_id=13) grpc-status: 12"
                let field = line[range.upperBound...].drop { $0 != ")" }.dropFirst(2)
                if let colon = field.dropFirst().firstIndex(of: ":") {
                    let name = String(field[..<colon])
                    exchange.headers[name] = String(field[field.index(after: colon)...].dropFirst())
                }
            } else if line.contains("recv HEADERS frame") {
                exchange.headerFrames += 1
                exchange.endedByHeaders = line.contains("flags=0x05") || line.contains("flags=0x01")
            } else if line.contains("recv DATA frame") {
                exchange.dataFrames += 1
            }
        }
        return exchange
    }
}
