"""The block coster's encoding cache gives exactly what decoding every instruction gives."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from irqemu.arch import get_arch
from irqemu.timing import BlockCoster, load_cost_model

ARCHES = {"armv7": "cortex-a9", "aarch64": "cortex-a53", "x86_64": "skylake"}


class _Regs:
    """Just enough of a core for arch.disassembler(): ARM or Thumb state."""

    def __init__(self, thumb: bool) -> None:
        self.thumb = thumb

    def reg_read(self, reg: int) -> int:
        return 0x20 if self.thumb else 0  # CPSR.T


def reference_cost(arch: Any, model: Any, regs: Any, code: bytes, address: int
                   ) -> tuple[int, int]:
    """The plain definition: decode every instruction in full and add its class cost."""
    cs = arch.disassembler(regs)
    cycles = count = 0
    for insn in cs.disasm(code, address):
        cycles += model.cycles(arch.classify(insn))
        count += 1
    if count == 0 and code:
        return model.cycles("alu"), 1
    return cycles, count


# A few real encodings (so blocks repeat words, as code does) plus random bytes.
WORDS = [b"\x00\x00\x00\x00", b"\x1f\x20\x03\xd5", b"\xfe\xff\xff\xea", b"\x00\x00\xa0\xe1",
         b"\x90\x90\x90\x90", b"\xf0\x0f\xc1\x07", b"\xff\xff\xff\xff"]


@settings(max_examples=300)
@given(arch_name=st.sampled_from(sorted(ARCHES)), thumb=st.booleans(),
       parts=st.lists(st.one_of(st.sampled_from(WORDS), st.binary(min_size=4, max_size=4)),
                      min_size=1, max_size=24))
def test_cached_costing_equals_full_decoding(arch_name: str, thumb: bool,
                                             parts: list[bytes]) -> None:
    arch = get_arch(arch_name)
    model = load_cost_model(ARCHES[arch_name])
    regs = _Regs(thumb and arch_name == "armv7")
    code = b"".join(parts)
    coster = BlockCoster(model, arch, regs, lambda a, n: code[:n])
    for _ in range(2):  # cold, then warm cache
        assert coster.block_info(0x1000, len(code)) == \
            reference_cost(arch, model, regs, code, 0x1000)
