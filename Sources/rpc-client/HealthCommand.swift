import ArgumentParser
import GRPCCore
import RPCClient

struct HealthCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "health",
        abstract: "Print whether the daemon serves (SERVING or NOT_SERVING).",
        discussion: """
            With --grpc, asks the standard grpc.health.v1.Health of the daemon's gRPC listener \
            (--grpc-server) instead of the framing's Health: the question a Kubernetes probe asks.
            """
    )

    @OptionGroup var connection: ConnectionOptions

    @Option(help: "A service to check, e.g. catalog.v1.ProductService; empty for the whole server.")
    var service = ""

    @Flag(help: "Ask over standard gRPC (grpc.health.v1.Health) instead of the framing.")
    var grpc = false

    @Option(help: "The daemon's gRPC listener, HOST:PORT, for --grpc.")
    var grpcServer = "127.0.0.1:7444"

    @Flag(help: "Exit 1 unless the answer is SERVING, as a container's HEALTHCHECK or a probe needs.")
    var probe = false

    func run() async throws {
        if self.grpc {
            try await self.checkOverGRPC()
            return
        }
        try await self.connection.withClient { client in
            let status = try await client.health(service: self.service)
            if self.connection.json {
                try Output.printJSON(status)
            } else {
                print(status.rawValue)
            }
            try self.exitUnlessServing(status == .serving)
        }
    }

    private func checkOverGRPC() async throws {
        let configuration = try self.connection.clientConfiguration(address: self.grpcServer, flag: "--grpc-server")
        do {
            let response = try await GRPCHealthCheck.check(service: self.service, configuration: configuration)
            print(self.connection.json ? try response.jsonString() : GRPCHealthCheck.name(of: response.status))
            try self.exitUnlessServing(response.status == .serving)
        } catch let error as RPCError {
            Output.fail("\(GRPCHealthCheck.name(of: error.code)): \(error.message)")
        }
    }

    /// With --probe, anything but SERVING fails the command (its answer is printed first).
    private func exitUnlessServing(_ serving: Bool) throws {
        if self.probe, !serving {
            throw ExitCode.failure
        }
    }
}
