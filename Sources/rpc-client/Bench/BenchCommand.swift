import ArgumentParser
import Codec
import Foundation
import LoadGenerator
import NIOCore
import NIOPosix
import RPCClient

struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Load generator: measure a call's throughput and latency.",
        subcommands: [BenchGetProductCommand.self]
    )

    /// Accepted before the subcommand too (see `RPCClientCommand.connection`).
    @OptionGroup var connection: ConnectionOptions
}

struct BenchGetProductCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "get-product",
        abstract: "Hammer GetProduct, spread over many products.",
        discussion: """
            Closed loop by default: each connection keeps --in-flight calls outstanding. With --rate,
            open loop: calls leave on a fixed schedule and each latency counts from the call's
            scheduled time, so a slow server cannot hide by slowing the generator.
            Products: --sku (repeatable), or --create N (as the logged-in admin), or else up to
            1,000 existing ones. Works against any server speaking the framing, such as the echo
            ceiling in Benchmarks/ (pass any --sku there).
            """
    )

    enum Caller: String, EnumerableFlag {
        case anonymous, admin

        static func help(for value: Caller) -> ArgumentHelp? {
            switch value {
            case .anonymous: "Call anonymously: each call counts a view (the default)."
            case .admin: "Call with the stored admin login: no view is counted."
            }
        }
    }

    @OptionGroup var connection: ConnectionOptions

    @Option(help: "Connections.")
    var connections = 16

    @Option(help: "Calls outstanding per connection (closed loop), or at most outstanding (open loop).")
    var inFlight = 32

    @Option(help: "Open loop: calls per second over all connections.")
    var rate: Double?

    @Option(
        help: """
            Open loop: microseconds between sends. Each tick sends the calls that came due since \
            the last in one write per connection; a call's latency still counts from its own \
            scheduled time, so a coarser tick adds to the latencies but costs less CPU per call.
            """
    )
    var tick = 100

    @Option(help: "Generator threads (event loops); on a machine shared with the server, fewer leave it more room.")
    var threads = System.coreCount

    @Option(help: "Seconds of load before measuring.")
    var warmup: Double = 2

    @Option(help: "Seconds measured.")
    var duration: Double = 10

    @Option(name: .customLong("sku"), help: "A product to read (repeatable).")
    var skus: [String] = []

    @Option(help: "Create this many products first, as the logged-in admin, and read those.")
    var create: Int?

    @Flag var caller: Caller = .anonymous

    @Option(
        help: """
            The server's process id, on this machine: reports the CPU it used per call over the \
            measured window (from /proc), beside this generator's own.
            """
    )
    var serverPID: Int32?

    func validate() throws {
        guard self.connections > 0, self.inFlight > 0, self.threads > 0, self.tick > 0 else {
            throw ValidationError("--connections, --in-flight, --threads and --tick must be positive")
        }
        guard self.warmup >= 0, self.duration > 0, (self.rate ?? 1) > 0, (self.create ?? 1) > 0 else {
            throw ValidationError("--warmup must not be negative; --duration, --rate and --create must be positive")
        }
        if let pid = self.serverPID, ProcessCPUTime.seconds(pid: "\(pid)") == nil {
            throw ValidationError("--server-pid \(pid): no such process (or no /proc to read it from)")
        }
        guard self.skus.isEmpty || self.create == nil else {
            throw ValidationError("--sku and --create cannot be combined")
        }
    }

    func run() async throws {
        var accessToken: String?
        var skus = self.skus
        try await self.connection.withClient { client in
            if self.caller == .admin || self.create != nil {
                accessToken = try await CredentialsFile.standard.accessToken(
                    for: self.connection.server,
                    refreshingWith: client
                )
            }
            if let count = self.create {
                client.setAccessToken(accessToken)
                skus = try await Self.createProducts(count, through: client)
            } else if skus.isEmpty {
                skus = try await Self.existingProducts(through: client)
            }
        }
        guard !skus.isEmpty else {
            Output.fail("no products to read: pass --sku SKU, or --create N as a logged-in admin")
        }
        let plan = LoadPlan(
            shape: self.rate.map {
                .openLoop(callsPerSecond: $0, maxInFlight: self.inFlight, tick: .microseconds(self.tick))
            }
                ?? .closedLoop(inFlight: self.inFlight),
            connections: self.connections,
            requestTails: try skus.map {
                try LoadPlan.getProductRequestTail(sku: $0, accessToken: self.caller == .admin ? accessToken : nil)
            },
            warmup: .seconds(self.warmup),
            duration: .seconds(self.duration)
        )
        let progress = ProgressLine()
        let eventLoops = MultiThreadedEventLoopGroup(numberOfThreads: self.threads)
        defer { eventLoops.shutdownGracefully { _ in } }
        let report: LoadRunner.Report
        do {
            report = try await LoadRunner.run(
                plan,
                configuration: try self.connection.clientConfiguration(),
                eventLoops: eventLoops,
                serverPID: self.serverPID,
                progress: progress.update
            )
        } catch let error as ConnectError {
            Output.fail("UNAVAILABLE: \(error.detail)")
        }
        progress.end()
        let summary = BenchSummary(report, caller: self.caller.rawValue, products: skus.count)
        if self.connection.json {
            print(try summary.json())
        } else {
            print(summary.text)
        }
    }

    private static func createProducts(_ count: Int, through client: CatalogClient) async throws -> [String] {
        var skus: [String] = []
        for index in 1...count {
            let product = try await client.createProduct(
                name: "Bench product \(index)",
                brand: "bench",
                priceCents: Int64(100 * index)
            )
            skus.append(product.sku)
        }
        return skus
    }

    private static func existingProducts(through client: CatalogClient) async throws -> [String] {
        let page = try await client.listProducts(pageSize: 1000)
        return page.products.map(\.sku)
    }
}

/// The live line on a terminal: elapsed time and answers per second. Nothing when stderr is
/// not a terminal, so logs and pipes stay clean.
private final class ProgressLine: Sendable {
    private let isTerminal = isatty(STDERR_FILENO) == 1

    func update(callsPerSecond: Double, elapsed: Duration) {
        guard self.isTerminal else { return }
        let seconds = Double(elapsed.components.seconds)
        let line = String(format: "\r%6.0f s  %10.0f calls/s ", seconds, callsPerSecond)
        FileHandle.standardError.write(Data(line.utf8))
    }

    func end() {
        guard self.isTerminal else { return }
        FileHandle.standardError.write(Data("\n".utf8))
    }
}
