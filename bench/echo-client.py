"""A keystroke-echo client that is not Node (issue 20): a raw WebSocket client on the standard library only.

Usage: python3 echo-client.py <ws-url> <keys> [--raw] [--token-env=NAME] [--gap-ms=N]
Types <keys> keystrokes one at a time into a session running the bench's echo program (`cat` in raw mode,
after READY) and times each echo with time.perf_counter_ns: send the frame, block in recv until the byte has
come back. With --gap-ms, waits N ms after each echo before the next keystroke, as a person types (the
default, 0, types back to back). Prints the round trips in ms as one JSON array on stdout.

The gateway's protocol (the default): input goes out as text frames {"type":"input","data":"x"}, output
comes as binary frames, events as text frames; the first event is "restored". --raw is the byte pipe of
`websocketd --binary`: input goes out as a binary frame of its bytes and every frame is output. Client
frames are masked, as RFC 6455 requires. The bearer token (local mode's key) is read from the environment
variable given by --token-env (BENCH_GATEWAY_KEY by default) and sent when set. With ECHO_CLIENT_TIMES=<file>,
each run appends a JSON line {url, pid, marks: [[sent_ns, received_ns], ...]} on CLOCK_MONOTONIC.
"""
import base64
import json
import os
import socket
import struct
import sys
import time
from urllib.parse import urlparse

READY = b"BENCH-READY"


class Socket:
    def __init__(self, url, token):
        parts = urlparse(url)
        self.sock = socket.create_connection((parts.hostname, parts.port or 80))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        key = base64.b64encode(os.urandom(16)).decode()
        path = parts.path or "/"
        headers = [
            f"GET {path} HTTP/1.1",
            f"Host: {parts.hostname}:{parts.port}",
            "Upgrade: websocket",
            "Connection: Upgrade",
            f"Sec-WebSocket-Key: {key}",
            "Sec-WebSocket-Version: 13",
        ]
        if token:
            headers.append(f"Authorization: Bearer {token}")
        self.sock.sendall(("\r\n".join(headers) + "\r\n\r\n").encode())
        self.buf = b""
        while b"\r\n\r\n" not in self.buf:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise RuntimeError("closed during the handshake")
            self.buf += chunk
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        if not head.startswith(b"HTTP/1.1 101"):
            raise RuntimeError(f"handshake refused: {head[:200]!r}")

    def send(self, opcode, payload):
        self.sock.sendall(self.encode(opcode, payload))

    @staticmethod
    def encode(opcode, payload):
        """A masked client frame."""
        mask = os.urandom(4)
        n = len(payload)
        if n < 126:
            header = struct.pack("!BB", 0x80 | opcode, 0x80 | n)
        elif n < 65536:
            header = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, n)
        else:
            header = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, n)
        masked = bytes(b ^ mask[i & 3] for i, b in enumerate(payload))
        return header + mask + masked

    def _need(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise RuntimeError("connection closed")
            self.buf += chunk

    def frame(self):
        """The next frame as (opcode, payload); server frames are not masked. Fragments are not expected."""
        self._need(2)
        b0, b1 = self.buf[0], self.buf[1]
        n = b1 & 0x7F
        at = 2
        if n == 126:
            self._need(4)
            n = struct.unpack("!H", self.buf[2:4])[0]
            at = 4
        elif n == 127:
            self._need(10)
            n = struct.unpack("!Q", self.buf[2:10])[0]
            at = 10
        self._need(at + n)
        payload = self.buf[at : at + n]
        self.buf = self.buf[at + n :]
        return b0 & 0x0F, payload


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    flags = [a for a in sys.argv[1:] if a.startswith("--")]
    url, keys = args[0], int(args[1])
    raw = "--raw" in flags
    token_env = next((f.split("=", 1)[1] for f in flags if f.startswith("--token-env=")), "BENCH_GATEWAY_KEY")
    gap = float(next((f.split("=", 1)[1] for f in flags if f.startswith("--gap-ms=")), "0")) / 1000
    ws = Socket(url, os.environ.get(token_env))

    def output():
        """The next output bytes (binary frames; in raw mode every data frame), skipping events."""
        while True:
            opcode, payload = ws.frame()
            if opcode == 0x8:
                raise RuntimeError("the server closed the socket")
            if opcode == 0x2 or (raw and opcode == 0x1):
                return payload
            if opcode == 0x9:
                ws.send(0xA, payload)

    seen = b""
    while READY not in seen:
        seen = (seen + output())[-2000:]
    samples = []
    marks = []
    for i in range(keys):
        key = bytes([97 + i % 26])
        frame = key if raw else json.dumps({"type": "input", "data": key.decode()}).encode()
        # Framed and masked before the clock starts: only the system calls and the servers are timed.
        data = Socket.encode(0x2 if raw else 0x1, frame)
        sent = time.perf_counter_ns()
        ws.sock.sendall(data)
        got = 0
        while got < 1:
            got += len(output())
        received = time.perf_counter_ns()
        samples.append((received - sent) / 1e6)
        marks.append((sent, received))
        if gap:
            time.sleep(gap)
    ws.send(0x8, struct.pack("!H", 1000))
    ws.sock.close()
    # For lining up with a kernel trace (ftrace's "mono" clock is perf_counter_ns's CLOCK_MONOTONIC).
    times = os.environ.get("ECHO_CLIENT_TIMES")
    if times:
        with open(times, "a") as out:
            out.write(json.dumps({"url": url, "pid": os.getpid(), "marks": marks}) + "\n")
    json.dump(samples, sys.stdout)


if __name__ == "__main__":
    main()
