import CCurl
public import Foundation
import NIOPosix

/// Delivers mail over SMTP with libcurl: smtp:// with STARTTLS (required, opportunistic
/// or off), smtps://, AUTH from the URL's user info or a separate password, and connect
/// and transfer timeouts. Each send runs on the transport's own thread.
public final class SMTPTransport: MailTransport {
    public enum StartTLS: String, Sendable, CaseIterable {
        case required, opportunistic, off
    }

    public struct Configuration: Sendable {
        /// `smtp://[user[:password]@]host[:port]` or `smtps://...`.
        public var url: URL
        /// STARTTLS on smtp:// URLs; `nil`: required when there are credentials (AUTH is never
        /// sent in clear, and an opportunistic STARTTLS can be stripped), else opportunistic.
        public var startTLS: StartTLS?
        /// Overrides the URL's password (env CATALOG_SMTP_PASSWORD), so it need not be in a URL.
        public var password: String?
        public var connectTimeout: Duration = .seconds(10)
        public var transferTimeout: Duration = .seconds(30)
        /// PEM CA certificates for the server's TLS; `nil` uses the system's.
        public var caPath: String?

        public init(url: URL) {
            self.url = url
        }

        /// Whether the client authenticates: a user in the URL, or a password given apart.
        var hasCredentials: Bool {
            !(self.url.user ?? "").isEmpty || self.password != nil || self.url.password != nil
        }

        /// The STARTTLS policy in force.
        public var effectiveStartTLS: StartTLS {
            self.startTLS ?? (self.hasCredentials ? .required : .opportunistic)
        }
    }

    private let configuration: Configuration
    private let pool: NIOThreadPool

    public init(configuration: Configuration) throws {
        guard let scheme = configuration.url.scheme, ["smtp", "smtps"].contains(scheme), configuration.url.host != nil
        else {
            throw MailError("the SMTP URL must be smtp://host:port or smtps://host:port")
        }
        if scheme == "smtp", configuration.hasCredentials, configuration.effectiveStartTLS != .required {
            throw MailError(
                "SMTP credentials would be sent unencrypted: use --smtp-starttls required (the default with credentials) or smtps://"
            )
        }
        self.configuration = configuration
        self.pool = NIOThreadPool(numberOfThreads: 1)
        self.pool.start()
    }

    public func shutdown() async throws {
        try await self.pool.shutdownGracefully()
    }

    public func send(_ message: MailMessage) async throws {
        let configuration = self.configuration
        try await self.pool.runIfActive {
            try Self.deliver(message, configuration: configuration)
        }
    }

    /// The server's address without credentials, for messages and logs.
    public var displayAddress: String {
        let url = self.configuration.url
        return "\(url.scheme ?? "smtp")://\(url.host ?? "")\(url.port.map { ":\($0)" } ?? "")"
    }

    // MARK: libcurl, on the transport's thread

    private static func deliver(_ message: MailMessage, configuration: Configuration) throws {
        guard let handle = curl_easy_init() else {
            throw MailError("libcurl could not start")
        }
        defer { curl_easy_cleanup(handle) }
        let recipients: UnsafeMutablePointer<curl_slist>? = curl_slist_append(nil, "<\(message.to)>")
        defer { curl_slist_free_all(recipients) }

        let url = configuration.url
        var address = "\(url.scheme ?? "smtp")://\(url.host ?? "")"
        if let port = url.port {
            address += ":\(port)"
        }
        let payload = ReadContext(bytes: Array(message.rendered().utf8) + Array("\r\n".utf8))
        let context = Unmanaged.passRetained(payload)
        defer { context.release() }

        var errorBuffer = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE))
        let result: CURLcode = errorBuffer.withUnsafeMutableBufferPointer { errors in
            catalog_curl_setopt_string(handle, CURLOPT_URL, address)
            catalog_curl_setopt_string(handle, CURLOPT_MAIL_FROM, "<\(Self.bareAddress(message.from))>")
            catalog_curl_setopt_pointer(handle, CURLOPT_MAIL_RCPT, recipients.map(UnsafeMutableRawPointer.init))
            catalog_curl_setopt_long(handle, CURLOPT_UPLOAD, 1)
            catalog_curl_setopt_read_function(handle, readCallback)
            catalog_curl_setopt_pointer(handle, CURLOPT_READDATA, context.toOpaque())
            catalog_curl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, UnsafeMutableRawPointer(errors.baseAddress))
            catalog_curl_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
            catalog_curl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, Int(configuration.connectTimeout.milliseconds))
            catalog_curl_setopt_long(handle, CURLOPT_TIMEOUT_MS, Int(configuration.transferTimeout.milliseconds))
            // A stalled server: give up when under 1 byte/s flows for the connect timeout.
            catalog_curl_setopt_long(handle, CURLOPT_LOW_SPEED_LIMIT, 1)
            catalog_curl_setopt_long(
                handle,
                CURLOPT_LOW_SPEED_TIME,
                max(1, Int(configuration.connectTimeout.milliseconds / 1000))
            )
            if url.scheme == "smtp" {
                let level: Int =
                    switch configuration.effectiveStartTLS {
                    case .required: Int(CURLUSESSL_ALL.rawValue)
                    case .opportunistic: Int(CURLUSESSL_TRY.rawValue)
                    case .off: Int(CURLUSESSL_NONE.rawValue)
                    }
                catalog_curl_setopt_long(handle, CURLOPT_USE_SSL, level)
            }
            if let caPath = configuration.caPath {
                catalog_curl_setopt_string(handle, CURLOPT_CAINFO, caPath)
            }
            if let user = url.user?.removingPercentEncoding {
                catalog_curl_setopt_string(handle, CURLOPT_USERNAME, user)
                if let password = configuration.password ?? url.password?.removingPercentEncoding {
                    catalog_curl_setopt_string(handle, CURLOPT_PASSWORD, password)
                }
            }
            return curl_easy_perform(handle)
        }
        guard result == CURLE_OK else {
            let detail = String(decoding: errorBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            let summary = String(cString: curl_easy_strerror(result))
            throw MailError(detail.isEmpty ? summary : "\(summary): \(detail)")
        }
    }

    /// `Name <a@b>` -> `a@b`.
    static func bareAddress(_ address: String) -> String {
        guard let open = address.lastIndex(of: "<"), let close = address.lastIndex(of: ">"), open < close else {
            return address
        }
        return String(address[address.index(after: open)..<close])
    }
}

/// The message bytes libcurl reads during one upload.
private final class ReadContext {
    let bytes: [UInt8]
    var offset = 0

    init(bytes: [UInt8]) {
        self.bytes = bytes
    }
}

private func readCallback(
    buffer: UnsafeMutablePointer<CChar>?,
    size: Int,
    count: Int,
    context: UnsafeMutableRawPointer?
)
    -> Int
{
    guard let buffer, let context else { return 0 }
    let payload = Unmanaged<ReadContext>.fromOpaque(context).takeUnretainedValue()
    let length = min(size * count, payload.bytes.count - payload.offset)
    guard length > 0 else { return 0 }
    payload.bytes.withUnsafeBufferPointer { bytes in
        // length > 0 means the array is not empty, so it has a base address.
        UnsafeMutableRawPointer(buffer).copyMemory(from: bytes.baseAddress! + payload.offset, byteCount: length)
    }
    payload.offset += length
    return length
}

extension Duration {
    fileprivate var milliseconds: Int64 {
        let (seconds, attoseconds) = self.components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
