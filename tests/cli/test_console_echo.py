"""A boot's console echo is buffered, not flushed per character: the bytes on stdout are
the guest's, whole lines reach stdout at their newline, and a partial line is out before
anything written after the run (an error message on stderr)."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest
from elfgen import arm_elf
from hypothesis import given, settings
from hypothesis import strategies as st

from irqemu.progress import Progress

# r1 = UART1's UTXD (0x02020040); write "ab\ncd" a character at a time; then udf
UTXD_R1 = [0xE3A01402, 0xE3811802, 0xE3811040]
PUT = [w for ch in b"ab\ncd" for w in (0xE3A00000 | ch, 0xE5810000)]
UDF = 0xE7F000F0


def test_partial_line_is_out_before_the_error_message(tmp_path: Path) -> None:
    f = arm_elf(tmp_path / "print_fault.elf", [*UTXD_R1, *PUT, UDF])
    both = subprocess.run([sys.executable, "-m", "irqemu", "boot", str(f)],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120,
                          stdin=subprocess.DEVNULL)
    assert both.returncode != 0
    assert both.stdout.startswith(b"ab\ncdirqemu: undefined instruction with no handler")
    apart = subprocess.run([sys.executable, "-m", "irqemu", "boot", str(f)],
                           capture_output=True, timeout=120, stdin=subprocess.DEVNULL)
    assert apart.stdout == b"ab\ncd"
    assert apart.stderr.startswith(b"irqemu: undefined instruction")


class _Stream(io.StringIO):
    """Records what had been flushed at each flush."""

    def __init__(self) -> None:
        super().__init__()
        self.flushed: list[str] = []

    def flush(self) -> None:
        self.flushed.append(self.getvalue())


def test_echo_flushes_at_each_newline_and_at_close() -> None:
    out = _Stream()
    bar = Progress("boot", show=False)
    for ch in "ab\ncd":
        bar.echo(ch, out)
    assert out.getvalue() == "ab\ncd"
    assert out.flushed == ["ab\n"]
    bar.close()
    assert out.flushed == ["ab\n", "ab\ncd"]


def test_echo_is_flushed_when_the_run_raises() -> None:
    out = _Stream()
    with pytest.raises(KeyboardInterrupt), Progress("boot", show=False) as bar:
        bar.echo("partial", out)
        raise KeyboardInterrupt
    assert out.flushed == ["partial"]


@settings(max_examples=60, derandomize=True, deadline=None)
@given(chunks=st.lists(st.binary(max_size=3), max_size=12))
def test_echo_bytes_writes_what_echo_of_the_decoded_text_writes(chunks: list[bytes]) -> None:
    """A machine's console_echo (bytes, a character at a time, maybe not UTF-8)."""
    want, got = _Stream(), _Stream()
    ref = Progress("boot", show=False)
    for data in chunks:
        ref.echo(data.decode("utf-8", "replace"), want)
    ref.close()
    saved = sys.stdout
    sys.stdout = got
    try:
        bar = Progress("boot", show=False)
        for data in chunks:
            bar.echo_bytes(data)
        bar.close()
    finally:
        sys.stdout = saved
    assert (got.getvalue(), got.flushed) == (want.getvalue(), want.flushed)
