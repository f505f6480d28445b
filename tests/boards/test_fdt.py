"""The boards' device trees: dtc reads them cleanly, they describe the board as built
(addresses and interrupt lines checked against the machine itself), virt's matches QEMU's
dumpdtb, and a user's DTB is checked before it is loaded."""

from __future__ import annotations

import struct
import subprocess
from pathlib import Path
from typing import Any

import pytest
from helpers import need_tool
from hypothesis import given, settings
from hypothesis import strategies as st

from irqemu.arch.aarch64 import TIMER_DEVICE
from irqemu.boards import build_board
from irqemu.boards.fdt import FDT_MAGIC, board_dtb, check_dtb, elf_dtb_address, parse

GICD_ISPENDR = 0x200


def tree(board: str, cpus: int = 4, mib: int = 256, **kw: Any) -> Any:
    return parse(board_dtb(board, num_cpus=cpus, memory_mib=mib, **kw))


def words(t: Any, path: str, name: str) -> list[int]:
    return list(t.get_property(name, path).data)


def strings(t: Any, path: str, name: str) -> list[str]:
    return list(t.get_property(name, path).data)


def pairs(cells: list[int], address_cells: int, size_cells: int) -> list[tuple[int, int]]:
    """A reg property's (address, size) pairs."""
    step, out = address_cells + size_cells, []
    for i in range(0, len(cells), step):
        a = cells[i:i + address_cells]
        s = cells[i + address_cells:i + step]
        out.append((sum(v << 32 * (len(a) - 1 - j) for j, v in enumerate(a)),
                    sum(v << 32 * (len(s) - 1 - j) for j, v in enumerate(s))))
    return out


def specifiers(cells: list[int]) -> list[int]:
    """GIC interrupt IDs of a 3-cell interrupts property (SPI n -> 32 + n, PPI n -> 16 + n)."""
    return [(32 if cells[i] == 0 else 16) + cells[i + 1] for i in range(0, len(cells), 3)]


def device_spanning(m: Any, base: int, size: int) -> Any:
    """The device that decodes all of [base, base + size), or fail."""
    first, _ = m.device_at(base)
    last, _ = m.device_at(base + size - 1)
    assert first is last, f"{base:#x}+{size:#x} spans two devices"
    return first


def pending(m: Any, gicd: int, irq_id: int, cpu: int = 0) -> bool:
    """GICD_ISPENDRn bit of ``irq_id`` as ``cpu`` reads it (PPIs are banked)."""
    word = m.mmio_read(cpu, gicd + GICD_ISPENDR + 4 * (irq_id // 32), 4)
    return bool(word >> (irq_id % 32) & 1)


# -- dtc --------------------------------------------------------------------

@pytest.mark.parametrize("board,cpus", [("virt-a53", 1), ("virt-a53", 4), ("virt-a53", 8),
                                        ("imx6q", 1), ("imx6q", 4)])
def test_dtc_decompiles_without_warnings(board: str, cpus: int, tmp_path: Path) -> None:
    dtc = need_tool("dtc", "Debian's device-tree-compiler checks the generated trees")
    blob = tmp_path / "board.dtb"
    blob.write_bytes(board_dtb(board, num_cpus=cpus, memory_mib=512, bootargs="console=x y=1"))
    # the default checks, and two that are off by default
    strict = ["-Wunique_unit_address", "-Wavoid_unnecessary_addr_size"]
    out = subprocess.run([dtc, *strict, "-I", "dtb", "-O", "dts", "-o", str(tmp_path / "b.dts"),
                          str(blob)], capture_output=True, text=True, check=False)
    assert out.returncode == 0 and out.stderr == "", out.stderr
    # and it compiles back to a tree with the same nodes and properties
    again = subprocess.run([dtc, "-I", "dts", "-O", "dtb", str(tmp_path / "b.dts")],
                           capture_output=True, check=True).stdout
    assert parse(again).to_dts() == parse(blob.read_bytes()).to_dts()


# -- virt-a53 against the board as built ------------------------------------

@pytest.mark.parametrize("cpus", [1, 3])
def test_virt_tree_describes_the_board(engine: str, cpus: int) -> None:
    m = build_board("virt-a53", engine=engine, num_cpus=cpus, ram_size=384 << 20)
    t = tree("virt-a53", cpus, 384)
    (ram_base, ram_size), = pairs(words(t, "/memory@40000000", "reg"), 2, 2)
    assert (ram_size, m.has_memory(ram_base, ram_size)) == (384 << 20, True)
    assert not m.has_memory(ram_base + ram_size, 1)

    cpu_nodes = [n for n in t.get_node("/cpus").nodes if n.name.startswith("cpu@")]
    assert [words(t, f"/cpus/{n.name}", "reg")[0] for n in cpu_nodes] == list(range(cpus))
    assert len(m.cpus) == cpus
    methods = [n.get_property("enable-method") for n in cpu_nodes]
    assert [m and list(m.data) for m in methods] == [["psci"] if cpus > 1 else None] * cpus

    gic_path = "/" + next(n.name for n in t.root.nodes if n.name.startswith("intc@"))
    (gicd, gicd_size), (gicc, gicc_size) = pairs(words(t, gic_path, "reg"), 2, 2)
    assert device_spanning(m, gicd, gicd_size) is m.irq_controller.distributor
    assert device_spanning(m, gicc, gicc_size) is m.irq_controller.cpu_interface
    assert words(t, gic_path, "#interrupt-cells") == [3]
    assert t.get_property("interrupt-controller", gic_path) is not None

    uart = m.devices["uart0"]
    (ubase, usize), = pairs(words(t, "/pl011@9000000", "reg"), 2, 2)
    assert device_spanning(m, ubase, usize) is uart
    assert strings(t, "/chosen", "stdout-path") == ["/pl011@9000000"]
    uart_irq, = specifiers(words(t, "/pl011@9000000", "interrupts"))
    assert not pending(m, gicd, uart_irq)
    uart.irq.set(True)
    assert pending(m, gicd, uart_irq)

    # the timer's non-secure physical and virtual PPIs (binding slots 1 and 2) are the
    # lines the board wires from each core's timer; the CPU mask names every core
    timer = words(t, "/timer", "interrupts")
    _, phys, virt, _ = specifiers(timer)
    assert {timer[i + 2] >> 8 for i in range(0, 12, 3)} == {(1 << cpus) - 1}
    gt = m.devices[TIMER_DEVICE]
    for cpu in range(cpus):
        for lines, ppi in ((gt.phys_irqs, phys), (gt.virt_irqs, virt)):
            assert not pending(m, gicd, ppi, cpu)
            lines[cpu].set(True)
            assert pending(m, gicd, ppi, cpu)
            assert all(not pending(m, gicd, ppi, other) for other in range(cpus) if other != cpu)
            lines[cpu].set(False)


def test_virt_psci_conduit_is_the_one_the_board_answers() -> None:
    """PSCI_VERSION through the DT's conduit returns 1.1 on the board as built."""
    t = tree("virt-a53", 1)
    method, = strings(t, "/psci", "method")
    insn = {"hvc": 0xD4000002, "smc": 0xD4000003}[method]
    m = build_board("virt-a53", engine="reference", num_cpus=1)
    code = struct.pack("<4I", 0x52800000, 0x72B08000, insn, 0x14000000)  # w0=0x84000000; b .
    (base, _), = pairs(words(t, "/memory@40000000", "reg"), 2, 2)
    m.mem_write(base, code)
    m.release_cpu(0, base)
    m.run(max_cycles=200)
    from unicorn.arm64_const import UC_ARM64_REG_X0
    assert m.cpus[0].core.reg_read(UC_ARM64_REG_X0) == 0x00010001


@settings(max_examples=20)
@given(cpus=st.integers(1, 8), mib=st.integers(1, 4096),
       args=st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=40))
def test_virt_tree_follows_the_arguments(cpus: int, mib: int, args: str) -> None:
    t = tree("virt-a53", cpus, mib, bootargs=args)
    assert pairs(words(t, "/memory@40000000", "reg"), 2, 2) == [(0x40000000, mib << 20)]
    assert len([n for n in t.get_node("/cpus").nodes if n.name.startswith("cpu@")]) == cpus
    chosen = t.get_node("/chosen")
    bootargs = chosen.get_property("bootargs")
    assert (list(bootargs.data) if args else bootargs) == ([args] if args else None)
    assert strings(t, "/chosen", "stdout-path") == ["/pl011@9000000"]
    other = tree("virt-a53", cpus, mib, stdout_path="serial0:115200n8")
    assert strings(other, "/chosen", "stdout-path") == ["serial0:115200n8"]


# -- virt-a53 against QEMU's own tree ----------------------------------------

#: properties whose values are phandles (QEMU numbers its own) or host randomness
PHANDLE_PROPS = {"phandle", "interrupt-parent", "clocks", "cpu"}
QEMU_ONLY_PROPS = {"rng-seed", "kaslr-seed"}
#: documented in docs/boards.md: irqemu describes the 4 KiB GICv2 frames it maps,
#: QEMU the 64 KiB windows of its memory map
KNOWN_DIFFERENCES = {("/intc@8000000", "reg")}


def _qemu_tree(tmp_path: Path, cpus: int, mib: int, bootargs: str) -> Any:
    qemu = need_tool("qemu-system-aarch64", "QEMU's virt dumpdtb is the reference tree")
    out = tmp_path / f"qemu-{cpus}.dtb"
    kernel: list[str] = []
    if bootargs:  # QEMU takes -append only with a -kernel: one branch-to-self
        (tmp_path / "k.bin").write_bytes(struct.pack("<I", 0x14000000))
        kernel = ["-kernel", str(tmp_path / "k.bin"), "-append", bootargs]
    subprocess.run([qemu, "-M", f"virt,gic-version=2,dumpdtb={out}", "-cpu", "cortex-a53",
                    "-smp", str(cpus), "-m", str(mib), "-nographic", *kernel],
                   capture_output=True, check=True, timeout=60)
    return parse(out.read_bytes())


def _props(t: Any) -> dict[tuple[str, str], Any]:
    out = {}
    for path, _nodes, props in t.walk():
        for p in props:
            out[(path.rstrip("/") or "/", p.name)] = p
    return out


@pytest.mark.parametrize("cpus,mib,bootargs", [(1, 128, ""), (4, 256, ""), (8, 1024, ""),
                                               (2, 512, "console=ttyAMA0 root=/dev/vda rw")])
def test_virt_matches_qemu_dumpdtb(tmp_path: Path, cpus: int, mib: int, bootargs: str) -> None:
    ours = _props(tree("virt-a53", cpus, mib, bootargs=bootargs))
    theirs = _props(_qemu_tree(tmp_path, cpus, mib, bootargs))
    assert (("/chosen", "bootargs") in theirs) == bool(bootargs)
    shared = set(ours) & set(theirs)
    # every node irqemu describes is one QEMU has, with the same properties
    assert {path for path, _ in ours} <= {path for path, _ in theirs}
    assert set(ours) - set(theirs) == set()
    compared = 0
    for key in sorted(shared):
        if key[1] in PHANDLE_PROPS or key in KNOWN_DIFFERENCES:
            continue
        assert ours[key] == theirs[key], key
        compared += 1
    assert compared > 30
    # the known difference: same frame bases, smaller sizes inside QEMU's windows
    gic = ("/intc@8000000", "reg")
    a, b = pairs(list(ours[gic].data), 2, 2), pairs(list(theirs[gic].data), 2, 2)
    assert [x for x, _ in a] == [x for x, _ in b]
    assert all(s1 <= s2 for (_, s1), (_, s2) in zip(a, b, strict=True))
    # phandle references point at the same kind of node in both trees
    for t in (ours, theirs):
        pclk = t[("/apb-pclk", "phandle")].data[0]
        assert list(t[("/pl011@9000000", "clocks")].data) == [pclk, pclk]


# -- imx6q against the board as built ----------------------------------------

def test_imx6q_tree_describes_the_board(engine: str) -> None:
    m = build_board("imx6q", engine=engine, num_cpus=2, ram_size=512 << 20)
    t = tree("imx6q", 2, 512)
    (ram_base, ram_size), = pairs(words(t, "/memory@10000000", "reg"), 1, 1)
    assert ram_size == 512 << 20 and m.has_memory(ram_base, ram_size)
    assert not m.has_memory(ram_base + ram_size, 1)
    cpus = [n for n in t.get_node("/cpus").nodes if n.name.startswith("cpu@")]
    assert len(cpus) == 2 == len(m.cpus)
    assert all(n.get_property("enable-method") is None for n in cpus)  # imx6q.dtsi: none

    soc = "/soc"
    gic = f"{soc}/interrupt-controller@a01000"
    (gicd, dsize), (gicc, csize) = pairs(words(t, gic, "reg"), 1, 1)
    assert device_spanning(m, gicd, dsize) is m.irq_controller.distributor
    assert device_spanning(m, gicc, csize) is m.irq_controller.cpu_interface

    uart = f"{soc}/bus@2000000/spba-bus@2000000/serial@2020000"
    assert strings(t, "/chosen", "stdout-path") == [uart]
    assert strings(t, "/aliases", "serial0") == [uart]
    devices = {  # node -> (device name, its interrupt lines in the DT's order)
        uart: ("uart1", lambda d: [d.irq]),
        f"{soc}/bus@2000000/timer@2098000": ("gpt", lambda d: [d.irq]),
        f"{soc}/bus@2100000/ethernet@2188000": ("fec", lambda d: [d.irq, d.irq_1588]),
        f"{soc}/bus@2000000/reset-controller@20d8000": ("src", lambda d: []),
        f"{soc}/scu@a00000": ("scu", lambda d: []),
    }
    for path, (name, lines) in devices.items():
        (base, size), = pairs(words(t, path, "reg"), 1, 1)
        dev = device_spanning(m, base, size)
        assert dev is m.devices[name], path
        prop = t.get_property("interrupts", path)
        ids = specifiers(list(prop.data)) if prop is not None else []
        assert len(ids) == len(lines(dev)), path
        for irq_id, line in zip(ids, lines(dev), strict=True):
            assert not pending(m, gicd, irq_id)
            line.set(True)
            assert pending(m, gicd, irq_id), (path, irq_id)
            line.set(False)
    clocks = {words(t, f"/clocks/{n.name}", "phandle")[0]:
              words(t, f"/clocks/{n.name}", "clock-frequency")[0]
              for n in t.get_node("/clocks").nodes}
    for path, name in ((f"{soc}/timer@a00600", "twd"), (f"{soc}/timer@a00200", "gtimer")):
        (base, size), = pairs(words(t, path, "reg"), 1, 1)
        dev = device_spanning(m, base, size)
        assert dev is m.devices[name]
        assert clocks[words(t, path, "clocks")[0]] == dev.hz  # the rate the timer counts at
        cells = words(t, path, "interrupts")
        ppi, = specifiers(cells)
        assert cells[2] >> 8 == 0b11  # both CPUs
        for cpu in range(2):
            dev.irqs[cpu].set(True)
            dev.irqs[cpu].set(False)
            assert pending(m, gicd, ppi, cpu), (path, cpu)


def test_imx6q_timer_clock_follows_the_cores_clock() -> None:
    from irqemu.timing import load_cost_model

    model = load_cost_model("cortex-a9")
    model.hz = 1_000_000_000  # as a --cost-model file with another clock would set it
    m = build_board("imx6q", engine="reference", num_cpus=1, cost_model=model)
    t = tree("imx6q", 1, 256, cpu_hz=m.cpus[0].clock.hz)
    assert words(t, "/clocks/periphclk", "clock-frequency") == [m.devices["twd"].hz]
    assert m.devices["twd"].hz == 500_000_000


def test_imx6q_memory_and_cpus_follow_the_arguments() -> None:
    for cpus in range(1, 5):
        t = tree("imx6q", cpus, 2048)
        assert pairs(words(t, "/memory@10000000", "reg"), 1, 1) == [(0x10000000, 2048 << 20)]
        assert len(t.get_node("/cpus").nodes) == cpus
    with pytest.raises(ValueError, match="1 to 4 CPUs"):
        board_dtb("imx6q", num_cpus=5, memory_mib=256)
    with pytest.raises(ValueError, match="4 GiB"):
        board_dtb("imx6q", num_cpus=1, memory_mib=4096)
    with pytest.raises(ValueError, match="no device tree"):
        board_dtb("pc", num_cpus=1, memory_mib=256)
    with pytest.raises(ValueError, match="printable ASCII"):
        board_dtb("imx6q", num_cpus=1, memory_mib=256, bootargs="caf\u00e9")


# -- a user's DTB ------------------------------------------------------------

def _header(blob: bytes, field: int, value: int) -> bytes:
    return blob[:4 * field] + struct.pack(">I", value) + blob[4 * field + 4:]


def test_check_dtb_accepts_trees_and_names_what_is_wrong() -> None:
    good = board_dtb("virt-a53", num_cpus=2, memory_mib=128)
    assert check_dtb(good + b"\0" * 64) == good  # trailing bytes past totalsize are dropped
    cases = [
        (good[:20], "shorter than a device-tree header"),
        (_header(good, 0, 0x7F454C46), "bad magic"),
        (_header(good, 5, 1), "version 1"),
        (_header(good, 1, len(good) + 4), "totalsize"),
        (_header(good, 2, len(good) - 8), "structure block"),
        (_header(good, 3, len(good) + 100), "strings block"),
    ]
    for blob, message in cases:
        with pytest.raises(ValueError, match=message) as info:
            check_dtb(blob)
        assert "\n" not in str(info.value)
    assert struct.unpack_from(">I", good)[0] == FDT_MAGIC


@settings(max_examples=60, deadline=None)  # fdt's parser is slow on some corruptions
@given(data=st.data())
def test_check_dtb_never_fails_other_than_one_line(data: st.DataObject) -> None:
    good = bytearray(board_dtb("imx6q", num_cpus=1, memory_mib=64))
    for _ in range(data.draw(st.integers(1, 4))):
        i = data.draw(st.integers(0, len(good) - 1))
        good[i] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(0, len(good)))
    try:
        out = check_dtb(bytes(good[:cut]))
    except ValueError as exc:
        assert "\n" not in str(exc)
    else:
        parse(out)


def test_elf_dtb_address_is_qemus_rule() -> None:
    assert elf_dtb_address("virt-a53", 0x40100000, 0x40200000, 0x1000) == 0x40000000
    assert elf_dtb_address("imx6q", 0x900000, 0x940000, 0x1000) == 0x10000000
    with pytest.raises(ValueError, match="no room"):
        elf_dtb_address("virt-a53", 0x40000800, 0x40200000, 0x1000)
    with pytest.raises(ValueError, match="base of RAM"):
        elf_dtb_address("virt-a53", 0x40000000, 0x40200000, 0x1000)
    with pytest.raises(ValueError, match="no device tree"):
        elf_dtb_address("pc", 0x100000, 0x200000, 0x1000)


def test_parsing_a_reserve_map_does_not_leak_into_later_trees() -> None:
    """fdt 0.3.3 keeps parsed reserve entries in a shared default list; parse() empties it."""
    good = board_dtb("virt-a53", num_cpus=1, memory_mib=64)
    off = struct.unpack_from(">I", good, 16)[0]  # off_mem_rsvmap: one (0, 0) terminator
    grown = bytearray(good[:off] + struct.pack(">QQ", 0x48000000, 0x1000) + good[off:])
    for field in (1, 2, 3):  # totalsize, off_dt_struct, off_dt_strings move by 16
        struct.pack_into(">I", grown, 4 * field, struct.unpack_from(">I", grown, 4 * field)[0] + 16)
    assert parse(bytes(grown)).entries == [{"address": 0x48000000, "size": 0x1000}]
    assert board_dtb("virt-a53", num_cpus=1, memory_mib=64) == good
