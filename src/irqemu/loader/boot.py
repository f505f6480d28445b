"""Load a non-ELF kernel and its DTB, and set the boot registers as QEMU's
hw/arm/boot.c leaves them when its boot stub branches to the kernel.

AArch64: x0 = the DTB, x1..x3 = 0. 32-bit ARM: r0 = 0, r1 = 0xffffffff (no
machine number: a device-tree boot), r2 = the DTB. The DTB goes at RAM base +
min(RAM / 2, 128 MiB) (QEMU's initrd_start), past the image if it ends higher,
aligned up to 2 MiB (AArch64) or 4 KiB (32-bit ARM).
"""

from __future__ import annotations

from typing import Any, NamedTuple

from irqemu.loader.flat import default_load_address
from irqemu.loader.image import parse_arm64_image
from irqemu.loader.zimage import check_zimage

DT_BOOT_MACHINE_ID = 0xFFFFFFFF  #: r1 for a device-tree boot (Linux's Documentation/arm/booting)
PAGE = 0x1000


class Placement(NamedTuple):
    """Where a kernel image and its DTB went."""
    entry: int
    image_end: int
    dtb_address: int


def _align_up(value: int, align: int) -> int:
    return (value + align - 1) // align * align


def image_placement(fmt: str, data: bytes, *, arch: str, ram_base: int,
                    load_addr: int | None, what: str) -> tuple[int, int]:
    """(load address, bytes claimed) of an ``arm64-image``, ``zimage`` or ``flat`` file."""
    if fmt == "arm64-image":
        if arch != "aarch64":
            raise ValueError(f"{what}: an arm64 Image needs an AArch64 board (virt-a53)")
        if load_addr is not None:
            raise ValueError(f"{what}: --load-addr is for raw binaries; an arm64 Image "
                             "loads at RAM base + its text_offset")
        hdr = parse_arm64_image(data, what)
        return ram_base + hdr.text_offset, hdr.image_size
    if fmt == "zimage":
        if arch != "armv7":
            raise ValueError(f"{what}: a zImage needs a 32-bit ARM board (imx6q)")
        check_zimage(data, what)
    if not data:
        raise ValueError(f"{what}: empty file")
    address = load_addr if load_addr is not None else default_load_address(arch, ram_base)
    return address, len(data)


def dtb_address(arch: str, ram_base: int, ram_size: int, image_end: int, size: int) -> int:
    """QEMU's place for the DTB of a Linux-style boot (after its initrd slot)."""
    start = max(ram_base + min(ram_size // 2, 128 << 20), image_end)
    start = _align_up(_align_up(start, PAGE), (2 << 20) if arch == "aarch64" else PAGE)
    if start + size > ram_base + ram_size:
        raise ValueError(f"no room for the {size}-byte DTB at {start:#x}: RAM ends at "
                         f"{ram_base + ram_size:#x} (give more --memory)")
    return start


def load_kernel(machine: Any, fmt: str, data: bytes, dtb: bytes, *, ram_base: int,
                ram_size: int, load_addr: int | None, what: str) -> Placement:
    """Put the image and DTB in RAM and start CPU 0 at the image as QEMU's stub does."""
    arch = machine.arch.name
    address, claimed = image_placement(fmt, data, arch=arch, ram_base=ram_base,
                                       load_addr=load_addr, what=what)
    end = address + claimed
    if address < ram_base or end > ram_base + ram_size:
        raise ValueError(f"{what}: {claimed} bytes at {address:#x} are outside RAM "
                         f"[{ram_base:#x}, {ram_base + ram_size:#x})")
    machine.mem_write(address, data)
    where = dtb_address(arch, ram_base, ram_size, end, len(dtb))
    machine.mem_write(where, dtb)
    core = machine.cpus[0].core
    machine.arch.reset(core, address)
    _boot_registers(core, arch, where)
    return Placement(address, end, where)


def _boot_registers(core: Any, arch: str, dtb: int) -> None:
    from irqemu._core.ucconst import arm as A32
    from irqemu._core.ucconst import arm64 as A64

    if arch == "aarch64":
        regs = {A64.UC_ARM64_REG_X0: dtb, A64.UC_ARM64_REG_X1: 0, A64.UC_ARM64_REG_X2: 0,
                A64.UC_ARM64_REG_X3: 0}
    else:
        regs = {A32.UC_ARM_REG_R0: 0, A32.UC_ARM_REG_R1: DT_BOOT_MACHINE_ID,
                A32.UC_ARM_REG_R2: dtb}
    for reg, value in regs.items():
        core.reg_write(reg, value)
