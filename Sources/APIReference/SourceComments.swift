import SwiftProtobuf

/// The comments of one `.proto` file, by the path of the element they precede, as protoc
/// records them with `--include_source_info`.
struct SourceComments {
    /// Field numbers in `descriptor.proto` that make up a location's path.
    enum PathElement {
        static let fileMessage: Int32 = 4
        static let fileEnum: Int32 = 5
        static let fileService: Int32 = 6
        static let messageField: Int32 = 2
        static let messageNested: Int32 = 3
        static let messageEnum: Int32 = 4
        static let enumValue: Int32 = 2
        static let serviceMethod: Int32 = 2
    }

    private let leading: [[Int32]: String]

    init(_ file: Google_Protobuf_FileDescriptorProto) {
        var leading: [[Int32]: String] = [:]
        for location in file.sourceCodeInfo.location where location.hasLeadingComments {
            leading[location.path] = Self.clean(location.leadingComments)
        }
        self.leading = leading
    }

    /// The comment before the element at `path`, as written, without the `//` margins; empty when none.
    subscript(path: [Int32]) -> String {
        self.leading[path] ?? ""
    }

    /// protoc keeps the space after `//` and the last newline; neither is part of the text.
    private static func clean(_ comment: String) -> String {
        comment.split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.hasPrefix(" ") ? $0.dropFirst() : $0 }
            .joined(separator: "\n")
            .trimmingWhitespace()
    }
}

extension StringProtocol {
    func trimmingWhitespace() -> String {
        var text = Substring(self)
        while let first = text.first, first.isWhitespace { text.removeFirst() }
        while let last = text.last, last.isWhitespace { text.removeLast() }
        return String(text)
    }
}
