"""A TCP relay between trawl and Redis that can lose Redis's answers: while the file EAT exists, what Redis
sends back is thrown away (Redis still stores what it was sent); when the file CUT appears, every open
connection is closed and both files are removed, so the client reconnects to a relay that forwards again.

usage: proxy.py LISTEN_PORT REDIS_PORT EAT CUT     (runs until killed)"""
import os
import socket
import sys
import threading
import time

listen_port, redis_port, eat, cut = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
conns = []
lock = threading.Lock()


def pump(src, dst, answers):
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            if answers and os.path.exists(eat):
                continue
            dst.sendall(data)
    except OSError:
        pass
    for s in (src, dst):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def cutter():
    while True:
        time.sleep(0.05)
        if os.path.exists(cut):
            with lock:
                for s in conns:
                    try:
                        s.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass
                conns.clear()
            for f in (eat, cut):
                try:
                    os.unlink(f)
                except FileNotFoundError:
                    pass


srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", listen_port))
srv.listen(16)
threading.Thread(target=cutter, daemon=True).start()
while True:
    c, _ = srv.accept()
    r = socket.create_connection(("127.0.0.1", redis_port))
    with lock:
        conns.extend([c, r])
    threading.Thread(target=pump, args=(c, r, False), daemon=True).start()
    threading.Thread(target=pump, args=(r, c, True), daemon=True).start()
