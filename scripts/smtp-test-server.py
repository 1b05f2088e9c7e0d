#!/usr/bin/python3
"""A real SMTP server for the tests (Debian's python3-aiosmtpd).

Prints "READY <port>" once listening on 127.0.0.1, then one line "MESSAGE <json>" per
message received (envelope and full content). With --stall it accepts connections and
never answers, like a hung mail server. With --port it listens on that port.
Runs until killed.
"""
import argparse
import json
import signal
import socket
import sys
import time


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def stall(port):
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", port))
    server.listen(16)
    print(f"READY {port}", flush=True)
    held = []
    while True:
        connection, _ = server.accept()
        held.append(connection)  # never read, never answered


class Recorder:
    async def handle_DATA(self, server, session, envelope):
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "content": envelope.content.decode("utf-8", errors="replace"),
        }
        print("MESSAGE " + json.dumps(record), flush=True)
        return "250 Message accepted for delivery"


def serve(port):
    from aiosmtpd.controller import Controller

    controller = Controller(Recorder(), hostname="127.0.0.1", port=port)
    controller.start()
    print(f"READY {port}", flush=True)
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    # A parent may pass SIGTERM down as ignored; this server should die of it.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--stall", action="store_true")
    arguments = parser.parse_args()
    port = arguments.port or free_port()
    try:
        stall(port) if arguments.stall else serve(port)
    except KeyboardInterrupt:
        sys.exit(0)
