/// A fault inside a store that no caller can fix; reported to clients as INTERNAL only.
public enum StorageError: Error, CustomStringConvertible {
    case corruptRow(String)
    /// The database refused a statement for a reason other than losing it.
    case database(String)

    public var description: String {
        switch self {
        case .corruptRow(let detail): "corrupt row: \(detail)"
        case .database(let detail): "database error: \(detail)"
        }
    }
}
