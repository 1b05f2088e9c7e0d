import BenchFixtures
import Codec
import Foundation
import LoadGenerator
import NIOCore
import NIOPosix
import NIOSSL
import NIOTLS
import Synchronization

/// The yardstick for `rpc-client bench`: the least a closed-loop client of the framing can do
/// per call, to measure our generator against (issue 16). Each connection keeps its calls
/// outstanding and, for every answer, sends the next; the frames of a read are counted by
/// their length prefixes alone (no decoding, no call-id matching, no latency histogram), and
/// the requests of one read burst leave in one write.
///
/// It shares only CPU accounting and the request's bytes with rpc-client bench
/// (`LoadGenerator`), so that the two measure the same thing.
///
///     MinimalGenerator --target 127.0.0.1:7702 --ca cert.pem [--connections 16] [--in-flight 32]
///         [--threads 1] [--warmup 3] [--duration 10] [--sku UUID] [--server-pid PID]
///
/// Prints one line of JSON: calls per second, and the CPU per call of this process and, with
/// `--server-pid`, of the server (from /proc).
// Unchecked: its state lives on its channel's event loop; only `answered`, an atomic, is read elsewhere.
final class MinimalLoadHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let request: [UInt8]
    private let inFlight: Int
    /// Answers counted, written by this connection's event loop only.
    let answered = Atomic<Int>(0)
    private var nextCallID: UInt64 = 1
    /// The start of a frame a read cut off.
    private var partial: ByteBuffer?
    private var outbound: ByteBuffer?

    init(requestTail: [UInt8], inFlight: Int) {
        self.request = requestTail
        self.inFlight = inFlight
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case TLSUserEvent.handshakeCompleted = event {
            for _ in 0..<self.inFlight {
                self.send(context: context)
            }
            self.flush(context: context)
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = self.unwrapInboundIn(data)
        if var partial = self.partial.take() {
            partial.writeBuffer(&bytes)
            bytes = partial
        }
        var answers = 0
        while let length = bytes.getInteger(at: bytes.readerIndex, as: UInt32.self),
            bytes.readableBytes >= 4 + Int(length)
        {
            bytes.moveReaderIndex(forwardBy: 4 + Int(length))
            answers += 1
            self.send(context: context)
        }
        self.answered.add(answers, ordering: .relaxed)
        if bytes.readableBytes > 0 {
            self.partial = bytes
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        self.flush(context: context)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        FileHandle.standardError.write(Data("connection error: \(error)\n".utf8))
        context.close(promise: nil)
    }

    private func send(context: ChannelHandlerContext) {
        let callID = self.nextCallID
        self.nextCallID &+= 1
        var buffer = self.outbound.take() ?? context.channel.allocator.buffer(capacity: 16 * 1024)
        buffer.writeInteger(UInt32(1 + ByteBuffer.varintSize(callID) + self.request.count))
        buffer.writeInteger(UInt8(0x08))
        buffer.writeVarint(callID)
        buffer.writeBytes(self.request)
        self.outbound = buffer
    }

    private func flush(context: ChannelHandlerContext) {
        if let buffer = self.outbound.take() {
            context.writeAndFlush(self.wrapOutboundOut(buffer), promise: nil)
        }
    }
}

func integerOption(_ name: String, _ defaultValue: Int) -> Int {
    BenchFixtures.option(name).flatMap { Int($0) } ?? defaultValue
}

guard let target = BenchFixtures.option("--target"), let colon = target.lastIndex(of: ":"),
    let port = Int(target[target.index(after: colon)...]), let ca = BenchFixtures.option("--ca")
else {
    FileHandle.standardError.write(
        Data("usage: MinimalGenerator --target HOST:PORT --ca PEM [--connections N] [--in-flight N] ...\n".utf8)
    )
    exit(64)
}
let host = String(target[..<colon])
let connections = integerOption("--connections", 16)
let inFlight = integerOption("--in-flight", 32)
let warmup = integerOption("--warmup", 3)
let duration = integerOption("--duration", 10)
let serverPID = BenchFixtures.option("--server-pid")

// The same request as rpc-client bench's, made by the same function.
let requestTail = try LoadPlan.getProductRequestTail(
    sku: BenchFixtures.option("--sku") ?? "0d4f6c2e-9a3b-4f1e-8c7d-5b2a1e3f4c6d",
    accessToken: nil
)

var tlsConfiguration = TLSConfiguration.makeClientConfiguration()
tlsConfiguration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(ca))
tlsConfiguration.applicationProtocols = [CatalogALPN.protocolID]
let tls = try NIOSSLContext(configuration: tlsConfiguration)
let group = MultiThreadedEventLoopGroup(numberOfThreads: integerOption("--threads", 1))
var handlers: [MinimalLoadHandler] = []
for _ in 0..<connections {
    let handler = MinimalLoadHandler(requestTail: requestTail, inFlight: inFlight)
    handlers.append(handler)
    _ = try await ClientBootstrap(group: group)
        .channelOption(.socketOption(.tcp_nodelay), value: 1)
        .channelInitializer { channel in
            channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: tls, serverHostname: nil))
                try channel.pipeline.syncOperations.addHandler(handler)
            }
        }
        .connect(host: host, port: port)
        .get()
}

@MainActor func answered() -> Int { handlers.reduce(0) { $0 + $1.answered.load(ordering: .relaxed) } }
try await Task.sleep(for: .seconds(warmup))
let (startCalls, startTime) = (answered(), ContinuousClock.now)
let (startSelf, startServer) = (
    ProcessCPUTime.seconds(pid: "self"), serverPID.flatMap { ProcessCPUTime.seconds(pid: $0) }
)
try await Task.sleep(for: .seconds(duration))
let calls = answered() - startCalls
let elapsed = ContinuousClock.now - startTime
let seconds = Double(elapsed.nanoseconds) / 1e9
let (endSelf, endServer) = (ProcessCPUTime.seconds(pid: "self"), serverPID.flatMap { ProcessCPUTime.seconds(pid: $0) })

func microsecondsPerCall(_ start: Double?, _ end: Double?) -> String {
    guard let start, let end, calls > 0 else { return "null" }
    return String(format: "%.3f", (end - start) / Double(calls) * 1e6)
}
print(
    "{\"calls_per_second\": \(Int(Double(calls) / seconds)), \"calls\": \(calls), \"seconds\": "
        + String(format: "%.3f", seconds)
        + ", \"generator_cpu_us_per_call\": \(microsecondsPerCall(startSelf, endSelf)), "
        + "\"server_cpu_us_per_call\": \(microsecondsPerCall(startServer, endServer))}"
)
exit(0)
