"""A small Redis client for the tests (RESP2 over TCP), so they need no client library.

usage as a program:
  resp.py PORT PASSWORD dump STREAM        the json field of every entry that has one, one per line (XRANGE in pages)
  resp.py PORT PASSWORD entries STREAM     id, session, proto, type and json of every entry, tab-separated
  resp.py PORT PASSWORD CMD ARG...         one command; prints the reply as Python sees it
"""
import socket
import sys


class Redis:
    def __init__(self, port, password=None, host="127.0.0.1"):
        self.s = socket.create_connection((host, port), timeout=30)
        self.f = self.s.makefile("rb")
        if password:
            self.call("AUTH", password)

    def call(self, *args):
        out = [b"*%d\r\n" % len(args)]
        for a in args:
            a = a if isinstance(a, bytes) else str(a).encode()
            out.append(b"$%d\r\n%s\r\n" % (len(a), a))
        self.s.sendall(b"".join(out))
        return self.read()

    def read(self):
        line = self.f.readline()
        if not line:
            raise ConnectionError("connection closed")
        kind, rest = line[:1], line[1:-2]
        if kind == b"+":
            return rest
        if kind == b"-":
            raise RuntimeError(rest.decode())
        if kind == b":":
            return int(rest)
        if kind == b"$":
            n = int(rest)
            if n < 0:
                return None
            data = self.f.read(n + 2)
            return data[:-2]
        if kind == b"*":
            n = int(rest)
            return None if n < 0 else [self.read() for _ in range(n)]
        raise RuntimeError("bad reply %r" % line)

    def entries(self, stream):
        """Every entry of a stream, in order: (id, {field: value})."""
        start = b"-"
        while True:
            page = self.call("XRANGE", stream, start, "+", "COUNT", 1000)
            for eid, fields in page:
                yield eid, dict(zip(fields[0::2], fields[1::2]))
            if len(page) < 1000:
                return
            start = b"(" + page[-1][0]


def main():
    port, password, what = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    r = Redis(port, password or None)
    out = sys.stdout.buffer
    if what == "dump":
        for _, f in r.entries(sys.argv[4]):
            if b"json" in f:  # an entry someone else added is not trawl's
                out.write(f[b"json"] + b"\n")
    elif what == "entries":
        for eid, f in r.entries(sys.argv[4]):
            out.write(b"\t".join([eid, f[b"session"], f[b"proto"], f[b"type"], f[b"json"]]) + b"\n")
    else:
        print(r.call(what, *sys.argv[4:]))


if __name__ == "__main__":
    main()
