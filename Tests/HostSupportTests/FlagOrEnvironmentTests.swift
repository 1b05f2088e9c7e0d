import Foundation
import HostSupport
import Testing

/// A flag, else its variable, else the default; a bad value named by where it came from. Each
/// test uses a variable of its own: the environment is the process's, and tests run in parallel.
@Suite struct FlagOrEnvironmentTests {
    @Test func theFlagWinsOverTheVariable() throws {
        let setting = FlagOrEnvironment(flag: "--port", variable: "HOSTSUPPORT_TEST_FLAG_WINS")
        setenv(setting.variable, "2", 1)
        defer { unsetenv(setting.variable) }
        #expect(try setting.value(text: "1", expected: "a number", parse: Int.init) == 1)
        #expect(setting.text(flag: "1")?.source == "--port")
        #expect(try setting.value(text: nil, expected: "a number", parse: Int.init) == 2)
        #expect(setting.text(flag: nil)?.source == "HOSTSUPPORT_TEST_FLAG_WINS")
    }

    @Test func anEmptyOrMissingVariableIsUnset() throws {
        let setting = FlagOrEnvironment(flag: "--port", variable: "HOSTSUPPORT_TEST_EMPTY")
        #expect(try setting.value(text: nil, expected: "a number", parse: Int.init) == nil)
        setenv(setting.variable, "", 1)
        defer { unsetenv(setting.variable) }
        #expect(try setting.value(text: nil, expected: "a number", parse: Int.init) == nil)
    }

    @Test func aBadValueNamesItsSource() {
        let setting = FlagOrEnvironment(flag: "--port", variable: "HOSTSUPPORT_TEST_BAD")
        #expect(throws: SettingError(source: "--port", expected: "a number", text: "x")) {
            try setting.value(text: "x", expected: "a number", parse: Int.init)
        }
        setenv(setting.variable, "y", 1)
        defer { unsetenv(setting.variable) }
        let error = #expect(throws: SettingError.self) {
            try setting.value(text: nil, expected: "a number", parse: Int.init)
        }
        #expect(error?.description == "HOSTSUPPORT_TEST_BAD must be a number, not y")
    }

    @Test func helpSaysTheVariableAndTheDefault() {
        #expect(
            FlagOrEnvironment(flag: "--listen", variable: "CATALOG_LISTEN", default: "127.0.0.1:7443").help("Address.")
                == "Address. [env: CATALOG_LISTEN] (default: 127.0.0.1:7443)"
        )
        #expect(
            FlagOrEnvironment(flag: "--admin-email", variable: "CATALOG_ADMIN_EMAIL").help("Email.")
                == "Email. [env: CATALOG_ADMIN_EMAIL]"
        )
    }
}
