"""A gRPC client that is not catalogd's own: Python's grpcio, with stubs that grpcio-tools
generates from Protos/ when it starts. Tests/EndToEndTests/GRPCInteropTests runs its commands
against a real daemon and reads what they print; each command exits non-zero, saying why, when
the daemon does not answer as docs/PROTOCOL.md (section 11) says.

    grpc_client.py --target 127.0.0.1:7444 --ca cert.pem COMMAND ...
"""

import argparse
import importlib
import json
import os
import pathlib
import sys
import tempfile
import time
from concurrent import futures

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_status import rpc_status
from google.rpc import error_details_pb2

ROOT = pathlib.Path(__file__).resolve().parents[2]


class Failure(Exception):
    """The daemon answered other than the contract says."""


def generate_stubs():
    """Generates the catalog.v1 modules into a temporary folder and imports them."""
    from grpc_tools import protoc
    import grpc_tools

    out = tempfile.mkdtemp(prefix="catalog-stubs-")
    protos = sorted(str(p.relative_to(ROOT / "Protos")) for p in (ROOT / "Protos/catalog/v1").glob("*.proto"))
    well_known = str(pathlib.Path(grpc_tools.__file__).parent / "_proto")
    status = protoc.main(
        ["protoc", f"-I{ROOT / 'Protos'}", f"-I{well_known}", f"--python_out={out}", f"--grpc_python_out={out}"]
        + protos
    )
    if status != 0:
        raise Failure(f"grpcio-tools could not compile Protos/catalog/v1 (status {status})")
    sys.path.insert(0, out)
    names = ["products", "auth", "admins", "health"]
    messages = {name: importlib.import_module(f"catalog.v1.{name}_pb2") for name in names}
    services = {name: importlib.import_module(f"catalog.v1.{name}_pb2_grpc") for name in names}
    return messages, services


def expect(condition, message):
    if not condition:
        raise Failure(message)


def expect_code(call, code, what):
    """Runs `call`, which must fail with `code`; returns the RpcError."""
    try:
        call()
    except grpc.RpcError as error:
        expect(error.code() == code, f"{what}: expected {code.name}, got {error.code().name} ({error.details()})")
        return error
    raise Failure(f"{what}: expected {code.name}, but the call succeeded")


def channel(args):
    if args.ca:
        credentials = grpc.ssl_channel_credentials(root_certificates=pathlib.Path(args.ca).read_bytes())
        return grpc.secure_channel(args.target, credentials)
    return grpc.insecure_channel(args.target)


def bearer(token):
    return (("authorization", f"Bearer {token}"),)


def workflow(args):
    """Every kind of call an admin tool makes, as the contract answers it."""
    messages, services = generate_stubs()
    products_pb2, auth_pb2 = messages["products"], messages["auth"]
    with channel(args) as ch:
        products = services["products"].ProductServiceStub(ch)
        auth = services["auth"].AuthServiceStub(ch)

        # An admin method called anonymously.
        expect_code(
            lambda: products.CreateProduct(products_pb2.CreateProductRequest(name="Lamp", brand="Acme", price_cents=1)),
            grpc.StatusCode.UNAUTHENTICATED,
            "anonymous CreateProduct",
        )
        # A wrong password.
        expect_code(
            lambda: auth.Login(auth_pb2.LoginRequest(username=args.username, password="not the password")),
            grpc.StatusCode.UNAUTHENTICATED,
            "Login with a wrong password",
        )

        password = os.environ["CATALOG_PASSWORD"]
        tokens = auth.Login(auth_pb2.LoginRequest(username=args.username, password=password))
        expect(tokens.access_token and tokens.refresh_token, "Login returned no tokens")
        admin = bearer(tokens.access_token)

        created = products.CreateProduct(
            products_pb2.CreateProductRequest(name=" Lamp ", brand="Acme", price_cents=1999, currency="mxn"),
            metadata=admin,
        )
        expect(created.name == "Lamp" and created.currency == "MXN" and created.version == 1, f"created: {created}")
        read = products.GetProduct(products_pb2.GetProductRequest(sku=created.sku.upper()), metadata=admin)
        expect(read.sku == created.sku and read.views == 0, f"an admin's read: {read}")
        listed = products.ListProducts(products_pb2.ListProductsRequest(page_size=10))
        expect(created.sku in [p.sku for p in listed.products], "ListProducts misses the product created")
        updated = products.UpdateProduct(
            products_pb2.UpdateProductRequest(sku=created.sku, price_cents=2500, expected_version=1), metadata=admin
        )
        expect(updated.price_cents == 2500 and updated.version == 2, f"updated: {updated}")
        expect_code(
            lambda: products.UpdateProduct(
                products_pb2.UpdateProductRequest(sku=created.sku, price_cents=1, expected_version=1), metadata=admin
            ),
            grpc.StatusCode.ABORTED,
            "UpdateProduct with a stale expected_version",
        )

        # A bad request: the field violations travel in grpc-status-details-bin.
        error = expect_code(
            lambda: products.CreateProduct(
                products_pb2.CreateProductRequest(name="", brand="Acme", price_cents=-5), metadata=admin
            ),
            grpc.StatusCode.INVALID_ARGUMENT,
            "CreateProduct with no name and a negative price",
        )
        status = rpc_status.from_call(error)
        expect(status is not None, "INVALID_ARGUMENT carries no google.rpc.Status details")
        expect(status.code == grpc.StatusCode.INVALID_ARGUMENT.value[0], f"details' code: {status.code}")
        violations = []
        for detail in status.details:
            bad_request = error_details_pb2.BadRequest()
            if detail.Unpack(bad_request):
                violations += [v.field for v in bad_request.field_violations]
        expect(sorted(violations) == ["name", "price_cents"], f"field violations: {violations}")

        products.DeleteProduct(products_pb2.DeleteProductRequest(sku=created.sku, expected_version=2), metadata=admin)
        expect_code(
            lambda: products.GetProduct(products_pb2.GetProductRequest(sku=created.sku)),
            grpc.StatusCode.NOT_FOUND,
            "GetProduct after DeleteProduct",
        )
        expect_code(
            lambda: products.GetProduct(products_pb2.GetProductRequest(sku="not-a-uuid")),
            grpc.StatusCode.INVALID_ARGUMENT,
            "GetProduct of a sku that is not a UUID",
        )

        # Refresh rotates: the new pair works, the old refresh token is spent.
        rotated = auth.Refresh(auth_pb2.RefreshRequest(refresh_token=tokens.refresh_token))
        expect(rotated.refresh_token != tokens.refresh_token, "Refresh returned the same refresh token")
        expect_code(
            lambda: auth.Refresh(auth_pb2.RefreshRequest(refresh_token=tokens.refresh_token)),
            grpc.StatusCode.UNAUTHENTICATED,
            "Refresh with a spent refresh token",
        )
        # Reusing a spent token ends its login: log in again for the logout.
        fresh = auth.Login(auth_pb2.LoginRequest(username=args.username, password=password))
        auth.Logout(auth_pb2.LogoutRequest(refresh_token=fresh.refresh_token))
        expect_code(
            lambda: products.CreateProduct(
                products_pb2.CreateProductRequest(name="Lamp", brand="Acme", price_cents=1),
                metadata=bearer(fresh.access_token),
            ),
            grpc.StatusCode.UNAUTHENTICATED,
            "CreateProduct with the access token of a login that logged out",
        )
        expect_code(
            lambda: products.ListProducts(products_pb2.ListProductsRequest(), metadata=bearer("garbage")),
            grpc.StatusCode.UNAUTHENTICATED,
            "ListProducts with a token that is not one",
        )

        # A deadline: Watch never ends by itself, so its deadline ends it.
        health = health_pb2_grpc.HealthStub(ch)
        seen = []
        started = time.monotonic()
        try:
            for response in health.Watch(health_pb2.HealthCheckRequest(service=""), timeout=1.0):
                seen.append(health_pb2.HealthCheckResponse.ServingStatus.Name(response.status))
            raise Failure("Watch ended before its deadline")
        except grpc.RpcError as error:
            expect(error.code() == grpc.StatusCode.DEADLINE_EXCEEDED, f"Watch past its deadline: {error.code().name}")
        expect(seen == ["SERVING"], f"Watch saw {seen}")
        expect(time.monotonic() - started < 30, "the deadline took far longer than asked")
    print(json.dumps({"workflow": "ok"}))


def read(args):
    """Anonymous GetProduct calls, `count` of them, `concurrency` at a time; prints how many succeeded."""
    messages, services = generate_stubs()
    request = messages["products"].GetProductRequest(sku=args.sku)
    metadata = [("traceparent", args.traceparent)] if args.traceparent else None
    with channel(args) as ch:
        products = services["products"].ProductServiceStub(ch)
        with futures.ThreadPoolExecutor(max_workers=args.concurrency) as pool:
            answers = list(
                pool.map(lambda _: products.GetProduct(request, timeout=60, metadata=metadata), range(args.count))
            )
    expect(all(a.sku == args.sku for a in answers), "a read answered another product")
    print(json.dumps({"ok": len(answers)}))


def health(args):
    """grpc_health_probe's question: prints the status of `service`."""
    with channel(args) as ch:
        response = health_pb2_grpc.HealthStub(ch).Check(health_pb2.HealthCheckRequest(service=args.service), timeout=30)
    print(health_pb2.HealthCheckResponse.ServingStatus.Name(response.status), flush=True)


def watch(args):
    """Prints each status Watch sends, one per line, as it comes, until the server ends the stream."""
    with channel(args) as ch:
        for response in health_pb2_grpc.HealthStub(ch).Watch(health_pb2.HealthCheckRequest(service=args.service)):
            print(health_pb2.HealthCheckResponse.ServingStatus.Name(response.status), flush=True)
    print("END", flush=True)


def reflection(args):
    """Lists the services by reflection (grpcio-reflection's client, v1alpha) and resolves every
    method's request and response descriptor; prints them, with no .proto file at hand."""
    from google.protobuf.descriptor_pool import DescriptorPool
    from grpc_reflection.v1alpha.proto_reflection_descriptor_database import ProtoReflectionDescriptorDatabase

    with channel(args) as ch:
        database = ProtoReflectionDescriptorDatabase(ch)
        pool = DescriptorPool(database)
        services = {}
        for name in database.get_services():
            service = pool.FindServiceByName(name)
            services[name] = {
                method.name: [method.input_type.full_name, method.output_type.full_name, len(method.input_type.fields)]
                for method in service.methods
            }
    print(json.dumps(services, sort_keys=True))


def oversized(args):
    """A request message of `bytes` bytes; prints the status code it gets."""
    messages, services = generate_stubs()
    with channel(args) as ch:
        products = services["products"].ProductServiceStub(ch)
        error = expect_code(
            lambda: products.GetProduct(messages["products"].GetProductRequest(sku="x" * args.bytes), timeout=60),
            grpc.StatusCode.RESOURCE_EXHAUSTED,
            f"GetProduct with a {args.bytes}-byte request",
        )
    print(json.dumps({"code": error.code().name}))


class RawHTTP2:
    """HTTP/2 by hand over TLS (h2), for what grpcio would never send: streams past the server's
    limit, pings without end. Ignores the server's SETTINGS_MAX_CONCURRENT_STREAMS on purpose."""

    def __init__(self, args, initial_window=None):
        import socket
        import ssl
        import h2.config
        import h2.connection
        import h2.settings

        class IgnoringLimits(h2.connection.H2Connection):
            @property
            def open_outbound_streams(self):
                return 0

        host, port = args.target.rsplit(":", 1)
        sock = socket.create_connection((host, int(port)), timeout=30)
        if args.ca:
            context = ssl.create_default_context(cafile=args.ca)
            context.set_alpn_protocols(["h2"])
            sock = context.wrap_socket(sock, server_hostname=host)
        self.sock = sock
        self.h2 = IgnoringLimits(config=h2.config.H2Configuration(client_side=True, header_encoding="utf-8"))
        if initial_window is not None:
            # Announced in the preface's SETTINGS: the server may send no DATA at all.
            self.h2.local_settings = h2.settings.Settings(
                client=True, initial_values={h2.settings.SettingCodes.INITIAL_WINDOW_SIZE: initial_window}
            )
        self.h2.initiate_connection()
        self.flush()
        self.resets = {}
        self.goaway = None
        self.buffer = b""
        self.terminated = False
        self.settings = {}
        self.closed = False
        self.statuses = {}
        self.ended = set()

    def flush(self):
        data = self.h2.data_to_send()
        if data:
            self.sock.sendall(data)

    def read(self):
        """Reads one burst and records what it says; False once the server closed the connection."""
        import h2.events

        try:
            data = self.sock.recv(65536)
        except OSError:
            data = b""
        if not data:
            self.closed = True
            return False
        for event in self.events(data):
            if isinstance(event, h2.events.StreamReset):
                name = getattr(event.error_code, "name", str(event.error_code))
                self.resets[name] = self.resets.get(name, 0) + 1
            elif isinstance(event, h2.events.ConnectionTerminated):
                self.goaway = {
                    "code": getattr(event.error_code, "name", str(event.error_code)),
                    "debug": (event.additional_data or b"").decode("utf-8", "replace"),
                }
            elif isinstance(event, (h2.events.ResponseReceived, h2.events.TrailersReceived)):
                fields = dict(event.headers)
                if "grpc-status" in fields:
                    self.statuses[fields["grpc-status"]] = self.statuses.get(fields["grpc-status"], 0) + 1
            elif isinstance(event, h2.events.StreamEnded):
                self.ended.add(event.stream_id)
            elif isinstance(event, h2.events.RemoteSettingsChanged):
                self.settings.update({int(k): v.new_value for k, v in event.changed_settings.items()})
        try:
            self.flush()
        except OSError:
            pass
        return True

    def events(self, data):
        """h2's events for `data`, fed to it frame by frame: what follows a GOAWAY (the answers to
        frames the server had read before it) is no protocol error of the server's, so it is dropped."""
        import h2.events
        import h2.exceptions

        self.buffer += data
        events = []
        while len(self.buffer) >= 9 and not self.terminated:
            end = 9 + int.from_bytes(self.buffer[:3], "big")
            if len(self.buffer) < end:
                break
            frame, self.buffer = self.buffer[:end], self.buffer[end:]
            try:
                events += self.h2.receive_data(frame)
            except h2.exceptions.ProtocolError as error:
                raise Failure(f"the server broke HTTP/2: {error}")
            self.terminated = any(isinstance(event, h2.events.ConnectionTerminated) for event in events)
        return events

    def until(self, done):
        while not done() and self.read():
            pass

    def report(self, **extra):
        print(json.dumps({"resets": self.resets, "goaway": self.goaway, "closed": self.closed, **extra}))

    def grpc_headers(self, args, path):
        return [
            (":method", "POST"),
            (":scheme", "https" if args.ca else "http"),
            (":path", path),
            (":authority", args.target),
            ("content-type", "application/grpc"),
            ("te", "trailers"),
        ]


def grpc_message(payload):
    """A gRPC message: not compressed, its length, its bytes."""
    return b"\x00" + len(payload).to_bytes(4, "big") + payload


def string_field(number, text):
    data = text.encode()
    return bytes([number << 3 | 2, len(data)]) + data


def abandon_watches(args):
    """`rounds` times: one connection, `streams` Health/Watch calls for an unknown service, each
    answered SERVICE_UNKNOWN and left open; then the socket is closed under them (with `--reset`,
    each stream is reset with RST_STREAM CANCEL instead, and the connection stays open until the
    command's output is read: it prints, then waits for its standard input to close)."""
    import h2.errors
    import h2.events

    kept = []
    for _ in range(args.rounds):
        raw = RawHTTP2(args)
        request = grpc_message(string_field(1, "not.a.Service"))
        for index in range(args.streams):
            stream = 1 + 2 * index
            raw.h2.send_headers(stream, raw.grpc_headers(args, "/grpc.health.v1.Health/Watch"))
            raw.h2.send_data(stream, request, end_stream=True)
        raw.flush()
        received = set()

        def answered():
            return len(received) >= args.streams

        while not answered():
            data = raw.sock.recv(65536)
            expect(data, "the server closed a connection with watches open")
            for event in raw.events(data):
                if isinstance(event, h2.events.DataReceived):
                    received.add(event.stream_id)
                    raw.h2.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
            raw.flush()
        if args.reset:
            for index in range(args.streams):
                raw.h2.reset_stream(1 + 2 * index, h2.errors.ErrorCodes.CANCEL)
            raw.flush()
            kept.append(raw)
        else:
            raw.sock.close()
    print(json.dumps({"abandoned": args.rounds * args.streams}), flush=True)
    if args.reset:
        sys.stdin.read()


def rapid_reset(args):
    """Opens GetProduct streams and resets each at once (CVE-2023-44487's rapid reset), `streams`
    times; prints how the server ends the connection."""
    import h2.errors

    raw = RawHTTP2(args)
    raw.until(lambda: raw.settings)
    for index in range(args.streams):
        stream = 1 + 2 * index
        raw.h2.send_headers(stream, raw.grpc_headers(args, "/catalog.v1.ProductService/GetProduct"))
        raw.h2.reset_stream(stream, h2.errors.ErrorCodes.CANCEL)
        if index % 50 == 49:
            try:
                raw.flush()
            except OSError:
                break
    try:
        raw.flush()
    except OSError:
        pass
    raw.until(lambda: raw.goaway is not None)
    raw.report()


def zero_window(args):
    """Announces a flow-control window of 0 (no answer can be sent), makes `calls` GetProduct
    calls, and reads on; prints how long until the server closed the connection."""
    import time

    raw = RawHTTP2(args, initial_window=0)
    raw.until(lambda: raw.settings)
    request = grpc_message(string_field(1, args.sku))
    for index in range(args.calls):
        stream = 1 + 2 * index
        raw.h2.send_headers(stream, raw.grpc_headers(args, "/catalog.v1.ProductService/GetProduct"))
        raw.h2.send_data(stream, request, end_stream=True)
    raw.flush()
    sent = time.monotonic()
    raw.sock.settimeout(args.limit)
    raw.until(lambda: False)
    raw.report(seconds=round(time.monotonic() - sent, 2), answered=len(raw.ended))


def stalled_message(args):
    """`streams` GetProduct calls whose message declares `declared` bytes and sends only as many
    of them as flow control lets it (at most `sent`), then nothing; prints how long until every
    stream was ended, and with which statuses."""
    import time

    raw = RawHTTP2(args)
    raw.until(lambda: raw.settings)
    for index in range(args.streams):
        stream = 1 + 2 * index
        raw.h2.send_headers(stream, raw.grpc_headers(args, "/catalog.v1.ProductService/GetProduct"))
        # What the server's credit allows, waiting for more of it when there is none.
        raw.until(lambda: raw.h2.local_flow_control_window(stream) > 5)
        room = min(args.sent, raw.h2.local_flow_control_window(stream), raw.h2.max_outbound_frame_size)
        raw.h2.send_data(stream, b"\x00" + args.declared.to_bytes(4, "big") + b"x" * (room - 5))
        raw.flush()
    sent = time.monotonic()
    raw.sock.settimeout(args.limit)
    raw.until(lambda: len(raw.ended) >= args.streams)
    raw.report(seconds=round(time.monotonic() - sent, 2), statuses=raw.statuses, ended=len(raw.ended))


def goaway(args):
    """Connects and sends HTTP/2's preface only; prints how the server ends the connection."""
    raw = RawHTTP2(args)
    raw.until(lambda: raw.goaway is not None)
    raw.report()


def stream_flood(args):
    """Opens `streams` Health/Check streams at once, none of them ending; prints the resets and GOAWAY."""
    raw = RawHTTP2(args)
    max_streams_setting = 0x3
    raw.until(lambda: max_streams_setting in raw.settings)
    limit = raw.settings[max_streams_setting]
    headers = [
        (":method", "POST"),
        (":scheme", "https" if args.ca else "http"),
        (":path", "/grpc.health.v1.Health/Check"),
        (":authority", args.target),
        ("content-type", "application/grpc"),
        ("te", "trailers"),
    ]
    for index in range(args.streams):
        raw.h2.send_headers(1 + 2 * index, headers)
    raw.flush()
    raw.until(lambda: raw.goaway is not None or sum(raw.resets.values()) >= args.streams - limit)
    raw.report(limit=limit)


def ping_flood(args):
    """Sends `pings` PINGs with no call open; prints how the server ends the connection."""
    raw = RawHTTP2(args)
    raw.until(lambda: raw.settings)
    for index in range(args.pings):
        raw.h2.ping(index.to_bytes(8, "big"))
    raw.flush()
    raw.until(lambda: raw.goaway is not None)
    raw.report()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--target", required=True, help="HOST:PORT of the gRPC listener")
    parser.add_argument("--ca", help="the CA certificate (PEM) to trust; plaintext without it")
    commands = parser.add_subparsers(dest="command", required=True)
    command = commands.add_parser(
        "workflow", help="create, read, list, update, delete; login, refresh, logout; errors (password: $CATALOG_PASSWORD)"
    )
    command.add_argument("--username", required=True)
    command.set_defaults(run=workflow)
    command = commands.add_parser("read", help="anonymous GetProduct calls")
    command.add_argument("--sku", required=True)
    command.add_argument("--count", type=int, required=True)
    command.add_argument("--concurrency", type=int, default=8)
    command.add_argument("--traceparent", help="W3C traceparent metadata sent with each call")
    command.set_defaults(run=read)
    for name, run in (("health", health), ("watch", watch)):
        command = commands.add_parser(name, help=run.__doc__)
        command.add_argument("--service", default="")
        command.set_defaults(run=run)
    commands.add_parser("reflection", help="list and describe by reflection").set_defaults(run=reflection)
    command = commands.add_parser("oversized", help=oversized.__doc__)
    command.add_argument("--bytes", type=int, required=True)
    command.set_defaults(run=oversized)
    commands.add_parser("goaway", help=goaway.__doc__).set_defaults(run=goaway)
    command = commands.add_parser("stream-flood", help=stream_flood.__doc__)
    command.add_argument("--streams", type=int, required=True)
    command.set_defaults(run=stream_flood)
    command = commands.add_parser("ping-flood", help=ping_flood.__doc__)
    command.add_argument("--pings", type=int, required=True)
    command.set_defaults(run=ping_flood)
    command = commands.add_parser("abandon-watches", help=abandon_watches.__doc__)
    command.add_argument("--rounds", type=int, required=True)
    command.add_argument("--streams", type=int, required=True)
    command.add_argument("--reset", action="store_true", help="reset the streams, keep the connections")
    command.set_defaults(run=abandon_watches)
    command = commands.add_parser("rapid-reset", help=rapid_reset.__doc__)
    command.add_argument("--streams", type=int, required=True)
    command.set_defaults(run=rapid_reset)
    command = commands.add_parser("zero-window", help=zero_window.__doc__)
    command.add_argument("--sku", required=True)
    command.add_argument("--calls", type=int, required=True)
    command.add_argument("--limit", type=float, default=120, help="seconds to wait at most")
    command.set_defaults(run=zero_window)
    command = commands.add_parser("stalled-message", help=stalled_message.__doc__)
    command.add_argument("--streams", type=int, required=True)
    command.add_argument("--declared", type=int, required=True)
    command.add_argument("--sent", type=int, required=True)
    command.add_argument("--limit", type=float, default=120, help="seconds to wait at most")
    command.set_defaults(run=stalled_message)
    args = parser.parse_args()
    try:
        args.run(args)
    except Failure as failure:
        print(f"FAILED: {failure}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
