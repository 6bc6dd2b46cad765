"""Ceiling: a plain PTY read loop. Runs the bench's stream script in a PTY, sends Enter after READY, and
counts the bytes that follow until the PTY closes. Usage: python3 pty-read.py <script>; prints JSON."""
import json, os, pty, resource, sys, time

READY = b"BENCH-READY"


def cpu_ms():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return (usage.ru_utime + usage.ru_stime) * 1000


pid, fd = pty.fork()
if pid == 0:
    os.execv("/bin/sh", ["/bin/sh", "-c", sys.argv[1]])
head = b""
while READY not in head:
    head += os.read(fd, 65536)
started = time.perf_counter()
start_cpu = cpu_ms()
os.write(fd, b"\r")
count = 0
last = started
while True:
    try:
        data = os.read(fd, 65536)
    except OSError:  # EIO once the program has exited and the PTY is drained
        break
    if not data:
        break
    count += len(data)
    last = time.perf_counter()
os.waitpid(pid, 0)
print(json.dumps({"bytes": count, "ms": (last - started) * 1000, "cpuMs": cpu_ms() - start_cpu}))
