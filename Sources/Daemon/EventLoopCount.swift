import Foundation
import NIOCore

/// How many event loops serve when `--event-loops` is not given: one per core the daemon may
/// run on. NIO counts the machine's cores less a cgroup's limits, but not the process's CPU
/// affinity: a daemon started under `taskset -c 0` (or a cpuset that cgroups do not show)
/// would run two loops on one core, which then take turns, each waking the other, and serve a
/// third less than one loop does there (docs/PERFORMANCE.md, issue 16). Go's GOMAXPROCS and
/// Java's `availableProcessors` count the affinity the same way.
public enum EventLoopCount {
    /// One loop per core in both `affinity` (the cores this process may run on, if known) and
    /// `machine` (NIO's count).
    public static func defaultCount(affinity: Int?, machine: Int) -> Int {
        max(1, min(affinity ?? machine, machine))
    }

    /// The default for this process: its affinity from `/proc/self/status`, NIO's core count.
    public static var defaultForThisProcess: Int {
        let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)
        return self.defaultCount(affinity: status.flatMap(self.allowedCPUs(status:)), machine: System.coreCount)
    }

    /// The number of CPUs in the `Cpus_allowed_list` line of a `/proc/<pid>/status`;
    /// `nil` without one, or when it does not parse.
    public static func allowedCPUs(status: String) -> Int? {
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Cpus_allowed_list:") }) else {
            return nil
        }
        return self.count(cpuList: line.dropFirst("Cpus_allowed_list:".count))
    }

    /// The CPUs in a kernel CPU list such as `0-3,8,10-11`; `nil` when it does not parse.
    static func count(cpuList: Substring) -> Int? {
        var total = 0
        for range in cpuList.trimmingCharacters(in: .whitespaces).split(
            separator: ",",
            omittingEmptySubsequences: false
        ) {
            let bounds = range.split(separator: "-", omittingEmptySubsequences: false)
            guard (1...2).contains(bounds.count), let first = Int(bounds[0]), let last = Int(bounds[bounds.count - 1]),
                first >= 0, first <= last
            else {
                return nil
            }
            total += last - first + 1
        }
        return total > 0 ? total : nil
    }
}
