"""Where the firmware ELFs that ship with irqemu are: package data, or the source tree.

A user names one by path, or by its bundled name: ``fiq.elf``, ``armv7/fiq.elf`` or
``firmware/armv7/fiq.elf`` work from any directory (:func:`resolve_firmware`).
"""

from __future__ import annotations

from pathlib import Path

from irqemu.errors import FirmwareNotFoundError

#: the firmware directory (architecture) for each board's cores
BOARD_ARCH = {"imx6q": "armv7", "virt-a53": "aarch64", "pc": "x86_64"}
#: the architecture a bare name found under several (``timer.elf``) is taken from
#: without ``--board``: the demo's, imx6q's
DEFAULT_ARCH = "armv7"


def _roots() -> list[Path]:
    """The firmware directories to look in: the installed package's, then a checkout's."""
    roots = []
    res = Path(__file__).with_name("firmware")  # package data (build_py copies it there)
    if res.is_dir():
        roots.append(res)
    src = Path(__file__).resolve().parents[2] / "firmware"
    if src.is_dir():
        roots.append(src)
    return roots


def bundled_firmware(arch: str, name: str) -> Path:
    """Path of ``firmware/<arch>/<name>`` shipped inside the package (or in a checkout)."""
    for root in _roots():
        path = root / arch / name
        if path.is_file():
            return path
    raise FirmwareNotFoundError(f"bundled firmware {arch}/{name} not found (broken install?)")


def bundled_names() -> list[str]:
    """Every bundled ELF as ``<arch>/<name>``, sorted."""
    names = {f"{p.parent.name}/{p.name}" for root in _roots() for p in root.glob("*/*.elf")}
    return sorted(names)


def _candidates(given: str) -> list[str]:
    """The bundled ``<arch>/<name>`` entries that ``given`` names, by its last one or two
    path parts (``fiq.elf``, ``armv7/fiq.elf``, ``firmware/armv7/fiq.elf``)."""
    parts = Path(given).parts
    names = bundled_names()
    if len(parts) >= 2 and f"{parts[-2]}/{parts[-1]}" in names:
        return [f"{parts[-2]}/{parts[-1]}"]
    if len(parts) == 1:
        return [n for n in names if n.split("/")[1] == parts[0]]
    return []


def resolve_firmware(given: str, board: str | None = None) -> Path:
    """The ELF a user means by ``given``: the file when it exists, else the bundled
    firmware of that name (for ``board``'s architecture when the name is shipped for
    several; imx6q's without a board); a one-line FirmwareNotFoundError naming close
    bundled names otherwise."""
    path = Path(given)
    if path.is_file():
        return path
    found = _candidates(given)
    if len(found) > 1:
        arch = BOARD_ARCH.get(board or "", DEFAULT_ARCH)
        found = [n for n in found if n.startswith(arch + "/")] or found[:1]
    if found:
        arch, name = found[0].split("/")
        return bundled_firmware(arch, name)
    import difflib

    names = bundled_names()
    stems: dict[str, list[str]] = {}
    for n in names:  # compared without ".elf", which every name shares
        stems.setdefault(Path(n).stem, []).append(n)
    near = difflib.get_close_matches(Path(given).stem, sorted(stems), n=3, cutoff=0.6)
    hint = sorted(n for k in near for n in stems[k])
    what = "no such file" if not path.exists() else "not a regular file"
    msg = f"{given}: {what}, and no bundled firmware has that name"
    if hint:
        msg += f" (did you mean {', '.join(hint)}?)"
    elif names:
        msg += f" ({len(names)} are bundled, e.g. {', '.join(names[:3])})"
    raise FirmwareNotFoundError(msg)


__all__ = ["BOARD_ARCH", "bundled_firmware", "bundled_names", "resolve_firmware"]
