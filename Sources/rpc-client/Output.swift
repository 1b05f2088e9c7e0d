import ArgumentParser
import Foundation
import RPCClient

/// Prints results as aligned tables or JSON, and failures as one line on stderr.
enum Output {
    static func printJSON(_ value: some ProtoJSONConvertible) throws {
        print(try value.protoJSON())
    }

    /// Prints rows under a header, each column as wide as its widest cell.
    static func printTable(header: [String], rows: [[String]]) {
        var widths = header.map(\.count)
        for row in rows {
            for (index, cell) in row.enumerated() {
                widths[index] = max(widths[index], cell.count)
            }
        }
        for row in [header] + rows {
            let cells = row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }
            // An empty last column (a bar of zero) leaves no trailing blanks.
            let line = cells.joined(separator: "  ")
            print(line.prefix(through: line.lastIndex { $0 != " " } ?? line.startIndex))
        }
    }

    /// Under a table: how to ask for the next page, when there is one.
    static func printNextPageHint(_ token: String) {
        if !token.isEmpty {
            print("next page: --page-token \(token)")
        }
    }

    /// Reports the failure on stderr and exits non-zero.
    static func fail(_ message: String, details: [String] = []) -> Never {
        var text = "error: \(message)\n"
        for detail in details {
            text += "  \(detail)\n"
        }
        FileHandle.standardError.write(Data(text.utf8))
        exit(1)
    }
}
