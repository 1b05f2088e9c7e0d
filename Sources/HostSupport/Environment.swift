import Foundation

/// Reads configuration from the environment; an empty variable counts as unset.
public enum Environment {
    public static func value(_ name: String) -> String? {
        guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else { return nil }
        return value
    }
}

/// An option that a flag sets, else an environment variable, else a default: how catalogd and
/// rpc-client read every option that has a variable, how their help says so, and how a bad value
/// is named (the flag or the variable it came from).
public struct FlagOrEnvironment: Sendable {
    /// `--listen`.
    public let flag: String
    /// `CATALOG_LISTEN`.
    public let variable: String
    /// The default as help shows it, when there is one.
    let defaultText: String?

    public init(flag: String, variable: String, default defaultText: String? = nil) {
        self.flag = flag
        self.variable = variable
        self.defaultText = defaultText
    }

    /// `text`, then where else the value comes from: `[env: CATALOG_LISTEN] (default: ...)`.
    public func help(_ text: String) -> String {
        "\(text) [env: \(self.variable)]" + (self.defaultText.map { " (default: \($0))" } ?? "")
    }

    /// The flag's text, else the variable's, else `nil`; with the name of where it came from.
    public func text(flag value: String?) -> (text: String, source: String)? {
        if let value {
            return (value, self.flag)
        }
        return Environment.value(self.variable).map { ($0, self.variable) }
    }

    /// The flag's text, else the variable's, parsed by `parse`, else `nil`.
    /// - Throws: `SettingError` naming the flag or the variable the bad text came from.
    public func value<Value>(
        text flagText: String?,
        expected: String,
        parse: (String) -> Value?
    ) throws(SettingError) -> Value? {
        guard let (text, source) = self.text(flag: flagText) else { return nil }
        return try self.parsed(text, source: source, expected: expected, parse)
    }

    private func parsed<Value>(
        _ text: String?,
        source: String,
        expected: String,
        _ parse: (String) -> Value?
    ) throws(SettingError) -> Value? {
        guard let text else { return nil }
        guard let value = parse(text) else {
            throw SettingError(source: source, expected: expected, text: text)
        }
        return value
    }
}

/// A flag's or variable's text that is not what it must be: `CATALOG_LISTEN must be HOST:PORT, not x`.
public struct SettingError: Error, CustomStringConvertible, Equatable {
    public let source: String
    public let expected: String
    public let text: String

    public init(source: String, expected: String, text: String) {
        self.source = source
        self.expected = expected
        self.text = text
    }

    public var description: String { "\(self.source) must be \(self.expected), not \(self.text)" }
}
