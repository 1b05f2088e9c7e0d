import GRPCCore

/// Hands a message's bytes through as they are, both ways: for calls whose payload a test
/// makes by hand (a message that does not parse).
struct RawMessageCoding: MessageSerializer, MessageDeserializer {
    func serialize<Bytes: GRPCContiguousBytes>(_ message: [UInt8]) throws -> Bytes {
        Bytes(message)
    }

    func deserialize<Bytes: GRPCContiguousBytes>(_ serializedMessageBytes: Bytes) throws -> [UInt8] {
        serializedMessageBytes.withUnsafeBytes { Array($0) }
    }
}

extension MethodDescriptor {
    /// The descriptor of a framing method name, `package.Service/Method`.
    init?(catalogMethod name: String) {
        let parts = name.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { return nil }
        self.init(fullyQualifiedService: String(parts[0]), method: String(parts[1]))
    }
}
