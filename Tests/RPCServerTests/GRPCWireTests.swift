import Codec
import NIOCore
import NIOHPACK
import Testing

@testable import RPCServer

@Suite struct GRPCMessageReaderTests {
    private func message(_ bytes: [UInt8]) -> [UInt8] {
        [0] + withUnsafeBytes(of: UInt32(bytes.count).bigEndian, Array.init) + bytes
    }

    @Test func messagesAreCutOutWhereverTheStreamSplitsThem() throws {
        let stream = self.message([1, 2, 3]) + self.message([]) + self.message(Array(repeating: 7, count: 300))
        for split in 0...stream.count {
            var reader = GRPCMessageReader(limit: 1000)
            var messages: [[UInt8]] = []
            for part in [Array(stream[..<split]), Array(stream[split...])] {
                try reader.read(ByteBuffer(bytes: part)) { messages.append(Array($0.readableBytesView)) }
            }
            #expect(messages == [[1, 2, 3], [], Array(repeating: 7, count: 300)], "split at \(split)")
            #expect(reader.bufferedBytes == 0)
        }
    }

    @Test func aMessageSplitIsHeldUntilWholeAndOneInAFrameIsNot() throws {
        var reader = GRPCMessageReader(limit: 1000)
        let whole = self.message([9, 9])
        try reader.read(ByteBuffer(bytes: whole + whole.prefix(3))) { #expect(Array($0.readableBytesView) == [9, 9]) }
        #expect(reader.bufferedBytes == 3)
    }

    @Test func aMessageOverTheLimitIsRefusedFromItsPrefixAndACompressedOneAlways() {
        var reader = GRPCMessageReader(limit: 10)
        // The prefix alone says 11 bytes: refused before any of them arrived.
        #expect(throws: GRPCMessageReader.Failure.tooLarge(length: 11)) {
            try reader.read(ByteBuffer(bytes: [0, 0, 0, 0, 11])) { _ in Issue.record("no message") }
        }
        var compressed = GRPCMessageReader(limit: 10)
        #expect(throws: GRPCMessageReader.Failure.compressed) {
            try compressed.read(ByteBuffer(bytes: [1, 0, 0, 0, 1, 5])) { _ in Issue.record("no message") }
        }
    }
}

@Suite struct GRPCRequestHeadTests {
    private func headers(
        _ extra: [(name: String, value: String)] = [],
        contentType: String = "application/grpc"
    ) -> [(name: String, value: String)] {
        [(":method", "POST"), (":path", "/catalog.v1.ProductService/GetProduct"), ("content-type", contentType)] + extra
    }

    @Test func aCallIsItsPathCredentialsTraceAndDeadline() throws {
        let head = try GRPCRequestHead.read(
            self.headers([("authorization", "Bearer t"), ("traceparent", "00-x"), ("grpc-timeout", "1500m")])
        ).get()
        #expect(head.method == ByteBuffer(string: "catalog.v1.ProductService/GetProduct"))
        #expect(head.authorization == "Bearer t")
        #expect(head.traceparent == "00-x")
        #expect(head.timeout == .milliseconds(1500))
    }

    @Test(arguments: ["application/grpc", "application/grpc+proto", "application/grpc;charset=utf-8"])
    func grpcContentTypesAreServed(contentType: String) {
        #expect((try? GRPCRequestHead.read(self.headers(contentType: contentType)).get()) != nil)
    }

    @Test func whatIsNotAGRPCCallIsRefusedAsTheSpecSays() {
        #expect(
            GRPCRequestHead.read(self.headers(contentType: "text/plain")).refusal
                == .http(status: 415, message: "content-type must be application/grpc")
        )
        #expect(GRPCRequestHead.read(self.headers(contentType: "application/grpc-web")).refusal?.httpStatus == 415)
        let gzip = GRPCRequestHead.read(self.headers([("grpc-encoding", "gzip")])).refusal
        #expect(gzip?.grpcStatus?.code == .unimplemented)
        #expect(
            gzip
                == .grpc(
                    RPCStatus(.unimplemented, "grpc-encoding gzip is not supported; send identity"),
                    acceptEncoding: true
                )
        )
        #expect(
            GRPCRequestHead.read(self.headers([("grpc-timeout", "soon")])).refusal?.grpcStatus?.code == .invalidArgument
        )
        let get = self.headers().map { $0.name == ":method" ? (name: $0.name, value: "GET") : $0 }
        #expect(GRPCRequestHead.read(get).refusal?.httpStatus == 405)
    }

    @Test(arguments: [
        ("1H", TimeAmount.hours(1)), ("2M", .minutes(2)), ("3S", .seconds(3)), ("4m", .milliseconds(4)),
        ("5u", .microseconds(5)), ("6n", .nanoseconds(6)), ("99999999S", .seconds(99_999_999)),
    ])
    func timeoutsInEveryUnit(text: String, amount: TimeAmount) {
        #expect(GRPCTimeout.parse(Substring(text)) == amount)
    }

    @Test(arguments: ["", "S", "100000000S", "1s", "-1S", "1.5S", " 1S"])
    func malformedTimeoutsAreNotTimeouts(text: String) {
        #expect(GRPCTimeout.parse(Substring(text)) == nil)
    }

    @Test func messagesArePercentEncodedAndDetailsCarryTheViolations() {
        #expect(GRPCTrailers.percentEncoded("plain text") == "plain text")
        #expect(GRPCTrailers.percentEncoded("100% ünïcode\n") == "100%25 %C3%BCn%C3%AFcode%0A")
        let trailers = GRPCTrailers.failure(
            RPCStatus(.invalidArgument, "bad", fieldViolations: [.init(field: "sku", description: "empty")]),
            trailersOnly: true
        )
        #expect(trailers[":status"] == ["200"])
        #expect(trailers["grpc-status"] == ["3"])
        #expect(trailers["grpc-status-details-bin"].count == 1)
    }
}

extension Result where Failure == GRPCRequestHead.Refusal {
    var refusal: GRPCRequestHead.Refusal? {
        if case .failure(let refusal) = self { refusal } else { nil }
    }
}

extension GRPCRequestHead.Refusal {
    var httpStatus: Int? {
        if case .http(let status, _) = self { status } else { nil }
    }

    var grpcStatus: RPCStatus? {
        if case .grpc(let status, _) = self { status } else { nil }
    }
}
