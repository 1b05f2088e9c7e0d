import Listening
import NIOCore
import Testing

/// Limits key a client by its address, an IPv6 client by the /64 it can pick addresses from.
@Suite struct ClientKeyTests {
    @Test(arguments: [
        ("203.0.113.7", "203.0.113.7"),
        ("::ffff:203.0.113.7", "203.0.113.7"),
        ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:ffff::1", "2001:db8:1:2::/64"),
        ("::1", "0:0:0:0::/64"),
    ])
    func addressesAreKeyedByWhatOneClientControls(address: String, key: String) throws {
        #expect(try SocketAddress(ipAddress: address, port: 7443).clientKey == key)
    }
}
