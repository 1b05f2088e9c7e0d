// How long this machine stops running a thread that never sleeps: one spinning thread per
// core reads the monotonic clock in a loop, and every gap between two reads is time it did
// not run. With nothing else to run, the gaps are the machine's own floor under any latency
// measured on it.
//
//     StallProbe [seconds] [threads] [busy-percent]
//         defaults: 10 seconds, one thread per core, 100 (never sleeps)
//
// With busy-percent below 100 each thread sleeps for the rest of every millisecond and only
// its busy parts count: that shows whether the pauses depend on the cores never being idle
// (on these machines they do: docs/PERFORMANCE.md).
import Foundation
import Synchronization

let arguments = CommandLine.arguments
let seconds = arguments.count > 1 ? Double(arguments[1]) ?? 10 : 10
let threads = arguments.count > 2 ? Int(arguments[2]) ?? 1 : ProcessInfo.processInfo.activeProcessorCount
let busyPercent = arguments.count > 3 ? min(100, max(1, Int(arguments[3]) ?? 100)) : 100

struct Gaps: Sendable {
    var overOneMs = 0
    var overFiveMs = 0
    var overTenMs = 0
    var max: UInt64 = 0
}

func spin(for duration: UInt64) -> Gaps {
    var gaps = Gaps()
    let period: UInt64 = 1_000_000
    let busy = period * UInt64(busyPercent) / 100
    var last = DispatchTime.now().uptimeNanoseconds
    let end = last + duration
    var busyUntil = last + busy
    while last < end {
        let now = DispatchTime.now().uptimeNanoseconds
        let gap = now - last
        last = now
        if gap > 1_000_000 {
            gaps.overOneMs += 1
            if gap > 5_000_000 { gaps.overFiveMs += 1 }
            if gap > 10_000_000 { gaps.overTenMs += 1 }
            gaps.max = Swift.max(gaps.max, gap)
        }
        if busy < period, now >= busyUntil {
            // Sleep off the rest of the period; the sleep itself is not a gap.
            usleep(UInt32((period - busy) / 1000))
            last = DispatchTime.now().uptimeNanoseconds
            busyUntil = last + busy
        }
    }
    return gaps
}

let results = Mutex<[Gaps]>([])
let done = DispatchGroup()
for _ in 0..<threads {
    done.enter()
    Thread.detachNewThread {
        let gaps = spin(for: UInt64(seconds * 1e9))
        results.withLock { $0.append(gaps) }
        done.leave()
    }
}
done.wait()
let all = results.withLock { $0 }
let total = all.reduce(into: Gaps()) { sum, gaps in
    sum.overOneMs += gaps.overOneMs
    sum.overFiveMs += gaps.overFiveMs
    sum.overTenMs += gaps.overTenMs
    sum.max = max(sum.max, gaps.max)
}
print(
    String(
        format: "%d threads %d%% busy, %.0f s: gaps over 1 ms %d, over 5 ms %d, over 10 ms %d; longest %.1f ms",
        threads,
        busyPercent,
        seconds,
        total.overOneMs,
        total.overFiveMs,
        total.overTenMs,
        Double(total.max) / 1e6
    )
)
