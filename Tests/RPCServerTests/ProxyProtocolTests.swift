import Codec
import Domain
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import NIOCore
import RPCServer
import TestSupport
import Testing

@testable import RPCServer

/// A PROXY protocol v2 header: the signature, PROXY over TCP, and the addresses.
func proxyHeaderV2(client: String, clientPort: UInt16 = 40_000) -> [UInt8] {
    let octets = client.split(separator: ".").map { UInt8($0)! }
    var header = ProxyHeader.signature + [0x21, 0x11, 0x00, 12]
    header += octets + [127, 0, 0, 1]
    header += [UInt8(clientPort >> 8), UInt8(clientPort & 0xff), 0x1D, 0x13]
    return header
}

@Suite struct ProxyHeaderTests {
    @Test func aHeaderIsReadWholeOrWaitedForAndAnythingElseRefused() throws {
        let v4 = proxyHeaderV2(client: "203.0.113.7", clientPort: 51_000)
        #expect(
            ProxyHeader.read(ByteBuffer(bytes: v4 + [0x16, 0x03]).readableBytesView)
                == .header(ProxyHeader(source: try SocketAddress(ipAddress: "203.0.113.7", port: 51_000), length: 28))
        )
        for cut in [1, 12, 15, 27] {
            #expect(ProxyHeader.read(ByteBuffer(bytes: v4.prefix(cut)).readableBytesView) == .needMore)
        }
        // IPv6: 36 bytes of addresses and ports.
        var v6 = ProxyHeader.signature + [0x21, 0x21, 0x00, 36]
        v6 += [0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 11) + [1] + [UInt8](repeating: 0, count: 16)
        v6 += [0x01, 0xBB, 0x1D, 0x13]
        #expect(
            ProxyHeader.read(ByteBuffer(bytes: v6).readableBytesView)
                == .header(ProxyHeader(source: try SocketAddress(ipAddress: "2001:db8::1", port: 443), length: 52))
        )
        // LOCAL: the proxy's own connection (a health check), no client named.
        let local = ProxyHeader.signature + [0x20, 0x00, 0x00, 0x00]
        #expect(ProxyHeader.read(ByteBuffer(bytes: local).readableBytesView) == .header(ProxyHeader(length: 16)))
        // Not a header (a TLS ClientHello), version 1's text, another version, an oversized block.
        for bytes: [UInt8] in [
            [0x16, 0x03, 0x01], Array("PROXY TCP4 1.2.3.4".utf8), ProxyHeader.signature + [0x11, 0x11, 0, 12],
            ProxyHeader.signature + [0x21, 0x11, 0xff, 0xff],
        ] {
            guard case .invalid = ProxyHeader.read(ByteBuffer(bytes: bytes).readableBytesView) else {
                Issue.record("\(bytes) was not refused")
                continue
            }
        }
    }

    @Test func addressRangesHoldTheirAddressesOnly() throws {
        let block = try #require(AddressRange("10.1.0.0/16"))
        #expect(block.contains(try SocketAddress(ipAddress: "10.1.255.3", port: 1)))
        #expect(!block.contains(try SocketAddress(ipAddress: "10.2.0.1", port: 1)))
        #expect(block.contains(try SocketAddress(ipAddress: "::ffff:10.1.0.9", port: 1)), "IPv4 as IPv6")
        let one = try #require(AddressRange("127.0.0.1"))
        #expect(one.description == "127.0.0.1/32")
        let v6 = try #require(AddressRange("2001:db8::/32"))
        #expect(v6.contains(try SocketAddress(ipAddress: "2001:db8:ffff::1", port: 1)))
        #expect(!v6.contains(try SocketAddress(ipAddress: "2001:db9::1", port: 1)))
        for text in ["10.0.0.0/33", "10.0.0/8", "example.com", "::/129", "10.0.0.0/-1", ""] {
            #expect(AddressRange(text) == nil, "\(text)")
        }
    }
}

/// Behind a trusted proxy, the client the PROXY header names is the one the caps and throttles
/// count; a header from an address that is not trusted is refused.
@Suite struct ProxyProtocolTests {
    private static func login(
        _ connection: FrameConnection,
        id: UInt64,
        username: String,
        password: String = "not the password of anyone"
    ) async throws -> Catalog_V1_Code? {
        let request = Catalog_V1_LoginRequest.with {
            $0.username = username
            $0.password = password
        }
        try await connection.send(try .call(id, CatalogMethod.login, request))
        return try await connection.next(limit: .seconds(60))?.status.code
    }

    /// A connection to `server` as a proxy in front of it makes one for `client`.
    private static func connect(_ server: TestServer, as client: String) async throws -> FrameConnection {
        try await FrameConnection.connect(
            port: server.port,
            caPath: server.caPath,
            proxyHeader: proxyHeaderV2(client: client)
        )
    }

    @Test func theHeadersClientIsThrottledAndCappedNotTheProxy() async throws {
        try await withTestServer(
            handshakeTimeout: .seconds(120),
            configure: {
                $0.trustedProxies = [AddressRange("127.0.0.1/32")!]
                $0.maxConnectionsPerAddress = 1
            },
            body: { server in
                let first = try await Self.connect(server, as: "203.0.113.1")
                // Ten failed logins (ten usernames) from 203.0.113.1: its address's limit.
                for index in 0..<10 {
                    let code = try await Self.login(first, id: UInt64(index + 1), username: "user\(index)")
                    #expect(code == .unauthenticated)
                }
                #expect(try await Self.login(first, id: 11, username: "user10") == .resourceExhausted)

                // Another client through the same proxy: its own address, its own budget; and the cap
                // of one connection per address holds per client, not for the proxy.
                let second = try await Self.connect(server, as: "203.0.113.2")
                #expect(try await Self.login(second, id: 1, username: "user11") == .unauthenticated)

                let again = try await Self.connect(server, as: "203.0.113.1")
                let refusal = try await again.next(limit: .seconds(60))
                #expect(refusal?.callID == 0)
                #expect(refusal?.status.code == .resourceExhausted)
                for connection in [first, second, again] {
                    await connection.close()
                }
            }
        )
    }

    @Test func strangersFailuresDoNotLockTheAdminOutOfAnAddressItUsedBefore() async throws {
        try await withTestServer(
            handshakeTimeout: .seconds(120),
            configure: { $0.trustedProxies = [AddressRange("127.0.0.1/32")!] },
            body: { server in
                let usual = try await Self.connect(server, as: "198.51.100.7")
                let admin = TestAdmin.username
                #expect(try await Self.login(usual, id: 1, username: admin, password: TestAdmin.password) == .ok)
                // Ten wrong passwords for the admin from each of ten addresses.
                var refused = 0
                for address in 1...10 {
                    let stranger = try await Self.connect(server, as: "10.0.0.\(address)")
                    for id in 1...10 {
                        if try await Self.login(stranger, id: UInt64(id), username: admin) == .resourceExhausted {
                            refused += 1
                        }
                    }
                    await stranger.close()
                }
                #expect(refused == 90, "the username's own limit holds the strangers")
                #expect(try await Self.login(usual, id: 2, username: admin, password: TestAdmin.password) == .ok)
                let new = try await Self.connect(server, as: "198.51.100.99")
                let fromNew = try await Self.login(new, id: 1, username: admin, password: TestAdmin.password)
                #expect(fromNew == .resourceExhausted, "a new address waits out the username's minute")
                await usual.close()
                await new.close()
            }
        )
    }

    @Test func aHeaderFromAnAddressNotTrustedIsRefused() async throws {
        try await withTestServer(
            handshakeTimeout: .seconds(120),
            configure: { $0.trustedProxies = [AddressRange("10.0.0.0/8")!] },
            body: { server in
                let connection = try await Self.connect(server, as: "203.0.113.9")
                try? await connection.send(try .call(1, CatalogMethod.healthCheck, Catalog_V1_HealthCheckRequest()))
                #expect(try await connection.waitUntilClosed(limit: .seconds(60)).isEmpty, "no answer")
            }
        )
    }
}

/// The gRPC listener behind a trusted proxy: grpc-swift's client through a relay that sends a
/// PROXY header, so the login throttle counts the header's client, not the relay.
@Suite struct GRPCProxyProtocolTests {
    @Test func theHeadersClientIsThrottledOverGRPC() async throws {
        try await withTestServer(
            handshakeTimeout: .seconds(120),
            grpc: true,
            configure: { $0.trustedProxies = [AddressRange("127.0.0.1/32")!] },
            body: { server in
                let grpcPort = try #require(server.grpcPort)
                let first = try await ProxyRelay.start(to: grpcPort, header: proxyHeaderV2(client: "203.0.113.1"))
                let second = try await ProxyRelay.start(to: grpcPort, header: proxyHeaderV2(client: "203.0.113.2"))
                defer {
                    Task {
                        await first.close()
                        await second.close()
                    }
                }
                let codes = try await withGRPCClient(port: first.port, caPath: server.caPath) { client in
                    var codes: [RPCError.Code?] = []
                    for index in 0..<11 {
                        codes.append(try await Self.failedLogin(client, username: "user\(index)"))
                    }
                    return codes
                }
                #expect(codes == Array(repeating: .unauthenticated, count: 10) + [.resourceExhausted])
                let other = try await withGRPCClient(port: second.port, caPath: server.caPath) { client in
                    try await Self.failedLogin(client, username: "user11")
                }
                #expect(other == .unauthenticated, "another client of the same proxy has its own budget")
            }
        )
    }

    /// The code of a login with a wrong password; `nil` if it succeeded.
    private static func failedLogin(
        _ client: GRPCClient<HTTP2ClientTransport.Posix>,
        username: String
    ) async throws -> RPCError.Code? {
        do {
            let _: Catalog_V1_TokenPair = try await client.call(
                CatalogMethod.login,
                Catalog_V1_LoginRequest.with {
                    $0.username = username
                    $0.password = "not the password of anyone"
                }
            )
            return nil
        } catch let error as RPCError {
            return error.code
        }
    }
}
