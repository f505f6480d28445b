"""A block with new encodings is decoded by one capstone call, and costs (cycles, count and
the arch's special-instruction calls) what decoding each instruction alone gives."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from irqemu.arch import disasm, get_arch
from irqemu.timing import BlockCoster, load_cost_model

ARCHES = {"armv7": "cortex-a9", "aarch64": "cortex-a53", "x86_64": "skylake"}
# real encodings (so words repeat, as in code): nop-likes, branches, an MPIDR read (mrc,
# special on armv7), Thumb IT blocks (one holding an exception return, ``subs pc, lr, #4``,
# which decodes as ``subseq`` there), x86 sti / out (special) / wrmsr
WORDS = [b"\x08\xbf\xde\xf3\x04\x8f\x00\xbf",
         b"\x00\x00\x00\x00", b"\x1f\x20\x03\xd5", b"\xfe\xff\xff\xea", b"\x00\x00\xa0\xe1",
         b"\xb0\x0f\x10\xee", b"\x08\xbf\x00\xbf", b"\x1c\xbf\x01\x30", b"\xfb\x90\xe6\x80",
         b"\x0f\x30\x90\x90", b"\xff\xff\xff\xff"]


class _Regs:
    """Just enough of a core for arch.disassembler(): ARM or Thumb state."""

    def __init__(self, thumb: bool) -> None:
        self.thumb = thumb

    def reg_read(self, reg: int) -> int:
        return 0x20 if self.thumb else 0  # CPSR.T


class _Recorder:
    """The arch, with its special-instruction calls recorded instead of acted on."""

    def __init__(self, arch: Any) -> None:
        self._arch = arch
        self.calls: list[tuple[int, int, str, str]] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._arch, name)

    def special_instruction(self, core: Any, insn: Any) -> None:
        self.calls.append((insn.address, insn.size, insn.mnemonic, insn.op_str))


def alone_cost(arch: Any, model: Any, regs: Any, code: bytes, address: int
               ) -> tuple[int, int, list[tuple[int, int, str, str]]]:
    """The per-instruction definition: the block's instructions (where capstone finds
    them), each decoded alone, classified and costed; the special ones in order."""
    cs = arch.disassembler(regs)
    cycles = count = 0
    calls = []
    for start, size, _m, _o in list(cs.disasm_lite(code, address)):
        alone = list(cs.disasm(code[start - address:start - address + size], start, 1))
        if not alone or alone[0].size != size:
            break
        insn = alone[0]
        cycles += model.cycles(arch.classify(insn))
        count += 1
        m = insn.mnemonic
        if m.split(".")[0] in arch.special_mnemonics or m[:-2] in arch.special_mnemonics:
            calls.append((insn.address, insn.size, insn.mnemonic, insn.op_str))
    if count == 0 and code:
        return model.cycles("alu"), 1, calls
    return cycles, count, calls


@settings(max_examples=150, derandomize=True, deadline=None)
@given(arch_name=st.sampled_from(sorted(ARCHES)), thumb=st.booleans(),
       blocks=st.lists(st.lists(st.one_of(st.sampled_from(WORDS),
                                          st.binary(min_size=4, max_size=4)),
                                min_size=1, max_size=12), min_size=1, max_size=4))
def test_costs_equal_decoding_each_instruction_alone(arch_name: str, thumb: bool,
                                                     blocks: list[list[bytes]]) -> None:
    """Blocks costed one after another (sharing the encoding cache, each twice: cold, then
    warm) cost exactly what each one's instructions decoded alone cost."""
    arch = _Recorder(get_arch(arch_name))
    model = load_cost_model(ARCHES[arch_name])
    regs = _Regs(thumb and arch_name == "armv7")
    codes = [b"".join(parts) for parts in blocks]
    memory: dict[int, bytes] = {}
    coster = BlockCoster(model, arch, regs, lambda a, n: memory[a][:n])  # type: ignore[arg-type]
    for i, code in enumerate(codes * 2):
        address = 0x1000 + 0x100 * (i % len(codes))
        memory[address] = code
        arch.calls.clear()
        cycles, count = coster.block_info(address, len(code))
        want = alone_cost(arch._arch, model, regs, code, address)
        assert (cycles, count, arch.calls) == want


@pytest.fixture
def decodes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts libcapstone calls (cs_disasm through LibDecoder)."""
    calls: list[int] = []
    real = disasm.LibDecoder._decode

    def counted(self: Any, *args: Any, **kw: Any) -> Any:
        calls.append(1)
        return real(self, *args, **kw)

    monkeypatch.setattr(disasm.LibDecoder, "_decode", counted)
    return calls


@pytest.mark.parametrize("arch_name, words", [
    ("armv7", [b"\x00\x00\xa0\xe1", b"\x01\x10\x81\xe2", b"\x02\x20\x82\xe2",
               b"\x00\x00\xa0\xe1", b"\xfe\xff\xff\xea"]),
    ("aarch64", [b"\x1f\x20\x03\xd5", b"\x21\x04\x00\x91", b"\x42\x08\x00\x91",
                 b"\x1f\x20\x03\xd5", b"\x00\x00\x00\x14"]),
])
def test_a_new_block_is_one_capstone_call(decodes: list[int], arch_name: str,
                                          words: list[bytes]) -> None:
    arch = get_arch(arch_name)
    code = b"".join(words)
    coster = BlockCoster(load_cost_model(ARCHES[arch_name]), arch, _Regs(False),
                         lambda a, n: code[:n])
    assert isinstance(arch.disassembler(_Regs(False)), disasm.LibDecoder)
    coster.block_info(0x1000, len(code))
    assert len(decodes) == 1
    coster.block_info(0x2000, len(code))  # every word known: no capstone at all
    assert len(decodes) == 1
