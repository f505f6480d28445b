"""A minimal gdb remote-protocol client for the tests: what gdb sends, one packet at a
time, with acks, so each reply of the stub can be checked."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

from irqemu.debug import rsp


class Client:
    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=60)
        self.buf = b""

    def _byte(self) -> bytes:
        if not self.buf:
            data = self.sock.recv(65536)
            if not data:
                raise EOFError("the stub closed the connection")
            self.buf = data
        b, self.buf = self.buf[:1], self.buf[1:]
        return b

    def read(self) -> str:
        """The next packet (console output ``O`` packets are collected in ``out``)."""
        while self._byte() != b"$":
            pass
        data = b""
        while (b := self._byte()) != b"#":
            data += b
        cs = self._byte() + self._byte()
        assert int(cs, 16) == rsp.checksum(data), "bad checksum from the stub"
        self.sock.sendall(b"+")
        return data.decode("latin-1")

    def send(self, packet: str) -> None:
        self.sock.sendall(rsp.frame(packet.encode("latin-1")))
        assert self._byte() == b"+"

    def cmd(self, packet: str) -> str:
        self.send(packet)
        return self.read()

    def close(self) -> None:
        self.sock.close()


def run_in_thread(machine: Any, stub: Any, **run_kw: Any) -> tuple[threading.Thread, dict]:
    """Run ``machine`` (which ``stub`` watches) in a thread; the result lands in the dict."""
    out: dict[str, Any] = {}

    def body() -> None:
        try:
            out["result"] = machine.run(**run_kw)
            stub.ended(out["result"].exit_code)
        except Exception as exc:  # noqa: BLE001 - handed to the test
            out["error"] = exc
            stub.faulted(exc)

    t = threading.Thread(target=body, daemon=True)
    t.start()
    return t, out


def connect(port: int, wait: Callable[[], bool] = lambda: True) -> Client:
    for _ in range(200):
        try:
            return Client(port)
        except ConnectionRefusedError:
            time.sleep(0.05)
    raise TimeoutError(f"no stub on port {port}")


def free_port() -> int:
    """A TCP port nothing listens on now (the system's choice for port 0)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def irqemu(root: Any, *args: str) -> subprocess.Popen[str]:
    """``python -m irqemu ARGS`` with the irqemu this test process imports (the installed
    package, or src/ through the caller's PYTHONPATH), pipes for its output; ``root`` is
    the working directory, so relative firmware paths resolve."""
    return subprocess.Popen([sys.executable, "-m", "irqemu", *args], cwd=root, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def gdb_batch(gdb: str, port: int, commands: list[str], elf: Any = None) -> str:
    """gdb's output for ``commands`` run in batch mode against the stub on ``port``."""
    cmd = [gdb, "-batch", "-nx", "-ex", "set pagination off", "-ex", "set confirm off"]
    if elf is not None:
        cmd += ["-ex", f"file {elf}"]
    cmd += ["-ex", f"target remote :{port}"]
    for c in commands:
        cmd += ["-ex", c]
    g = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    return g.stdout + g.stderr
