import ServiceLifecycle

/// The daemon's services in the order they start; they stop in the reverse order, each after
/// the one after it has ended. That order is what makes the final view flush hold every view:
///
/// - the gRPC listener drains first, then the framing's, so that calls end before either
///   listener closes;
/// - the notification worker stops after the server, so the changes of drained calls still go out;
/// - the metrics listener stops after them, so `/readyz` answers 503 through the whole drain;
/// - the store sync (change feed or admin re-reads) after that;
/// - the view flush last, once no call can count a view: its final flush holds them all.
struct ServiceOrder {
    var viewFlush: any Service
    var storeSync: any Service
    var metricsListener: (any Service)?
    var notifications: any Service
    var server: any Service
    var grpc: (any Service)?

    var ordered: [any Service] {
        var services = [self.viewFlush, self.storeSync]
        if let metricsListener { services.append(metricsListener) }
        services += [self.notifications, self.server]
        if let grpc { services.append(grpc) }
        return services
    }
}
