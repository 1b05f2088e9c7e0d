public import Foundation

/// Times in the catalog are kept to the microsecond, the precision both stores keep,
/// so a value read back equals the value written.
public enum Timestamp {
    /// Now, truncated to whole microseconds.
    public static func now() -> Date {
        self.truncated(Date())
    }

    /// `date` truncated to whole microseconds, as a store keeps it.
    public static func truncated(_ date: Date) -> Date {
        self.fromMicroseconds(self.microseconds(date))
    }

    /// Microseconds since 1970, the stored form.
    public static func microseconds(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1_000_000).rounded(.down))
    }

    /// The date `microseconds` after 1970.
    public static func fromMicroseconds(_ microseconds: Int64) -> Date {
        // Whole seconds and the remainder apart: a Double keeps microseconds exact this way.
        let seconds = microseconds.quotientAndRemainder(dividingBy: 1_000_000)
        return Date(timeIntervalSince1970: Double(seconds.quotient) + Double(seconds.remainder) / 1_000_000)
    }
}
