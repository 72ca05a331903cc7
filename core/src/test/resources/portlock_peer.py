#!/usr/bin/env python3
"""A test peer that locks a key on Linux exactly as the Python original (k3portlock's
portlock.py) does: one AF_UNIX SOCK_STREAM socket bound, without listen, to the abstract address
"\\0/portlock/" + key. Standard library only.

    portlock_peer.py try KEY    one bind: prints "HELD <pid>" and holds until a line (or EOF)
                                arrives on stdin, then closes and prints "RELEASED"; or prints
                                "BUSY" when the bind fails with EADDRINUSE (any other error raises)
    portlock_peer.py wait KEY   binds again every 10 ms until it succeeds (at most 60 s), then
                                holds as "try" does
"""
import errno
import os
import socket
import sys
import time


def bind(key):
    so = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        so.bind("\0/portlock/" + key)
        return so
    except OSError as e:
        so.close()
        if e.errno == errno.EADDRINUSE:
            return None
        raise


def main():
    mode, key = sys.argv[1], sys.argv[2]
    so = bind(key)
    if mode == "wait":
        deadline = time.monotonic() + 60
        while so is None and time.monotonic() < deadline:
            time.sleep(0.01)
            so = bind(key)
    if so is None:
        print("BUSY", flush=True)
        return
    print("HELD", os.getpid(), flush=True)
    sys.stdin.readline()
    so.close()
    print("RELEASED", flush=True)


main()
