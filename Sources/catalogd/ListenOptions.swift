import ArgumentParser
import Daemon
import HostSupport

/// Where the framing's and the gRPC listener listen.
struct ListenOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(EnvironmentSettings.listen.help("Address to listen on, HOST:PORT."), valueName: "address")
    )
    var listen: String?

    @Option(
        help: ArgumentHelp(
            EnvironmentSettings.grpcListen.help(
                "Address of the standard gRPC (HTTP/2) listener, IP:PORT, or off. Same certificate and TLS rules as --listen."
            ),
            valueName: "address"
        )
    )
    var grpcListen: String?

    func apply(to settings: inout DaemonLaunch.Settings) throws(SettingError) {
        let listen = try EnvironmentSettings.listen.value(
            text: self.listen,
            expected: "HOST:PORT",
            parse: HostPort.init
        )
        settings.daemon.server.host = listen?.host ?? "127.0.0.1"
        settings.daemon.server.port = listen?.port ?? 7443
        let grpc = try EnvironmentSettings.grpcListen.value(
            text: self.grpcListen,
            expected: "IP:PORT or off",
            parse: { ListenSetting.parse($0, ipOnly: true) }
        )
        switch grpc ?? .address(HostPort(host: "127.0.0.1", port: 7444)) {
        case .address(let address): settings.daemon.grpc = .init(host: address.host, port: address.port)
        case .off: settings.daemon.grpc = nil
        }
    }
}
