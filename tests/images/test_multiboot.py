"""Multiboot (v1) images on the pc, booted as qemu-system-x86_64 -M pc -kernel boots
them: mb.elf's UART lines and exit status match QEMU's; an a.out-kludge image is
loaded where its header says; malformed headers get one-line errors."""

from __future__ import annotations

import struct
import subprocess
from pathlib import Path

import pytest
from helpers import FIRMWARE, need_tool
from hypothesis import given, settings
from hypothesis import strategies as st

from irqemu.cli import CliError, boot, main
from irqemu.loader.detect import detect
from irqemu.loader.multiboot import (
    MB_AOUT_KLUDGE,
    MULTIBOOT_MAGIC,
    build_info,
    load_kludge,
    parse_header,
)

IMAGE = FIRMWARE / "images" / "x86_64" / "mb.elf"
ARGS = "console=ttyS0 hello=world"


def qemu_run(kernel: Path, smp: int, memory: int | None) -> tuple[int, list[str]]:
    qemu = need_tool("qemu-system-x86_64", "reference for the multiboot image's output")
    cmd = [qemu, "-M", "pc", "-smp", str(smp), "-kernel", str(kernel), "-append", ARGS,
           "-display", "none", "-serial", "stdio", "-no-reboot",
           "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]
    if memory is not None:
        cmd += ["-m", str(memory)]
    proc = subprocess.run(cmd, capture_output=True, timeout=120, stdin=subprocess.DEVNULL)
    return proc.returncode, proc.stdout.decode().replace("\r", "").splitlines()


def ours(kernel: Path, **kw: object) -> dict:
    return boot(str(kernel), board="pc", max_cycles=None, max_time_ms=200.0,
                engine="native", quantum=10_000, echo=False, **kw)


@pytest.mark.parametrize(("smp", "memory"), [(4, None), (2, 512)])
def test_multiboot_image_matches_qemu_pc(smp: int, memory: int | None) -> None:
    r = ours(IMAGE, smp=smp, memory_mib=memory, append=ARGS)
    status, lines = qemu_run(IMAGE, smp, memory)
    assert r["uart"].splitlines() == lines
    assert lines[0] == f"cmdline: {IMAGE} {ARGS}"
    assert f"cpus: {smp}" in lines
    assert r["stop_reason"] == "exit" and r["exit_status"] == status == (0x10 << 1) | 1


def test_boot_exits_with_qemus_status() -> None:
    assert main(["boot", str(IMAGE), "--smp", "2"]) == 0x21


def kludge_image(*, code: bytes, checksum_ok: bool = True, flags: int = 0x10000,
                 entry_off: int = 32) -> bytes:
    """A flat a.out-kludge image: header at 0 (header_addr = load_addr = 1 MiB)."""
    load = 0x100000
    checksum = -(MULTIBOOT_MAGIC + flags) & 0xFFFFFFFF
    if not checksum_ok:
        checksum ^= 1
    head = struct.pack("<8I", MULTIBOOT_MAGIC, flags, checksum, load, load, 0,
                       load + 0x3000, load + entry_off)
    return head + code


# mov al, 5; out 0xf4, al  (the same bytes in 32-bit protected mode)
EXIT5 = bytes.fromhex("b005e6f4f4")


def test_aout_kludge_image_runs_in_protected_mode(tmp_path: Path) -> None:
    path = tmp_path / "k.bin"
    path.write_bytes(kludge_image(code=EXIT5))
    assert detect(path.read_bytes()) == "multiboot"
    r = ours(path)
    assert (r["stop_reason"], r["exit_code"], r["exit_status"]) == ("exit", 5, 11)
    status, _ = qemu_run(path, 1, None)
    assert status == 11


@pytest.mark.parametrize(("image", "message"), [
    (kludge_image(code=EXIT5, checksum_ok=False), "checksum"),
    (kludge_image(code=EXIT5, flags=0x10004), "requires flags 0x4"),
    (kludge_image(code=EXIT5, entry_off=0x5000), "entry_addr"),
])
def test_malformed_multiboot_is_one_line(tmp_path: Path, image: bytes, message: str) -> None:
    path = tmp_path / "bad.bin"
    path.write_bytes(image)
    with pytest.raises(CliError) as exc:
        ours(path)
    assert message in str(exc.value) and "\n" not in str(exc.value)


def test_multiboot_needs_the_pc() -> None:
    with pytest.raises(CliError, match="boots on the pc"):
        boot(str(IMAGE), board="virt-a53", max_cycles=None, max_time_ms=1.0,
             engine="native", quantum=10_000, echo=False)


def test_info_holds_memory_and_cmdline() -> None:
    info = build_info(0x200000, 64 << 20, b"k a=b")
    flags, lower, upper = struct.unpack_from("<3I", info)
    cmd = struct.unpack_from("<I", info, 16)[0] - 0x200000
    assert (lower, upper) == (640, (64 << 20) // 1024 - 1024)
    assert flags & 0x245 == 0x245
    assert info[cmd:cmd + 6] == b"k a=b\0"
    assert parse_header(kludge_image(code=EXIT5), "x").entry_addr == 0x100020


def test_both_engines_agree_on_a_multiboot_boot() -> None:
    """The determinism contract: all but ``host`` and ``engine`` equal."""
    runs = [boot(str(IMAGE), board=None, max_cycles=None, max_time_ms=200.0, engine=e,
                 quantum=10_000, echo=False, smp=2, append="x")
            for e in ("native", "reference")]
    for r in runs:
        r.pop("host")
        r.pop("engine")
    assert runs[0] == runs[1] and runs[0]["exit_status"] == 0x21


LOADED: list[int] = []  #: examples that loaded (a test below checks there are some)


@settings(max_examples=100, deadline=None, derandomize=True)
@given(header_off=st.integers(0, 8), load=st.integers(0, 0x1000),
       dh=st.integers(-16, 4), deltas=st.lists(st.integers(-8, 0x60), min_size=3, max_size=3),
       body=st.binary(max_size=64))
def test_a_kludge_header_loads_inside_its_own_addresses_or_is_refused(
        header_off: int, load: int, dh: int, deltas: list[int], body: bytes) -> None:
    """Whatever the a.out fields say (each near load_addr, 0 or below it too), loading
    either refuses in one line or puts the header at header_addr, bytes only in
    [load_addr, end), and the entry inside."""
    dl, db, de = deltas
    fields = [max(load + d, 0) for d in (4 * header_off + dh, 0, dl, db, de)]
    flags = MB_AOUT_KLUDGE
    head = struct.pack("<3I5I", MULTIBOOT_MAGIC, flags, -(MULTIBOOT_MAGIC + flags) & 0xFFFFFFFF,
                       *fields)
    data = bytes(4 * header_off) + head + body
    h = parse_header(data, "x")
    try:
        loaded = load_kludge(data, h, "x")
    except ValueError as exc:
        assert "\n" not in str(exc)
        return
    (address, chunk), = loaded.chunks
    assert address == h.load_addr and address + len(chunk) == loaded.end
    assert h.load_addr <= loaded.entry < loaded.end
    at = h.header_addr - h.load_addr  # the header lands at header_addr, when loaded
    if h.load_end_addr == 0 or at + 4 <= h.load_end_addr - h.load_addr:
        assert chunk[at:at + 4] == data[h.offset:h.offset + 4]
    LOADED.append(1)


def test_the_property_saw_loadable_headers() -> None:
    if not LOADED:
        test_a_kludge_header_loads_inside_its_own_addresses_or_is_refused()
    assert len(LOADED) >= 5
