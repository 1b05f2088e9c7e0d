/// A fault inside a store that no caller can fix; reported to clients as INTERNAL only.
public enum StorageError: Error, CustomStringConvertible {
    case corruptRow(String)

    public var description: String {
        switch self {
        case .corruptRow(let detail): "corrupt row: \(detail)"
        }
    }
}
