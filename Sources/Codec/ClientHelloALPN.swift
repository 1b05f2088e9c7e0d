public import NIOCore

/// The ALPN protocol ids a TLS ClientHello offers, read from the first TLS record. It reads
/// bytes a stranger sends before any TLS, so it lives beside the other wire readers (and
/// their fuzz targets) rather than in the server.
///
/// NIOSSL continues a handshake whose ALPN offer has no protocol in common with the
/// server (BoringSSL's NOACK). PROTOCOL.md requires such a handshake to fail with
/// `no_application_protocol`, so the server reads the offer itself before NIOSSL sees it.
public enum ClientHelloALPN: Equatable, Sendable {
    /// More bytes are needed to decide.
    case incomplete
    /// Not a ClientHello in one record (a plaintext client, an unusual split): NIOSSL decides.
    case notInspectable
    /// The hello offers no ALPN extension.
    case noOffer
    case offered([String])

    /// Largest TLS record body, plus its header.
    public static let maxRecordSize = 5 + 16_384 + 2048

    public static func parse(_ buffer: ByteBuffer) -> ClientHelloALPN {
        var record = buffer
        guard let contentType = record.readInteger(as: UInt8.self),
            record.readInteger(as: UInt16.self) != nil,
            let recordLength = record.readInteger(as: UInt16.self)
        else {
            return buffer.readableBytes >= 5 ? .notInspectable : .incomplete
        }
        guard contentType == 22 else { return .notInspectable }  // handshake
        guard var body = record.readSlice(length: Int(recordLength)) else { return .incomplete }

        guard body.readInteger(as: UInt8.self) == 1,  // client_hello
            let high = body.readInteger(as: UInt8.self),
            let low = body.readInteger(as: UInt16.self),
            Int(high) << 16 | Int(low) <= body.readableBytes,  // the hello fits this record
            body.moveReaderIndexIfPossible(by: 2 + 32),  // client_version, random
            body.skipVector(lengthBytes: 1),  // session_id
            body.skipVector(lengthBytes: 2),  // cipher_suites
            body.skipVector(lengthBytes: 1)  // compression_methods
        else {
            return .notInspectable
        }
        guard let extensionsLength = body.readInteger(as: UInt16.self) else { return .noOffer }
        guard var extensions = body.readSlice(length: Int(extensionsLength)) else { return .notInspectable }
        while let type = extensions.readInteger(as: UInt16.self) {
            guard let length = extensions.readInteger(as: UInt16.self),
                var data = extensions.readSlice(length: Int(length))
            else {
                return .notInspectable
            }
            guard type == 16 else { continue }  // application_layer_protocol_negotiation
            guard let listLength = data.readInteger(as: UInt16.self), var list = data.readSlice(length: Int(listLength))
            else {
                return .notInspectable
            }
            var protocols: [String] = []
            while let nameLength = list.readInteger(as: UInt8.self) {
                guard let name = list.readString(length: Int(nameLength)) else { return .notInspectable }
                protocols.append(name)
            }
            return .offered(protocols)
        }
        return .noOffer
    }
}

extension ByteBuffer {
    fileprivate mutating func moveReaderIndexIfPossible(by count: Int) -> Bool {
        guard self.readableBytes >= count else { return false }
        self.moveReaderIndex(forwardBy: count)
        return true
    }

    fileprivate mutating func skipVector(lengthBytes: Int) -> Bool {
        let length: Int?
        switch lengthBytes {
        case 1: length = self.readInteger(as: UInt8.self).map(Int.init)
        default: length = self.readInteger(as: UInt16.self).map(Int.init)
        }
        guard let length else { return false }
        return self.moveReaderIndexIfPossible(by: length)
    }
}
