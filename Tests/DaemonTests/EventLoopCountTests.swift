import Testing

@testable import Daemon

/// The default number of event loops: one per core the daemon may run on.
@Suite struct EventLoopCountTests {
    @Test(arguments: [
        ("0", 1), ("0-1", 2), ("0-3,8,10-11", 7), ("5", 1), (" 0-1\t", 2),
    ])
    func countsTheCPUsOfAList(list: String, count: Int) {
        #expect(EventLoopCount.count(cpuList: Substring(list)) == count)
    }

    @Test(arguments: ["", "a", "0-", "-1", "3-1", "0,,1", "1-2-3", "0-1,x"])
    func refusesAListThatDoesNotParse(list: String) {
        #expect(EventLoopCount.count(cpuList: Substring(list)) == nil)
    }

    @Test func readsTheAllowedCPUsOfAStatusFile() {
        let status = "Name:\tcatalogd\nCpus_allowed:\t3\nCpus_allowed_list:\t0-1\nMems_allowed_list:\t0\n"
        #expect(EventLoopCount.allowedCPUs(status: status) == 2)
        #expect(EventLoopCount.allowedCPUs(status: "Name:\tcatalogd\n") == nil)
    }

    @Test func theDefaultIsTheSmallerOfTheAffinityAndTheMachinesCores() {
        #expect(EventLoopCount.defaultCount(affinity: 1, machine: 2) == 1)
        #expect(EventLoopCount.defaultCount(affinity: 8, machine: 2) == 2)
        #expect(EventLoopCount.defaultCount(affinity: nil, machine: 4) == 4)
        #expect(EventLoopCount.defaultCount(affinity: nil, machine: 0) == 1)
    }
}
