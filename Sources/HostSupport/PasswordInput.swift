import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Passwords for the command-line tools: from `CATALOG_PASSWORD`, else typed at a prompt
/// with echo off. Never from a flag, where it would show in `ps` and shell history.
public enum PasswordInput {
    public static let environmentVariable = "CATALOG_PASSWORD"
    /// The current password, when changing one's own.
    public static let currentPasswordVariable = "CATALOG_CURRENT_PASSWORD"

    public enum Failure: Error, CustomStringConvertible {
        case noTerminal(variable: String)

        public var description: String {
            switch self {
            case .noTerminal(let variable):
                "no password: set \(variable) or run on a terminal to be asked for it"
            }
        }
    }

    /// The password from the environment (`variable`) or the terminal.
    public static func read(prompt: String, variable: String = PasswordInput.environmentVariable) throws -> String {
        if let password = ProcessInfo.processInfo.environment[variable], !password.isEmpty {
            return password
        }
        guard isatty(STDIN_FILENO) == 1 else {
            throw Failure.noTerminal(variable: variable)
        }
        FileHandle.standardError.write(Data(prompt.utf8))
        var original = termios()
        tcgetattr(STDIN_FILENO, &original)
        var silent = original
        silent.c_lflag &= ~tcflag_t(ECHO)
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &silent)
        defer {
            tcsetattr(STDIN_FILENO, TCSAFLUSH, &original)
            FileHandle.standardError.write(Data("\n".utf8))
        }
        return readLine(strippingNewline: true) ?? ""
    }
}
