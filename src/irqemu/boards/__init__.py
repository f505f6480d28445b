"""Boards: real SoC memory maps wired from cores, RAM and device models."""

from __future__ import annotations

from collections.abc import Callable

from irqemu.machine.machine import Machine

TYPE_CHECKING = False  # True for mypy; typing is not imported at run time (start-up)
if TYPE_CHECKING:
    from typing import Any

#: ELF e_machine -> the board ``irqemu boot`` picks for it
DEFAULT_BOARD = {"EM_ARM": "imx6q", "EM_AARCH64": "virt-a53", "EM_X86_64": "pc"}


def _imx6q(**kw: Any) -> Machine:
    from irqemu.boards.imx6q import build

    return build(**kw)


def _virt_a53(**kw: Any) -> Machine:
    from irqemu.boards.virt_a53 import build

    return build(**kw)


def _pc(**kw: Any) -> Machine:
    from irqemu.boards.pc import build

    return build(**kw)


BOARDS: dict[str, Callable[..., Machine]] = {"imx6q": _imx6q, "virt-a53": _virt_a53, "pc": _pc}


def build_board(name: str, **kw: Any) -> Machine:
    """A fresh machine for board ``name`` (``imx6q``, ...)."""
    try:
        factory = BOARDS[name]
    except KeyError:
        raise ValueError(f"unknown board {name!r} (known: {', '.join(sorted(BOARDS))})") from None
    return factory(**kw)


def board_for_elf(elf_machine: str) -> str:
    """The default board for an ELF's machine type."""
    try:
        return DEFAULT_BOARD[elf_machine]
    except KeyError:
        raise ValueError(f"no board for {elf_machine} ELF files (boards: "
                         f"{', '.join(sorted(BOARDS))}; use --board)") from None
