/// A fault inside a store that no caller can fix; reported to clients as INTERNAL only.
enum StorageError: Error, CustomStringConvertible {
    case corruptRow(String)
    /// The database refused a statement for a reason other than losing it: a summary for the
    /// log line, and the database's own error, kept whole.
    case database(summary: String, cause: any Error)

    public var description: String {
        switch self {
        case .corruptRow(let detail): "corrupt row: \(detail)"
        case .database(let summary, let cause): "database error: \(summary) (\(String(reflecting: cause)))"
        }
    }
}
