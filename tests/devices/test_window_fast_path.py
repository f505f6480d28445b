"""An MMIO window makes the register accesses of a device whose accesses are exactly its
register file's (the i.MX UART: ``mmio_fast_entries``) itself: the same values, state and
output as the device's own ``mmio_read``/``mmio_write``, one Python call fewer."""

from __future__ import annotations

from devfakes import FakeMachine
from hypothesis import given, settings
from hypothesis import strategies as st

from irqemu.devices.imx_uart import ImxUART
from irqemu.machine.bus import Window

WINDOW, UART = 0x02000000, 0x02020000
OFFSETS = [reg.offset for reg in ImxUART.REGS] + [0x02, 0x41, 0xB6, 0xBC, 0x200]
ACCESS = st.tuples(st.sampled_from(("read", "write", "receive")),
                   st.one_of(st.sampled_from(OFFSETS), st.integers(0, 0xC0)),
                   st.sampled_from((1, 2, 4)), st.integers(0, 0xFFFFFFFF))


def _state(u: ImxUART) -> tuple[object, ...]:
    return (dict((k, list(v)) for k, v in u.regs.values.items()), bytes(u.output),
            list(u.rx), u.irq.level)


@settings(max_examples=120, derandomize=True, deadline=None)
@given(boot_state=st.booleans(), accesses=st.lists(ACCESS, max_size=40))
def test_window_accesses_equal_the_devices_own(boot_state: bool,
                                               accesses: list[tuple[str, int, int, int]]
                                               ) -> None:
    sent: tuple[list[int], list[int]] = ([], [])
    via = ImxUART(FakeMachine(), UART, on_tx=sent[0].append, boot_state=boot_state)
    ref = ImxUART(FakeMachine(), UART, on_tx=sent[1].append, boot_state=boot_state)
    win = Window(WINDOW, 0x100000, "aips")
    win.add(UART, ImxUART.SIZE, via)
    at = UART - WINDOW
    for op, offset, size, value in accesses:
        if op == "read":
            assert win.mmio_read(0, at + offset, size) == ref.mmio_read(0, offset, size)
        elif op == "write":
            win.mmio_write(0, at + offset, size, value)
            ref.mmio_write(0, offset, size, value)
        else:
            assert via.receive(bytes([value & 0xFF])) == ref.receive(bytes([value & 0xFF]))
        assert _state(via) == _state(ref)
    assert sent[0] == sent[1]


def test_a_console_character_does_not_call_the_device_s_mmio() -> None:
    sent: list[int] = []
    u = ImxUART(FakeMachine(), UART, on_tx=sent.append)
    win = Window(WINDOW, 0x100000, "aips")
    win.add(UART, ImxUART.SIZE, u)
    called: list[str] = []
    u.mmio_read = lambda *a: called.append("read") or 0  # type: ignore[method-assign]
    u.mmio_write = lambda *a: called.append("write")  # type: ignore[method-assign]
    at = UART - WINDOW
    assert win.mmio_read(0, at + 0xB4, 4) & (1 << 6)  # UTS.TXEMPTY
    win.mmio_write(0, at + 0x40, 4, ord("x"))  # UTXD
    assert (sent, called) == ([ord("x")], [])
    win.mmio_read(0, at + 0xB4, 2)  # not the register's width: the device's own path
    assert called == ["read"]
