public import ArgumentParser
public import HostSupport

extension ReportDuration: ExpressibleByArgument {
    public init?(argument: String) {
        self.init(argument)
    }
}
