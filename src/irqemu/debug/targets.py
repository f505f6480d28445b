"""What gdb sees of each architecture's core: registers in the remote order, and the
target description (``target.xml``) naming them as gdb's own feature files do.

The register names and feature names are gdb's (gdb/features: ``org.gnu.gdb.arm.core``,
``org.gnu.gdb.aarch64.core``, ``org.gnu.gdb.i386.core`` and ``.sse``), so gdb
recognises the architecture; a register's remote number is its place in the list.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from unicorn import arm64_const as A64
from unicorn import arm_const as A32
from unicorn import x86_const as X


@dataclass(frozen=True)
class Reg:
    """One register as gdb numbers it: name, width in bits, gdb type, feature, and the
    Unicorn register it reads (None: the core has no such state, it reads 0)."""

    name: str
    bits: int
    uc_reg: int | None
    type: str = "int"
    feature: str = "core"


@dataclass(frozen=True)
class Target:
    """An architecture as gdb sees it: its ``<architecture>``, registers and features."""

    gdb_arch: str
    regs: tuple[Reg, ...]
    features: tuple[tuple[str, str], ...]  #: (short name, gdb feature name)
    types: tuple[tuple[str, str], ...] = ()  #: (short name, type definitions it uses)
    pc: str = "pc"  #: the name of the program counter among ``regs``

    def index(self, name: str) -> int:
        return next(i for i, r in enumerate(self.regs) if r.name == name)

    def xml(self) -> str:
        """The target description gdb reads with qXfer:features:read:target.xml."""
        out = ['<?xml version="1.0"?>', '<!DOCTYPE target SYSTEM "gdb-target.dtd">',
               "<target>", f"  <architecture>{self.gdb_arch}</architecture>"]
        for short, name in self.features:
            out.append(f'  <feature name="{name}">')
            out += [xml for where, xml in self.types if where == short]
            for r in self.regs:
                if r.feature == short:
                    out.append(f'    <reg name="{r.name}" bitsize="{r.bits}" type="{r.type}"/>')
            out.append("  </feature>")
        out.append("</target>")
        return "\n".join(line for line in out if line) + "\n"


def _arm() -> Target:
    regs = [Reg(f"r{i}", 32, getattr(A32, f"UC_ARM_REG_R{i}"), "uint32") for i in range(13)]
    regs += [Reg("sp", 32, A32.UC_ARM_REG_SP, "data_ptr"), Reg("lr", 32, A32.UC_ARM_REG_LR),
             Reg("pc", 32, A32.UC_ARM_REG_PC, "code_ptr"), Reg("cpsr", 32, A32.UC_ARM_REG_CPSR)]
    return Target("arm", tuple(regs), (("core", "org.gnu.gdb.arm.core"),))


def _aarch64() -> Target:
    regs = [Reg(f"x{i}", 64, getattr(A64, f"UC_ARM64_REG_X{i}"), "int") for i in range(31)]
    regs += [Reg("sp", 64, A64.UC_ARM64_REG_SP, "data_ptr"),
             Reg("pc", 64, A64.UC_ARM64_REG_PC, "code_ptr"),
             # gdb names PSTATE's AArch64 view "cpsr" (32 bits: NZCV, DAIF, EL, SP)
             Reg("cpsr", 32, A64.UC_ARM64_REG_PSTATE, "int")]
    return Target("aarch64", tuple(regs), (("core", "org.gnu.gdb.aarch64.core"),))


_X86_GPRS = ("rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp",
             "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15")
_X86_SEGS = ("cs", "ss", "ds", "es", "fs", "gs")
# the x87 control registers in gdb's order, and what Unicorn keeps of each
_X87_CTRL = (("fctrl", X.UC_X86_REG_FPCW), ("fstat", X.UC_X86_REG_FPSW),
             ("ftag", X.UC_X86_REG_FPTAG), ("fiseg", X.UC_X86_REG_FCS),
             ("fioff", X.UC_X86_REG_FIP), ("foseg", X.UC_X86_REG_FDS),
             ("fooff", X.UC_X86_REG_FDP), ("fop", X.UC_X86_REG_FOP))
_VEC128 = """\
    <vector id="v8bf16" type="bfloat16" count="8"/>
    <vector id="v4f" type="ieee_single" count="4"/>
    <vector id="v2d" type="ieee_double" count="2"/>
    <vector id="v16i8" type="int8" count="16"/>
    <vector id="v8i16" type="int16" count="8"/>
    <vector id="v4i32" type="int32" count="4"/>
    <vector id="v2i64" type="int64" count="2"/>
    <union id="vec128">
      <field name="v8_bfloat16" type="v8bf16"/>
      <field name="v4_float" type="v4f"/>
      <field name="v2_double" type="v2d"/>
      <field name="v16_int8" type="v16i8"/>
      <field name="v8_int16" type="v8i16"/>
      <field name="v4_int32" type="v4i32"/>
      <field name="v2_int64" type="v2i64"/>
      <field name="uint128" type="uint128"/>
    </union>"""


def _x86_64() -> Target:
    regs = [Reg(n, 64, getattr(X, f"UC_X86_REG_{n.upper()}"),
                "data_ptr" if n in ("rbp", "rsp") else "int64") for n in _X86_GPRS]
    regs += [Reg("rip", 64, X.UC_X86_REG_RIP, "code_ptr"),
             Reg("eflags", 32, X.UC_X86_REG_EFLAGS, "int32")]
    regs += [Reg(n, 32, getattr(X, f"UC_X86_REG_{n.upper()}"), "int32") for n in _X86_SEGS]
    regs += [Reg(f"st{i}", 80, X.UC_X86_REG_FP0 + i, "i387_ext") for i in range(8)]
    regs += [Reg(n, 32, r, "int") for n, r in _X87_CTRL]
    regs += [Reg(f"xmm{i}", 128, X.UC_X86_REG_XMM0 + i, "vec128", "sse") for i in range(16)]
    regs += [Reg("mxcsr", 32, X.UC_X86_REG_MXCSR, "int", "sse")]
    return Target("i386:x86-64", tuple(regs),
                  (("core", "org.gnu.gdb.i386.core"), ("sse", "org.gnu.gdb.i386.sse")),
                  types=(("sse", _VEC128),), pc="rip")


#: irqemu's arch name -> what gdb sees of its cores
TARGETS = {"armv7": _arm, "aarch64": _aarch64, "x86_64": _x86_64}


def target_for(arch_name: str) -> Target:
    """The gdb view of ``irqemu.arch``'s architecture ``arch_name``."""
    try:
        return TARGETS[arch_name]()
    except KeyError:
        raise ValueError(f"no gdb target description for architecture {arch_name}") from None


def read_reg(uc: Any, target: Target, index: int) -> bytes:
    """Register ``index`` of ``uc`` as gdb's packet carries it (target byte order:
    little-endian on every supported arch)."""
    reg = target.regs[index]
    size = reg.bits // 8
    if reg.uc_reg is None:
        return bytes(size)
    value = uc.reg_read(reg.uc_reg)
    if isinstance(value, tuple):  # x87: (64-bit mantissa, 16-bit sign and exponent)
        mantissa, exponent = value
        return mantissa.to_bytes(8, "little") + (exponent & 0xFFFF).to_bytes(2, "little")
    return (int(value) & ((1 << reg.bits) - 1)).to_bytes(size, "little")


def write_reg(uc: Any, target: Target, index: int, data: bytes) -> None:
    """Write register ``index`` from gdb's bytes. An ARM pc write keeps the core's
    instruction set (Unicorn takes bit 0 of a pc write as the Thumb bit)."""
    reg = target.regs[index]
    if len(data) != reg.bits // 8:
        raise ValueError(f"{reg.name} is {reg.bits // 8} bytes, not {len(data)}")
    if reg.uc_reg is None:
        return
    if reg.bits == 80:
        uc.reg_write(reg.uc_reg, (int.from_bytes(data[:8], "little"),
                                  int.from_bytes(data[8:], "little")))
        return
    value = int.from_bytes(data, "little")
    if reg.uc_reg == A32.UC_ARM_REG_PC and target.gdb_arch == "arm":
        value = (value & ~1) | ((uc.reg_read(A32.UC_ARM_REG_CPSR) >> 5) & 1)
    uc.reg_write(reg.uc_reg, value)
