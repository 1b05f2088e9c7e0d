import Domain
import Foundation
import RPCClient
import Storage
import TestSupport
import Testing

/// The shipped executables, run as an operator runs them.
@Suite struct DaemonLifecycleTests {
    /// Seeds a product straight into the daemon's SQLite file: the shipped daemon takes no writes yet.
    private func seedProduct(dataDir: String) async throws -> Domain.Product {
        try FileManager.default.createDirectory(atPath: dataDir, withIntermediateDirectories: true)
        let store = try SQLiteStore(path: dataDir + "/catalog.sqlite")
        let now = Timestamp.now()
        let product = Domain.Product(
            sku: UUID(),
            name: "Lamp",
            brand: "Acme",
            priceCents: 1999,
            currency: "MXN",
            createTime: now,
            updateTime: now
        )
        let seeder = AdminIdentity(id: UUID(), username: "seeder")
        try await store.insertProduct(
            product,
            change: ProductChange(actor: seeder, action: .created, sku: product.sku, name: product.name),
            continueViewHistory: false
        )
        try store.close()
        return product
    }

    @Test func sigtermKeepsEveryCountedViewAcrossARestart() async throws {
        try await withTemporaryDirectory { directory in
            let product = try await self.seedProduct(dataDir: directory + "/.catalog")
            // A flush interval longer than the test: only the shutdown flush can save the views.
            let arguments = ["--view-flush-interval", "3600"]
            let reads = 300

            let first = try await DaemonProcess(workingDirectory: directory, arguments: arguments)
            try await CatalogClient.withClient(first.clientConfiguration()) { client in
                for _ in 0..<reads {
                    _ = try await client.getProduct(sku: product.sku.canonicalText)
                }
                _ = try await client.listProducts()
            }
            #expect(try await first.terminate() == 0)
            #expect(first.output.value.contains("views flushed"))

            let second = try await DaemonProcess(workingDirectory: directory, arguments: arguments)
            let views = try await CatalogClient.withClient(second.clientConfiguration()) { client in
                try await client.getProduct(sku: product.sku.canonicalText).views
            }
            #expect(views == UInt64(reads))
            #expect(try await second.terminate() == 0)
        }
    }

    @Test func theDaemonMakesItsCertificateOnceWithAPrivateKey() async throws {
        try await withTemporaryDirectory { directory in
            let first = try await DaemonProcess(workingDirectory: directory)
            let certificate = try String(contentsOfFile: first.caPath, encoding: .utf8)
            let key = try FileManager.default.attributesOfItem(atPath: directory + "/.catalog/tls/key.pem")
            #expect((key[.posixPermissions] as? NSNumber)?.intValue == 0o600)
            #expect(try await first.terminate() == 0)

            let second = try await DaemonProcess(workingDirectory: directory)
            #expect(try String(contentsOfFile: second.caPath, encoding: .utf8) == certificate)
            #expect(
                try await CatalogClient.withClient(second.clientConfiguration()) { try await $0.health() } == .serving
            )
            #expect(try await second.terminate() == 0)
        }
    }

    @Test func eventLoopsSetsHowManyThreadsServe() async throws {
        // A count out of range fails alone, before anything is made.
        let refused = try await runProcess(Executables.catalogd, ["serve", "--event-loops", "0"], limit: .seconds(60))
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("--event-loops"), "\(refused.stderr)")
        try await withTemporaryDirectory { directory in
            let daemon = try await DaemonProcess(workingDirectory: directory, arguments: ["--event-loops", "3"])
            #expect(try Self.eventLoopThreads(of: daemon) == 3)
            #expect(
                try await CatalogClient.withClient(daemon.clientConfiguration()) { try await $0.health() } == .serving
            )
            #expect(try await daemon.terminate() == 0)
        }
    }

    @Test func byDefaultOneEventLoopPerCoreItMayRunOn() async throws {
        try await withTemporaryDirectory { directory in
            // Started on core 0 alone: one loop, however many cores the machine has.
            let daemon = try await DaemonProcess(
                workingDirectory: directory,
                launcher: ["/usr/bin/taskset", "-c", "0"]
            )
            #expect(try Self.eventLoopThreads(of: daemon) == 1)
            #expect(
                try await CatalogClient.withClient(daemon.clientConfiguration()) { try await $0.health() } == .serving
            )
            #expect(try await daemon.terminate() == 0)
        }
    }

    /// NIO names the threads of its shared event loops NIO-SGLTN-<group>-#<n>.
    private static func eventLoopThreads(of daemon: DaemonProcess) throws -> Int {
        let tasks = "/proc/\(daemon.process.processIdentifier)/task"
        let names = try FileManager.default.contentsOfDirectory(atPath: tasks).map {
            try String(contentsOfFile: "\(tasks)/\($0)/comm", encoding: .utf8)
        }
        return names.filter { $0.hasPrefix("NIO-SGLTN-") }.count
    }

    @Test func plaintextOnlyWhenAskedFor() async throws {
        try await withTemporaryDirectory { directory in
            let daemon = try await DaemonProcess(workingDirectory: directory, arguments: ["--plaintext"])
            #expect(daemon.output.value.contains("serving plaintext"))
            let configuration = ClientConfiguration(host: "127.0.0.1", port: daemon.port, security: .plaintext)
            #expect(try await CatalogClient.withClient(configuration) { try await $0.health() } == .serving)
            #expect(try await daemon.terminate() == 0)
        }
    }
}
