import Codec
import Foundation
import NIOCore
import SwiftProtobuf
import Testing

/// The hand-written envelope decoder reads what SwiftProtobuf reads, and rejects what it rejects.
@Suite struct RequestEnvelopeTests {
    @Test func readsWhatSwiftProtobufWrites() throws {
        var request = Catalog_V1_Request()
        request.callID = UInt64.max
        request.method = CatalogMethod.getProduct
        request.metadata = [
            "authorization": "Bearer abc.def", "x-trace": "7",
            "traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        ]
        request.timeoutMs = 2500
        request.payload = Data([1, 2, 3, 0xFF])
        try self.expectSameAsSwiftProtobuf(try request.serializedBytes())
    }

    @Test func anEmptyFrameIsAnAllDefaultRequest() throws {
        let envelope = try RequestEnvelope(frame: ByteBuffer())
        #expect(envelope.callID == 0 && envelope.method.readableBytes == 0 && envelope.payload.readableBytes == 0)
        #expect(envelope.authorization == nil && envelope.timeoutMs == 0)
    }

    @Test func followsProtobufsRulesForOrderRepeatsAndUnknownFields() throws {
        var bytes = WireBuilder()
        bytes.bytesField(5, [9, 9])  // payload before everything else
        bytes.varintField(4, UInt64(UInt32.max) + 7)  // uint32: truncated
        bytes.varintField(1, 5)
        bytes.varintField(1, 6)  // the last scalar wins
        bytes.stringField(2, "catalog.v1.Old/Method")
        bytes.stringField(2, CatalogMethod.listProducts)
        bytes.bytesField(1, [1])  // a known field of the wrong wire type counts as unknown
        bytes.varintField(99, 1)  // unknown varint
        bytes.fixed64Field(98)
        bytes.fixed32Field(97)
        bytes.bytesField(96, [1, 2, 3])
        bytes.entry(key: "authorization", value: "Bearer first")
        bytes.entry(key: "x-other", value: "ignored")
        bytes.entry(valueFirst: true, key: "authorization", value: "Bearer last")  // last per key wins
        try self.expectSameAsSwiftProtobuf(bytes.bytes)
    }

    @Test func aMapEntryWithoutAValueIsAnEmptyValue() throws {
        var bytes = WireBuilder()
        var entry = WireBuilder()
        entry.stringField(1, "authorization")
        bytes.bytesField(3, entry.bytes)
        try self.expectSameAsSwiftProtobuf(bytes.bytes)
    }

    @Test(
        arguments: [
            ("truncated varint", [0x08, 0x80]),
            ("length past the end", [0x12, 0x05, 0x61]),
            ("field number zero", [0x00, 0x01]),
            // Found by Fuzz/FuzzRequestEnvelope: a small key padded to six bytes.
            ("key longer than five bytes", [0xEA, 0xCE, 0xFE, 0xCE, 0x88, 0x00, 0x00]),
            ("key over 32 bits", [0xEA, 0xCE, 0xFE, 0xCE, 0x7F, 0x00]),
            ("authorization not UTF-8", authorizationEntry(value: [0xC3, 0x28])),
        ] as [(String, [UInt8])]
    )
    func rejectsWhatSwiftProtobufRejects(_ name: String, bytes: [UInt8]) {
        #expect(throws: (any Error).self, "\(name): SwiftProtobuf") {
            try Catalog_V1_Request(serializedBytes: bytes)
        }
        #expect(throws: MalformedMessageError.self, "\(name): RequestEnvelope") {
            try RequestEnvelope(frame: ByteBuffer(bytes: bytes))
        }
    }

    @Test func thePayloadSharesTheFramesStorage() throws {
        var request = Catalog_V1_Request()
        request.payload = Data(repeating: 7, count: 100)
        let frame = ByteBuffer(bytes: try request.serializedBytes() as [UInt8])
        let envelope = try RequestEnvelope(frame: frame)
        let framePointer = frame.withUnsafeReadableBytes { $0.baseAddress! }
        let payloadPointer = envelope.payload.withUnsafeReadableBytes { $0.baseAddress! }
        #expect(payloadPointer == framePointer + 2)
    }

    @Test func comparesTheMethodAndTheAuthorizationInPlace() throws {
        var request = Catalog_V1_Request()
        request.method = CatalogMethod.getProduct
        request.metadata = ["authorization": "Bearer abc", "x-other": "Bearer abc"]
        let envelope = try RequestEnvelope(frame: ByteBuffer(bytes: try request.serializedBytes() as [UInt8]))
        #expect(envelope.methodIs(Array(CatalogMethod.getProduct.utf8)))
        #expect(!envelope.methodIs(Array(CatalogMethod.listProducts.utf8)))
        #expect(!envelope.methodIs(Array(CatalogMethod.getProduct.utf8.dropLast())))
        #expect(!envelope.methodIs([]))
        #expect(envelope.hasAuthorization && envelope.authorizationIs(Array("Bearer abc".utf8)))
        #expect(
            !envelope.authorizationIs(Array("Bearer abd".utf8)) && !envelope.authorizationIs(Array("Bearer ab".utf8))
        )

        let anonymous = try RequestEnvelope(frame: ByteBuffer())
        #expect(!anonymous.hasAuthorization && !anonymous.authorizationIs([]) && anonymous.methodIs([]))
    }

    @Test func anotherTransportsCallKeepsItsFields() {
        let envelope = RequestEnvelope(
            method: ByteBuffer(string: CatalogMethod.getProduct),
            authorization: "Bearer t",
            traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            payload: ByteBuffer(bytes: [1, 2, 3])
        )
        #expect(
            envelope.methodName == CatalogMethod.getProduct && envelope.methodIs(Array(CatalogMethod.getProduct.utf8))
        )
        #expect(Array(envelope.payload.readableBytesView) == [1, 2, 3])
        #expect(envelope.authorization == "Bearer t" && envelope.authorizationIs(Array("Bearer t".utf8)))
        #expect(envelope.traceparent == "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
        #expect(envelope.callID == 0 && envelope.timeoutMs == 0)
        let anonymous = RequestEnvelope(method: ByteBuffer(), authorization: nil, payload: ByteBuffer())
        #expect(anonymous.authorization == nil && anonymous.traceparent == nil && !anonymous.hasAuthorization)
    }

    @Test func aValueThatIsNotUTF8IsRefusedOnlyWhereTheServerReadsIt() throws {
        for key in ["authorization", "traceparent"] {
            let frame = ByteBuffer(bytes: authorizationEntry(value: [0x42, 0xFF, 0x43], key: key))
            #expect(throws: MalformedMessageError.self, "\(key)") { try RequestEnvelope(frame: frame) }
        }
        let other = ByteBuffer(bytes: authorizationEntry(value: [0x42, 0xFF, 0x43], key: "x-other"))
        #expect(try RequestEnvelope(frame: other).authorization == nil)
        // Not ASCII, but UTF-8: read as text.
        let accented = ByteBuffer(bytes: authorizationEntry(value: Array("Bearer é".utf8)))
        #expect(try RequestEnvelope(frame: accented).authorization == "Bearer é")
        // Longer values are checked eight bytes at a time, then the rest: a byte with its high
        // bit set is found in either part and at either end of a word.
        let token = Array("Bearer eyJhbGciOiJFZERTQSJ9.abcdefghij".utf8)
        for position in [0, 7, 8, 15, token.count - 1] {
            var malformed = token
            malformed[position] = 0xFF
            #expect(throws: MalformedMessageError.self, "0xFF at \(position)") {
                try RequestEnvelope(frame: ByteBuffer(bytes: authorizationEntry(value: malformed)))
            }
            var twoBytes = token
            twoBytes.replaceSubrange(position..<(position + 1), with: Array("é".utf8))
            let text = String(decoding: twoBytes, as: UTF8.self)
            #expect(
                try RequestEnvelope(frame: ByteBuffer(bytes: authorizationEntry(value: twoBytes))).authorization == text
            )
        }
        #expect(
            try RequestEnvelope(frame: ByteBuffer(bytes: authorizationEntry(value: token))).authorization
                == "Bearer eyJhbGciOiJFZERTQSJ9.abcdefghij"
        )
    }

    private func expectSameAsSwiftProtobuf(_ bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) throws {
        let expected = try Catalog_V1_Request(serializedBytes: bytes)
        let envelope = try RequestEnvelope(frame: ByteBuffer(bytes: bytes))
        #expect(envelope.callID == expected.callID, sourceLocation: sourceLocation)
        #expect(envelope.methodName == expected.method, sourceLocation: sourceLocation)
        #expect(envelope.authorization == expected.metadata["authorization"], sourceLocation: sourceLocation)
        #expect(envelope.traceparent == expected.metadata["traceparent"], sourceLocation: sourceLocation)
        #expect(envelope.timeoutMs == expected.timeoutMs, sourceLocation: sourceLocation)
        #expect(Data(envelope.payload.readableBytesView) == expected.payload, sourceLocation: sourceLocation)
    }
}

/// A request of one metadata entry, `authorization` unless `key` says otherwise.
private func authorizationEntry(value: [UInt8], key: String = "authorization") -> [UInt8] {
    var entry = WireBuilder()
    entry.stringField(1, key)
    entry.bytesField(2, value)
    var request = WireBuilder()
    request.bytesField(3, entry.bytes)
    return request.bytes
}

/// Protobuf fields written by hand, in whatever order and repetition a test needs.
private struct WireBuilder {
    var bytes: [UInt8] = []

    mutating func varintField(_ field: UInt64, _ value: UInt64) {
        self.varint(field << 3)
        self.varint(value)
    }

    mutating func bytesField(_ field: UInt64, _ value: [UInt8]) {
        self.varint(field << 3 | 2)
        self.varint(UInt64(value.count))
        self.bytes += value
    }

    mutating func stringField(_ field: UInt64, _ value: String) {
        self.bytesField(field, Array(value.utf8))
    }

    mutating func fixed64Field(_ field: UInt64) {
        self.varint(field << 3 | 1)
        self.bytes += [UInt8](repeating: 0xAB, count: 8)
    }

    mutating func fixed32Field(_ field: UInt64) {
        self.varint(field << 3 | 5)
        self.bytes += [UInt8](repeating: 0xCD, count: 4)
    }

    /// A metadata map entry (field 3), optionally with its value before its key.
    mutating func entry(valueFirst: Bool = false, key: String, value: String) {
        var entry = WireBuilder()
        if valueFirst {
            entry.stringField(2, value)
            entry.stringField(1, key)
        } else {
            entry.stringField(1, key)
            entry.stringField(2, value)
        }
        self.bytesField(3, entry.bytes)
    }

    private mutating func varint(_ value: UInt64) {
        var buffer = ByteBuffer()
        buffer.writeVarint(value)
        self.bytes += buffer.readableBytesView
    }
}
