// How long this machine stops running a thread that never sleeps: one spinning thread per
// core reads the monotonic clock in a loop, and every gap between two reads is time it did
// not run (preempted by another thread, or its virtual CPU paused by the host). With nothing
// else to run, the gaps are the machine's own floor under any latency measured on it.
//
//     StallProbe [seconds] [threads]      defaults: 10 seconds, one thread per core
import Foundation
import Synchronization

let seconds = CommandLine.arguments.count > 1 ? Double(CommandLine.arguments[1]) ?? 10 : 10
let threads =
    CommandLine.arguments.count > 2 ? Int(CommandLine.arguments[2]) ?? 1 : ProcessInfo.processInfo.activeProcessorCount

struct Gaps: Sendable {
    var overOneMs = 0
    var overFiveMs = 0
    var overTenMs = 0
    var max: UInt64 = 0
}

func spin(for duration: UInt64) -> Gaps {
    var gaps = Gaps()
    var last = DispatchTime.now().uptimeNanoseconds
    let end = last + duration
    while last < end {
        let now = DispatchTime.now().uptimeNanoseconds
        let gap = now - last
        last = now
        guard gap > 1_000_000 else { continue }
        gaps.overOneMs += 1
        if gap > 5_000_000 { gaps.overFiveMs += 1 }
        if gap > 10_000_000 { gaps.overTenMs += 1 }
        gaps.max = Swift.max(gaps.max, gap)
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
        format: "%d threads, %.0f s: gaps over 1 ms %d, over 5 ms %d, over 10 ms %d; longest %.1f ms",
        threads,
        seconds,
        total.overOneMs,
        total.overFiveMs,
        total.overTenMs,
        Double(total.max) / 1e6
    )
)
