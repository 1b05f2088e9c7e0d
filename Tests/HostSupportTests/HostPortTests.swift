import HostSupport
import Testing

/// The one HOST:PORT parser catalogd's listeners and rpc-client's --server share.
@Suite struct HostPortTests {
    @Test(arguments: [
        ("127.0.0.1:7443", "127.0.0.1", 7443),
        ("[::1]:7444", "::1", 7444),
        ("catalog.internal:0", "catalog.internal", 0),
        ("0.0.0.0:65535", "0.0.0.0", 65535),
    ])
    func readsAHostAndAPort(text: String, host: String, port: Int) throws {
        let address = try #require(HostPort(text))
        #expect(address == HostPort(host: host, port: port))
        #expect(address.description == text)
    }

    @Test(arguments: ["", "7443", ":7443", "host:", "host:port", "host:65536", "host:-1", "[]:1"])
    func refusesWhatIsNotHostColonPort(text: String) {
        #expect(HostPort(text) == nil)
    }

    @Test func tellsAddressesFromNames() throws {
        #expect(try #require(HostPort("10.1.2.3:1")).hostIsIPAddress)
        #expect(try #require(HostPort("[fe80::1]:1")).hostIsIPAddress)
        #expect(try !#require(HostPort("localhost:1")).hostIsIPAddress)
    }
}
