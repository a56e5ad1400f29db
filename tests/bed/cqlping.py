#!/usr/bin/env python3
"""Runs CQL statements against a CQL server over the native protocol v4, stdlib only.

The test bed uses it to tell when Cassandra is ready (a real query answered, not just an open
port) and test scripts can use it to run setup statements without a driver.

    cqlping.py --port 9042                         # SELECT release_version FROM system.local
    cqlping.py --port 9042 --wait 120 'SELECT ...' # retry connection failures for up to 120 s
    cqlping.py --port 9042 --keyspace ks 'CREATE TABLE ...' 'INSERT ...'

Rows are printed one per line, columns separated by tabs. Exit status: 0 every statement
succeeded, 1 the server answered with an error, 2 no CQL connection could be made in time,
64 bad arguments.
"""

import argparse
import ipaddress
import socket
import struct
import sys
import time
import uuid

VERSION = 0x04
RESPONSE = 0x80 | VERSION

OP_ERROR, OP_STARTUP, OP_READY, OP_AUTHENTICATE = 0x00, 0x01, 0x02, 0x03
OP_OPTIONS, OP_SUPPORTED, OP_QUERY, OP_RESULT = 0x05, 0x06, 0x07, 0x08

FLAG_TRACING, FLAG_PAYLOAD, FLAG_WARNING = 0x02, 0x04, 0x08

CONSISTENCY = {"ANY": 0, "ONE": 1, "TWO": 2, "THREE": 3, "QUORUM": 4, "ALL": 5,
               "LOCAL_QUORUM": 6, "EACH_QUORUM": 7, "SERIAL": 8, "LOCAL_SERIAL": 9,
               "LOCAL_ONE": 10}

MAX_FRAME = 256 * 1024 * 1024


class ConnectError(Exception):
    """No CQL session could be set up (refused, closed, timed out, not CQL)."""


class ServerError(Exception):
    """The server answered a statement with an ERROR message."""


class Reader:
    """Decodes the protocol's primitive types from one message body."""

    def __init__(self, data):
        self.data = data
        self.pos = 0

    def take(self, n):
        if n < 0 or self.pos + n > len(self.data):
            raise ConnectError("truncated message from server")
        out = self.data[self.pos:self.pos + n]
        self.pos += n
        return out

    def byte(self):
        return self.take(1)[0]

    def short(self):
        return struct.unpack(">H", self.take(2))[0]

    def int(self):
        return struct.unpack(">i", self.take(4))[0]

    def string(self):
        return self.take(self.short()).decode("utf-8", "replace")

    def string_list(self):
        return [self.string() for _ in range(self.short())]

    def bytes(self):
        n = self.int()
        return None if n < 0 else self.take(n)

    def short_bytes(self):
        return self.take(self.short())

    def option(self):
        """Reads a column type; returns (id, subtypes) with subtypes for collections."""
        type_id = self.short()
        if type_id == 0x0000:
            return (type_id, self.string())
        if type_id in (0x0020, 0x0022):  # list, set
            return (type_id, [self.option()])
        if type_id == 0x0021:  # map
            return (type_id, [self.option(), self.option()])
        if type_id == 0x0030:  # udt
            self.string()
            self.string()
            fields = []
            for _ in range(self.short()):
                self.string()
                fields.append(self.option())
            return (type_id, fields)
        if type_id == 0x0031:  # tuple
            return (type_id, [self.option() for _ in range(self.short())])
        return (type_id, None)


def short_string(text):
    raw = text.encode("utf-8")
    return struct.pack(">H", len(raw)) + raw


def long_string(text):
    raw = text.encode("utf-8")
    return struct.pack(">i", len(raw)) + raw


def string_map(pairs):
    out = struct.pack(">H", len(pairs))
    for key, value in pairs.items():
        out += short_string(key) + short_string(value)
    return out


def decode_value(col_type, raw):
    """Renders one cell as text; unknown or composite types as hex."""
    if raw is None:
        return "NULL"
    type_id = col_type[0]
    try:
        if type_id in (0x0001, 0x000D):  # ascii, varchar
            return raw.decode("utf-8", "replace")
        if type_id in (0x0002, 0x0005, 0x000B):  # bigint, counter, timestamp (ms)
            return str(struct.unpack(">q", raw)[0])
        if type_id == 0x0009:
            return str(struct.unpack(">i", raw)[0])
        if type_id == 0x0013:
            return str(struct.unpack(">h", raw)[0])
        if type_id == 0x0014:
            return str(struct.unpack(">b", raw)[0])
        if type_id == 0x0004:
            return "true" if raw != b"\x00" else "false"
        if type_id == 0x0007:
            return repr(struct.unpack(">d", raw)[0])
        if type_id == 0x0008:
            return repr(struct.unpack(">f", raw)[0])
        if type_id == 0x000E:
            return str(int.from_bytes(raw, "big", signed=True))
        if type_id in (0x000C, 0x000F):
            return str(uuid.UUID(bytes=raw))
        if type_id == 0x0010:
            return str(ipaddress.ip_address(raw))
    except (struct.error, ValueError):
        pass
    return "0x" + raw.hex()


class Connection:
    """One CQL connection speaking protocol v4 without compression or authentication."""

    def __init__(self, host, port, timeout):
        try:
            self.sock = socket.create_connection((host, port), timeout=timeout)
        except OSError as err:
            raise ConnectError(f"connect {host}:{port}: {err}") from err
        self.sock.settimeout(timeout)
        self.stream = 0

    def close(self):
        self.sock.close()

    def recv_exact(self, n):
        chunks = []
        while n > 0:
            try:
                chunk = self.sock.recv(n)
            except OSError as err:
                raise ConnectError(f"read: {err}") from err
            if not chunk:
                raise ConnectError("server closed the connection")
            chunks.append(chunk)
            n -= len(chunk)
        return b"".join(chunks)

    def request(self, opcode, body):
        """Sends one frame and returns (opcode, Reader) of the matching response."""
        self.stream = (self.stream + 1) % 32768
        header = struct.pack(">BBhBi", VERSION, 0, self.stream, opcode, len(body))
        try:
            self.sock.sendall(header + body)
        except OSError as err:
            raise ConnectError(f"write: {err}") from err
        while True:
            version, flags, stream, op, length = struct.unpack(">BBhBi", self.recv_exact(9))
            if version != RESPONSE:
                raise ConnectError(f"not a CQL v4 response (version byte 0x{version:02x})")
            if length < 0 or length > MAX_FRAME:
                raise ConnectError(f"bad frame length {length}")
            reader = Reader(self.recv_exact(length))
            if stream != self.stream:
                continue  # an event or a stale response: not ours
            if flags & FLAG_TRACING:
                reader.take(16)
            if flags & FLAG_WARNING:
                for warning in reader.string_list():
                    print(f"cqlping: server warning: {warning}", file=sys.stderr)
            if flags & FLAG_PAYLOAD:
                for _ in range(reader.short()):
                    reader.string()
                    reader.bytes()
            if op == OP_ERROR:
                code = reader.int()
                raise ServerError(f"error 0x{code:04x}: {reader.string()}")
            return op, reader

    def startup(self):
        op, reader = self.request(OP_OPTIONS, b"")
        if op != OP_SUPPORTED:
            raise ConnectError(f"OPTIONS answered with opcode 0x{op:02x}")
        supported = {}
        for _ in range(reader.short()):
            key = reader.string()
            supported[key] = reader.string_list()
        cql_version = (supported.get("CQL_VERSION") or ["3.0.0"])[0]
        op, _ = self.request(OP_STARTUP, string_map({"CQL_VERSION": cql_version}))
        if op == OP_AUTHENTICATE:
            raise ServerError("server requires authentication, which cqlping does not do")
        if op != OP_READY:
            raise ConnectError(f"STARTUP answered with opcode 0x{op:02x}")

    def query(self, text, consistency):
        """Runs one statement; returns the rows as lists of text cells."""
        body = long_string(text) + struct.pack(">HB", consistency, 0)
        op, reader = self.request(OP_QUERY, body)
        if op != OP_RESULT:
            raise ConnectError(f"QUERY answered with opcode 0x{op:02x}")
        kind = reader.int()
        if kind != 0x0002:  # void, set_keyspace, prepared, schema_change
            return []
        flags = reader.int()
        columns = reader.int()
        global_spec = flags & 0x0001
        if flags & 0x0002:
            reader.bytes()  # paging state
        types = []
        if not flags & 0x0004:
            if global_spec:
                reader.string()
                reader.string()
            for _ in range(columns):
                if not global_spec:
                    reader.string()
                    reader.string()
                reader.string()
                types.append(reader.option())
        else:
            types = [(0xFFFF, None)] * columns
        rows = []
        for _ in range(reader.int()):
            rows.append([decode_value(types[i], reader.bytes()) for i in range(columns)])
        return rows


def run(args):
    deadline = time.monotonic() + args.wait
    last_error = None
    while True:
        conn = None
        try:
            conn = Connection(args.host, args.port, args.timeout)
            conn.startup()
            break
        except ConnectError as err:
            last_error = err
            if conn is not None:
                conn.close()
            if time.monotonic() + 1 >= deadline:
                print(f"cqlping: no CQL session with {args.host}:{args.port}: {last_error}",
                      file=sys.stderr)
                return 2
            time.sleep(1)
    try:
        if args.keyspace:
            conn.query(f'USE "{args.keyspace}"', CONSISTENCY[args.consistency])
        for statement in args.statements or ["SELECT release_version FROM system.local"]:
            for row in conn.query(statement, CONSISTENCY[args.consistency]):
                print("\t".join(row))
        return 0
    except ServerError as err:
        print(f"cqlping: {err}", file=sys.stderr)
        return 1
    except ConnectError as err:
        print(f"cqlping: connection lost: {err}", file=sys.stderr)
        return 2
    finally:
        conn.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--timeout", type=float, default=10.0,
                        help="seconds allowed for each socket operation (default 10)")
    parser.add_argument("--wait", type=float, default=0.0,
                        help="keep retrying the connection for this many seconds")
    parser.add_argument("--keyspace", help="keyspace to USE before the statements")
    parser.add_argument("--consistency", default="ONE", choices=sorted(CONSISTENCY))
    parser.add_argument("statements", nargs="*",
                        help="CQL statements (default: SELECT release_version FROM system.local)")
    try:
        args = parser.parse_args()
    except SystemExit as exit_:
        return 64 if exit_.code else 0
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
