import ArgumentParser
import HostSupport

extension ReportDuration: ExpressibleByArgument {
    public init?(argument: String) {
        self.init(argument)
    }
}
