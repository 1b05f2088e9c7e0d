import ArgumentParser
import Foundation

/// `--grpc-listen`: `IP:PORT` (IPv6 in brackets, `[::1]:7444`), or `off`. An IP address, not a
/// name: the listener binds what the operator wrote, not what a resolver answers today.
enum GRPCListenAddress: ExpressibleByArgument {
    case address(ListenAddress)
    case off

    init?(argument: String) {
        if argument == "off" {
            self = .off
            return
        }
        guard let address = ListenAddress(argument: argument), Self.isIPAddress(address.host) else {
            return nil
        }
        self = .address(address)
    }

    private static func isIPAddress(_ host: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, host, &v4) == 1 || inet_pton(AF_INET6, host, &v6) == 1
    }
}
