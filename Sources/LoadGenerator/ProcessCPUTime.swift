import Foundation

/// CPU time (user + system) a process has used, from Linux's `/proc/PID/stat`: what a run
/// costs the server and the generator per call, whichever machine is busy with what else.
public enum ProcessCPUTime {
    /// Seconds used so far by `pid` ("self" for this process); `nil` when it cannot be read
    /// (no such process, or not Linux).
    public static func seconds(pid: String) -> Double? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return nil }
        return self.seconds(stat: stat, ticksPerSecond: Double(sysconf(Int32(_SC_CLK_TCK))))
    }

    /// Reads `utime` and `stime` (fields 14 and 15) of a stat line. The command name (field 2,
    /// in parentheses) may hold spaces and parentheses itself: fields are counted after its last `)`.
    static func seconds(stat: String, ticksPerSecond: Double) -> Double? {
        guard let nameEnd = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: nameEnd)...].split(separator: " ")
        // fields[0] is field 3 (state): utime is fields[11], stime fields[12].
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) / ticksPerSecond
    }
}
