import ArgumentParser
import Foundation
import RPCServer

/// The limits every connection is held to (docs/PROTOCOL.md section 10), as flags.
struct ConnectionLimitOptions: ParsableArguments {
    @Option(help: "Largest frame body accepted, in bytes.")
    var maxFrameBytes: Int = 4 * 1024 * 1024

    @Option(help: "Calls in flight per connection before the server stops reading from it.")
    var maxInFlight: Int = 128

    @Option(help: "Connections open at once. (default: 80% of the open-file limit)")
    var maxConnections: Int?

    @Option(help: "Connections open at once from one client address (an IPv6 client's /64).")
    var maxConnectionsPerAddress: Int = 64

    @Option(help: "Seconds a connection may stay without calls.")
    var idleTimeout: Double = 300

    @Option(help: "Seconds a TLS handshake may take.")
    var handshakeTimeout: Double = 10

    @Option(help: "Seconds a frame may take to arrive once its first bytes have.")
    var frameTimeout: Double = 10

    @Option(help: "Seconds a client may leave answers unread (over 1 MiB waiting) before it is disconnected.")
    var writeTimeout: Double = 30

    @Option(help: "Seconds calls in flight get to finish at shutdown before they are answered UNAVAILABLE.")
    var drainTimeout: Double = 10

    @Option(
        help: ArgumentHelp(
            "Proxies (CIDR blocks, comma-separated) whose connections start with a PROXY protocol v2 header naming the client, on --listen and --grpc-listen: caps, throttles and logs then use that client. (default: off)",
            valueName: "cidr,..."
        ),
        transform: ProxyRanges.init(argument:)
    )
    var proxyProtocolFrom: ProxyRanges?

    func validate() throws {
        let durations = [
            self.idleTimeout, self.handshakeTimeout, self.frameTimeout, self.writeTimeout, self.drainTimeout,
        ]
        guard durations.allSatisfy({ $0 > 0 }) else {
            throw ValidationError("timeouts must be positive")
        }
        guard self.maxFrameBytes > 0, self.maxFrameBytes <= Int(UInt32.max) else {
            throw ValidationError("--max-frame-bytes must be between 1 and \(UInt32.max)")
        }
        guard self.maxInFlight > 0 else {
            throw ValidationError("--max-in-flight must be positive")
        }
        guard self.maxConnections.map({ $0 > 0 }) ?? true, self.maxConnectionsPerAddress > 0 else {
            throw ValidationError("--max-connections and --max-connections-per-address must be positive")
        }
    }

    func apply(to configuration: inout ServerConfiguration) {
        configuration.maxFrameSize = self.maxFrameBytes
        configuration.maxInFlightCallsPerConnection = self.maxInFlight
        if let maxConnections = self.maxConnections {
            configuration.maxConnections = maxConnections
        }
        configuration.maxConnectionsPerAddress = self.maxConnectionsPerAddress
        configuration.idleTimeout = .seconds(self.idleTimeout)
        configuration.handshakeTimeout = .seconds(self.handshakeTimeout)
        configuration.frameTimeout = .seconds(self.frameTimeout)
        configuration.writeTimeout = .seconds(self.writeTimeout)
        configuration.drainTimeout = .seconds(self.drainTimeout)
        configuration.trustedProxies = self.proxyProtocolFrom?.ranges ?? []
    }
}

/// `--proxy-protocol-from`: address blocks, comma-separated.
struct ProxyRanges {
    var ranges: [AddressRange]

    init(argument: String) throws {
        self.ranges = try argument.split(separator: ",").map { text in
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            guard let range = AddressRange(trimmed) else {
                throw ValidationError("--proxy-protocol-from takes CIDR blocks such as 10.0.0.0/8, not \(trimmed)")
            }
            return range
        }
        guard !self.ranges.isEmpty else {
            throw ValidationError("--proxy-protocol-from takes at least one CIDR block")
        }
    }
}
