"""The firmware's IRQ-masked windows, found in its code and timed on an undisturbed run.

A search that draws arrival times uniformly rarely lands an interrupt inside a
short ``cpsid i`` .. ``cpsie i`` window, or just at its edge, where nesting and
masking bugs live (a line raised while masked is taken at the unmask; one
raised just before the mask is taken first). :func:`mask_edges` finds the
instructions that mask and unmask IRQs by disassembling the ELF's loaded
segments with capstone (ARM ``cpsid``/``cpsie`` with ``i``, AArch64 ``msr
daifset``/``daifclr`` with the I bit, x86 ``cli``/``sti``); :func:`windows`
runs the firmware once without interrupts, a code hook on exactly those
addresses recording when each core executes one, and pairs each mask with the
next unmask on the same core: ``(start_ns, end_ns, cpu)``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

MASK, UNMASK = "mask", "unmask"
DAIF_I = 2  #: the I bit of the daifset/daifclr immediate


def _kind(arch: str, mnemonic: str, op_str: str) -> str | None:
    """MASK, UNMASK or None for one decoded instruction."""
    ops = op_str.replace(" ", "").lower()
    if arch == "armv7" and mnemonic.startswith(("cpsid", "cpsie")):
        if "i" in ops.split(",")[0]:
            return MASK if mnemonic.startswith("cpsid") else UNMASK
    elif arch == "aarch64" and mnemonic == "msr" and ops.startswith(("daifset,", "daifclr,")):
        imm = int(ops.split(",#", 1)[1], 0) if ",#" in ops else 0
        if imm & DAIF_I:
            return MASK if ops.startswith("daifset") else UNMASK
    elif arch == "x86_64" and mnemonic in ("cli", "sti"):
        return MASK if mnemonic == "cli" else UNMASK
    return None


def _decoder(arch: str) -> tuple[Any, int]:
    """A capstone handle for the arch's instruction set and its step past a bad word."""
    from irqemu.arch import disasm as d

    if arch == "armv7":
        return d.decoder(d.CS_ARCH_ARM, d.CS_MODE_ARM), 4
    if arch == "aarch64":
        return d.decoder(d.CS_ARCH_ARM64, d.CS_MODE_ARM), 4
    return d.decoder(d.CS_ARCH_X86, d.CS_MODE_64), 1


def _instructions(cs: Any, data: bytes, base: int, step: int) -> Iterator[tuple[int, str, str]]:
    """Every instruction capstone decodes, skipping ``step`` bytes past what it cannot
    (literal pools and data between functions)."""
    off = 0
    while off < len(data):
        last = off
        for insn in cs.disasm(data[off:], base + off):
            yield insn.address, insn.mnemonic, insn.op_str
            last = insn.address - base + insn.size
        off = max(last, off) + (step if last == off or last < len(data) else 0)


def mask_edges(image: Any, arch: str) -> dict[int, str]:
    """{address: MASK or UNMASK} of the instructions in the image that mask or
    unmask IRQs on the running core (ARM state only on armv7)."""
    cs, step = _decoder(arch)
    edges: dict[int, str] = {}
    for seg in image.segments:
        for address, mnemonic, op_str in _instructions(cs, bytes(seg.data), seg.address, step):
            kind = _kind(arch, mnemonic, op_str)
            if kind is not None:
                edges[address] = kind
    return edges


def record_edges(m: Any, edges: dict[int, str]) -> list[tuple[int, int, str]]:
    """Hook each edge address on every core of ``m``: the list fills with
    ``(ps, cpu, MASK or UNMASK)`` as the cores execute them."""
    from irqemu._core.ucconst import UC_HOOK_CODE

    seen: list[tuple[int, int, str]] = []

    def hit(uc: Any, address: int, size: int, cpu: int) -> None:
        seen.append((m.now(cpu), cpu, edges[address]))

    for slot in m.cpus:
        for address in edges:
            slot.core.uc.hook_add(UC_HOOK_CODE, hit, slot.index, address, address)
    return seen


def pair(seen: list[tuple[int, int, str]], end_ps: int) -> list[tuple[int, int, int]]:
    """Masked windows ``(start_ns, end_ns, cpu)``: each core's first mask to its next
    unmask (a window still open at the end closes at ``end_ps``)."""
    open_at: dict[int, int] = {}
    out: list[tuple[int, int, int]] = []
    for ps, cpu, kind in seen:
        if kind == MASK and cpu not in open_at:
            open_at[cpu] = ps
        elif kind == UNMASK and cpu in open_at:
            out.append((open_at.pop(cpu) // 1000, ps // 1000, cpu))
    out.extend((ps // 1000, end_ps // 1000, cpu) for cpu, ps in open_at.items())
    return sorted(out)


__all__ = ["MASK", "UNMASK", "mask_edges", "pair", "record_edges"]
