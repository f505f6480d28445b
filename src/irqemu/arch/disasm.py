"""Capstone for the arch code, loaded only as far as a run needs it.

Block costing and PC descriptions need an instruction's size, mnemonic and
operand text; an ARM Data Abort needs its memory operand. :func:`decoder`
gives a handle with exactly that, through libcapstone's C API (the library in
the capstone wheel, called with ctypes), so a boot never imports the capstone
package, whose import builds the bindings of all eighteen architectures (about
a quarter of a boot's host instructions). Anything else (x86 operand details)
gets the package from :func:`capstone_module`, imported on first call. The
text and operands are the package's own: the same library, the same calls.
"""

from __future__ import annotations

import ctypes
import os
import struct
from collections.abc import Iterator
from functools import cache

TYPE_CHECKING = False  # True for mypy; typing is not imported at run time (start-up)
if TYPE_CHECKING:
    from typing import Any

# capstone.h (v5): the values the capstone package names CS_ARCH_*, CS_MODE_*, ...
CS_ARCH_ARM, CS_ARCH_ARM64, CS_ARCH_X86 = 0, 1, 3
CS_MODE_ARM, CS_MODE_THUMB, CS_MODE_64 = 0, 1 << 4, 1 << 3
CS_OPT_DETAIL, CS_OPT_OFF, CS_OPT_ON = 2, 0, 3
CS_ERR_OK = 0
CS_SUPPORT_DIET = 0xFFFF + 1
CS_API = (5, 0)  #: the API whose struct layouts the offsets below are

# capstone/arm.h: ARM_OP_MEM and the core registers (capstone.arm.ARM_REG_*)
ARM_OP_MEM = 3
ARM_REG_R0 = 66  #: R0..R12 are 66..78
ARM_REG_LR, ARM_REG_PC, ARM_REG_SP = 10, 11, 12

# Struct layouts of that API on LP64 (tests/arch/test_disasm.py checks them against the
# capstone package's ctypes declarations): cs_insn, cs_detail, cs_arm, cs_arm_op.
INSN_SIZE = 248
INSN_ADDRESS, INSN_SIZE_FIELD, INSN_MNEMONIC, INSN_OP_STR, INSN_DETAIL = 8, 16, 42, 74, 240
MNEMONIC_LEN, OP_STR_LEN = 32, 160
DETAIL_ARCH = 96  #: offset of the per-arch union in cs_detail
ARM_OP_COUNT, ARM_OPERANDS = 32, 40  #: in cs_arm
ARM_OP_SIZE, ARM_OP_TYPE, ARM_OP_MEM_FIELDS = 48, 12, 16  #: cs_arm_op; mem: base, index,
ARM_MAX_OPERANDS = 36  #:                                    scale, disp


_ADDRESS_SIZE = struct.Struct("<QH").unpack_from  #: cs_insn's address and size


class Insn:
    """One decoded instruction: what costing and messages read (capstone's lite form).
    A plain class: a NamedTuple costs this module's import a millisecond."""

    __slots__ = ("address", "size", "mnemonic", "op_str")

    def __init__(self, address: int, size: int, mnemonic: str, op_str: str) -> None:
        self.address = address
        self.size = size
        self.mnemonic = mnemonic
        self.op_str = op_str

    def __repr__(self) -> str:
        return (f"Insn(address={self.address:#x}, size={self.size}, "
                f"mnemonic={self.mnemonic!r}, op_str={self.op_str!r})")


#: an ARM memory operand: capstone register ids of base and index, and displacement
MemOperand = tuple[int, int, int]


@cache
def capstone_module() -> Any:
    """The capstone package, imported on first call (x86 operand details need it)."""
    import capstone

    return capstone


def decoder(arch: int, mode: int, detail: bool = False) -> Any:
    """A handle for ``arch``/``mode`` (CS_ARCH_*, CS_MODE_*), with capstone's detail
    option as given: :class:`LibDecoder` when the wheel's libcapstone has the layout
    this module reads, else :class:`PackageDecoder` (the same answers, slower to load)."""
    lib = _library()
    if lib is None:
        return PackageDecoder(arch, mode, detail)
    return LibDecoder(lib, arch, mode, detail)


@cache
def _library() -> Any:
    """libcapstone as the capstone package would load it (LIBCAPSTONE_PATH, then the
    package's lib directory), or None if it is elsewhere or another API version."""
    from importlib.util import find_spec

    dirs = [os.environ.get("LIBCAPSTONE_PATH")]
    spec = find_spec("capstone")
    if spec is not None and spec.submodule_search_locations:
        dirs += [os.path.join(d, "lib") for d in spec.submodule_search_locations]
    for d in dirs:
        path = os.path.join(d, "libcapstone.so") if d else None
        if path and os.path.exists(path):
            break
    else:
        return None
    lib = ctypes.CDLL(path, mode=getattr(os, "RTLD_DEEPBIND", 0))
    major, minor = ctypes.c_int(), ctypes.c_int()
    lib.cs_version(ctypes.byref(major), ctypes.byref(minor))
    lib.cs_support.restype = ctypes.c_bool
    if (major.value, minor.value) != CS_API or lib.cs_support(CS_SUPPORT_DIET):
        return None
    lib.cs_open.argtypes = [ctypes.c_uint, ctypes.c_uint, ctypes.POINTER(ctypes.c_size_t)]
    lib.cs_option.argtypes = [ctypes.c_size_t, ctypes.c_int, ctypes.c_size_t]
    lib.cs_disasm.restype = ctypes.c_size_t
    lib.cs_disasm.argtypes = [ctypes.c_size_t, ctypes.c_char_p, ctypes.c_size_t,
                              ctypes.c_uint64, ctypes.c_size_t,
                              ctypes.POINTER(ctypes.c_void_p)]
    lib.cs_free.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
    lib.cs_errno.argtypes = [ctypes.c_size_t]
    return lib


def _cs_error(status: int) -> Exception:
    """The package's own exception for a failed call."""
    return capstone_module().CsError(status)  # type: ignore[no-any-return]


class LibDecoder:
    """A capstone handle through libcapstone's C API.

    Instructions' text comes from a handle without capstone's detail option (the same
    text; filling in the operands costs capstone about a tenth more per instruction),
    the operands of ``detail`` from a second handle with it, opened at first use."""

    def __init__(self, lib: Any, arch: int, mode: int, detail: bool) -> None:
        self._lib = lib
        self.arch, self.mode, self.detail = arch, mode, detail
        self._handles: list[Any] = []  # each cs_open's csh, for cs_close
        self._h = self._open(False)
        self._hd = 0  #: the handle with detail, once opened
        self._out = ctypes.c_void_p()  # cs_disasm's cs_insn array (one object, reused)
        self._out_ref = ctypes.byref(self._out)

    def _open(self, detail: bool) -> int:
        csh = ctypes.c_size_t()
        status = self._lib.cs_open(self.arch, self.mode, ctypes.byref(csh))
        if status != CS_ERR_OK:
            raise _cs_error(status)
        self._handles.append(csh)
        if detail:
            status = self._lib.cs_option(csh.value, CS_OPT_DETAIL, CS_OPT_ON)
            if status != CS_ERR_OK:
                raise _cs_error(status)
        return int(csh.value)

    def _decode(self, code: bytes, address: int, count: int,
                arm_detail: bool = False) -> tuple[bytes, bytes]:
        """The cs_insn array of one cs_disasm call, copied out (and freed), and with
        ``arm_detail`` the first instruction's cs_arm."""
        code = bytes(code)
        out = self._out
        h = self._h
        if arm_detail:
            h = self._hd = self._hd or self._open(True)
        n = self._lib.cs_disasm(h, code, len(code), address, count, self._out_ref)
        if n == 0:
            status = self._lib.cs_errno(h)
            if status != CS_ERR_OK:
                raise _cs_error(status)
            return b"", b""
        assert out.value is not None
        try:
            raw = ctypes.string_at(out.value, n * INSN_SIZE)
            arm = b""
            if arm_detail:
                (detail,) = struct.unpack_from("<Q", raw, INSN_DETAIL)
                arm = ctypes.string_at(detail + DETAIL_ARCH,
                                       ARM_OPERANDS + ARM_MAX_OPERANDS * ARM_OP_SIZE)
        finally:
            self._lib.cs_free(out.value, n)
        return raw, arm

    def disasm_lite(self, code: bytes, address: int,
                    count: int = 0) -> Iterator[tuple[int, int, str, str]]:
        """(address, size, mnemonic, op_str) of each instruction, as capstone's."""
        raw, _ = self._decode(code, address, count)
        for at in range(0, len(raw), INSN_SIZE):
            yield _lite(raw, at)

    def disasm(self, code: bytes, address: int, count: int = 0) -> Iterator[Insn]:
        """Each instruction as an :class:`Insn` (all decoded by the one call first)."""
        raw, _ = self._decode(code, address, count)
        return iter([Insn(*_lite(raw, at)) for at in range(0, len(raw), INSN_SIZE)])

    def arm_memory_operands(self, code: bytes, address: int) -> list[MemOperand] | None:
        """The memory operands of the first ARM/Thumb instruction in ``code`` (None if
        it does not decode); needs ``detail``."""
        assert self.detail and self.arch == CS_ARCH_ARM
        raw, arm = self._decode(code, address, 1, arm_detail=True)
        if not raw:
            return None
        ops = []
        for i in range(arm[ARM_OP_COUNT]):
            at = ARM_OPERANDS + i * ARM_OP_SIZE
            (kind,) = struct.unpack_from("<I", arm, at + ARM_OP_TYPE)
            if kind == ARM_OP_MEM:
                base, index, _scale, disp = struct.unpack_from("<IIii", arm,
                                                               at + ARM_OP_MEM_FIELDS)
                ops.append((base, index, disp))
        return ops

    def __del__(self) -> None:
        try:
            for csh in self._handles:
                self._lib.cs_close(ctypes.byref(csh))
        except Exception:  # noqa: S110 - the library may be gone at interpreter exit
            pass


def _lite(raw: bytes, at: int) -> tuple[int, int, str, str]:
    address, size = _ADDRESS_SIZE(raw, at + INSN_ADDRESS)
    m = raw[at + INSN_MNEMONIC:at + INSN_MNEMONIC + MNEMONIC_LEN]
    o = raw[at + INSN_OP_STR:at + INSN_OP_STR + OP_STR_LEN]
    return (address, size, m[:m.find(b"\0")].decode("ascii"),
            o[:o.find(b"\0")].decode("ascii"))


class PackageDecoder:
    """The same handle through the capstone package (when its library is not where
    :func:`_library` looks, or has another layout)."""

    def __init__(self, arch: int, mode: int, detail: bool) -> None:
        self.arch, self.mode, self.detail = arch, mode, detail
        self.cs = capstone_module().Cs(arch, mode)
        self.cs.detail = detail

    def disasm_lite(self, code: bytes, address: int,
                    count: int = 0) -> Iterator[tuple[int, int, str, str]]:
        return self.cs.disasm_lite(code, address, count)  # type: ignore[no-any-return]

    def disasm(self, code: bytes, address: int, count: int = 0) -> Iterator[Insn]:
        for i in self.cs.disasm(code, address, count):
            yield Insn(i.address, i.size, i.mnemonic, i.op_str)

    def arm_memory_operands(self, code: bytes, address: int) -> list[MemOperand] | None:
        insn = next(self.cs.disasm(code, address, 1), None)
        if insn is None:
            return None
        mem = capstone_module().arm.ARM_OP_MEM
        return [(op.mem.base, op.mem.index, op.mem.disp)
                for op in insn.operands if op.type == mem]
