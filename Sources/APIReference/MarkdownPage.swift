/// A Markdown page written line by line.
struct MarkdownPage {
    private(set) var text = ""

    mutating func line(_ line: String = "") {
        self.text += line + "\n"
    }

    /// A comment as its own paragraph, lines kept; nothing when it is empty.
    mutating func paragraph(_ comment: String) {
        guard !comment.isEmpty else {
            self.line()
            return
        }
        self.line()
        self.line(comment)
        self.line()
    }

    /// Text for a table cell: one line, `|` escaped.
    static func cell(_ text: String) -> String {
        text.replacingOccurrences(of: "|", with: "\\|")
    }

    /// The anchor GitHub gives a heading: lower case, letters, digits, `-` and `_` kept,
    /// spaces as `-`, the rest dropped (`catalog.v1.Product` -> `catalogv1product`).
    static func anchor(_ heading: String) -> String {
        String(
            heading.lowercased().compactMap { character -> Character? in
                if character == " " { return "-" }
                return character.isLetter || character.isNumber || character == "-" || character == "_"
                    ? character : nil
            }
        )
    }
}
