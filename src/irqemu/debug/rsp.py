"""The GDB remote serial protocol's packet layer: ``$data#cs`` framing, acks, escaping.

What gdb's manual, "Overview" of the remote protocol, specifies: a packet is
``$`` data ``#`` two hex digits of the sum of the data bytes modulo 256; the
receiver answers ``+`` (or ``-`` to ask again) until ``QStartNoAckMode``; ``}``
escapes ``#``, ``$``, ``}`` and ``*`` as the byte XOR 0x20; a lone 0x03 byte
outside a packet is an interrupt request (Ctrl-C). Run-length encoding is
optional for a stub and not used.
"""

from __future__ import annotations

import socket
from collections.abc import Iterable

INTERRUPT = b"\x03"  #: what a packet read returns for gdb's Ctrl-C
_ESCAPED = frozenset(b"#$}*")


class ProtocolError(Exception):
    """The peer broke the framing or closed the connection."""


def checksum(data: bytes) -> int:
    """The packet checksum: the data bytes' sum modulo 256."""
    return sum(data) & 0xFF


def escape(data: bytes) -> bytes:
    """Binary data as it may stand in a packet: ``}`` then the byte XOR 0x20 for
    ``#``, ``$``, ``}`` and ``*``."""
    out = bytearray()
    for b in data:
        if b in _ESCAPED:
            out += bytes((0x7D, b ^ 0x20))
        else:
            out.append(b)
    return bytes(out)


def unescape(data: bytes) -> bytes:
    """The inverse of :func:`escape` (an X packet's or a qXfer reply's payload)."""
    out = bytearray()
    it = iter(data)
    for b in it:
        if b == 0x7D:
            nxt = next(it, None)
            if nxt is None:
                raise ProtocolError("packet ends inside an escape")
            out.append(nxt ^ 0x20)
        else:
            out.append(b)
    return bytes(out)


def frame(data: bytes) -> bytes:
    """``$data#cs`` (``data`` already escaped where it must be)."""
    return b"$" + data + b"#" + b"%02x" % checksum(data)


class Connection:
    """One gdb connection: reads packets (acking them), sends packets, and notices a
    Ctrl-C byte between packets without blocking (:meth:`poll_interrupt`)."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.ack = True  #: until gdb asks for QStartNoAckMode
        self._buf = bytearray()
        self.interrupted = False  #: a Ctrl-C arrived while the target ran

    def _fill(self, block: bool) -> bool:
        """Read what the socket has into the buffer; False if nothing (non-blocking)."""
        try:
            data = self.sock.recv(65536, 0 if block else socket.MSG_DONTWAIT)
        except BlockingIOError:
            return False
        if not data:
            raise ProtocolError("gdb closed the connection")
        self._buf += data
        return True

    def poll_interrupt(self) -> bool:
        """Has gdb sent Ctrl-C (0x03) since the target resumed? Never blocks."""
        if not self.interrupted:
            self._fill(block=False)
            i, start = self._buf.find(INTERRUPT), self._buf.find(b"$")
            if i >= 0 and (start < 0 or i < start):
                del self._buf[i]
                self.interrupted = True
        return self.interrupted

    def read_packet(self) -> bytes:
        """The next packet's data (acked, checksum verified: a bad one is NAKed and read
        again), or :data:`INTERRUPT` for a Ctrl-C outside a packet."""
        while True:
            if not self._buf:
                self._fill(block=True)
                continue
            first = self._buf[0]
            if first == INTERRUPT[0]:
                del self._buf[0]
                return INTERRUPT
            if first != ord("$"):  # acks of what we sent, or noise between packets
                del self._buf[0]
                continue
            end = self._buf.find(b"#")
            if end < 0 or len(self._buf) < end + 3:
                self._fill(block=True)
                continue
            data = bytes(self._buf[1:end])
            given = bytes(self._buf[end + 1: end + 3])
            del self._buf[: end + 3]
            try:
                ok = int(given, 16) == checksum(data)
            except ValueError:
                ok = False
            if self.ack:
                self.sock.sendall(b"+" if ok else b"-")
            if ok or not self.ack:
                return data

    def send(self, data: bytes | str) -> None:
        """Send one packet; ``data`` must already be escaped where binary."""
        if isinstance(data, str):
            data = data.encode("latin-1")
        self.sock.sendall(frame(data))

    def send_all(self, packets: Iterable[bytes | str]) -> None:
        for p in packets:
            self.send(p)

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass
