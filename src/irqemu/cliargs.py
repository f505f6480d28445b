"""What every ``irqemu`` command shares: exit codes, one-line usage errors, checked values.

Every number a user passes is range-checked here, so a bad value ends in one
line naming the option, the value and the accepted range, before any work.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from collections.abc import Callable

TYPE_CHECKING = False  # True for mypy; typing is not imported at run time (start-up)
if TYPE_CHECKING:  # pathlib (with urllib.parse) is not imported on a boot's path
    from pathlib import Path
    from typing import NoReturn

EXIT_OK = 0  #: the run ended idle, at --max-time-ms, or as the command intended
EXIT_USAGE = 2  #: bad input: an option, a file, a firmware that cannot be loaded
EXIT_GUEST = 3  #: the guest faulted, livelocked, or ran past --max-cycles
EXIT_INTERNAL = 70  #: a bug in irqemu itself (EX_SOFTWARE); reported in one line

#: the largest cycle or count limit taken from the command line (2**63 - 1)
MAX_COUNT = 2**63 - 1


def no_catalogue() -> bool:
    """Whether gettext.gettext() can find no message catalogue now, so returns every
    message as it is: the directory it searches (the current domain's, else its default
    under sys.base_prefix) does not exist, and no language in the environment names a
    path of its own. False when that cannot be told without gettext's own search."""
    import gettext

    domain = getattr(gettext, "_current_domain", None)
    dirs = getattr(gettext, "_localedirs", None)
    default = getattr(gettext, "_default_localedir", None)
    if not isinstance(domain, str) or not isinstance(dirs, dict) or not isinstance(default, str):
        return False
    localedir = dirs.get(domain, None)
    if localedir is None:  # gettext.find's default
        localedir = default
    if not localedir or any("/" in os.environ.get(v, "")
                            for v in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")):
        return False
    return not os.path.isdir(localedir)


def _gettext(message: str) -> str:
    """argparse's ``_``: gettext's, without its search when there is nothing to find
    (the search imports locale to expand $LANG, a noticeable part of a boot's start-up)."""
    if no_catalogue():
        return message
    import gettext

    return gettext.gettext(message)


def _ngettext(msgid1: str, msgid2: str, n: int) -> str:
    """argparse's ``ngettext``: gettext's, without its search when there is nothing to find."""
    if no_catalogue():
        return msgid1 if n == 1 else msgid2
    import gettext

    return gettext.ngettext(msgid1, msgid2, n)


argparse._ = _gettext  # type: ignore[attr-defined]
argparse.ngettext = _ngettext  # type: ignore[attr-defined]


class OneLineParser(argparse.ArgumentParser):
    """argparse that reports a usage error in one line (``--help`` still shows usage)."""

    def error(self, message: str) -> NoReturn:
        sys.stderr.write(f"irqemu: {message} (see {self.prog} --help)\n")
        sys.exit(EXIT_USAGE)

    def _get_formatter(self) -> argparse.HelpFormatter:
        """argparse's formatter at the width it would pick, without its import of
        shutil (and shutil's of bz2 and lzma) that every add_argument triggers."""
        return self.formatter_class(prog=self.prog,  # type: ignore[call-arg]
                                    width=terminal_columns() - 2)


def terminal_columns() -> int:
    """The terminal's width as shutil.get_terminal_size() gives it: $COLUMNS, else the
    width of the terminal on stdout, else 80."""
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 0
        columns = columns or 80
    return columns


def int_in(lo: int, hi: int, what: str = "") -> Callable[[str], int]:
    """An argparse type: an integer (decimal or 0x hex) from ``lo`` to ``hi``."""

    def parse(text: str) -> int:
        try:
            v = int(text, 0)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
        if not lo <= v <= hi:
            raise argparse.ArgumentTypeError(
                f"{text} is out of range: {what + ' ' if what else ''}must be from {lo:,} "
                f"to {hi:,}")
        return v

    return parse


def float_in(lo: float, hi: float, *, lo_open: bool = True, unit: str = ""
             ) -> Callable[[str], float]:
    """An argparse type: a finite number in ``(lo, hi]`` (``[lo, hi]`` if not lo_open)."""

    def parse(text: str) -> float:
        try:
            v = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        low_ok = v > lo if lo_open else v >= lo
        if not math.isfinite(v) or not low_ok or v > hi:
            side = "more than" if lo_open else "at least"
            raise argparse.ArgumentTypeError(
                f"{text} is out of range: must be {side} {lo:g} and at most {hi:g}"
                f"{' ' + unit if unit else ''}")
        return v

    return parse


def writable_file(text: str) -> Path:
    """An argparse type: a file path whose directory exists and is writable, checked
    before any work is done (so a long search never ends in a failed write)."""
    from pathlib import Path

    p = Path(text)
    if not text:
        raise argparse.ArgumentTypeError("an empty path")
    if p.is_dir():
        raise argparse.ArgumentTypeError(f"{text} is a directory")
    parent = p.parent if str(p.parent) else Path(".")
    if not parent.is_dir():
        raise argparse.ArgumentTypeError(f"{text}: directory {parent} does not exist")
    if not os.access(parent, os.W_OK) or (p.exists() and not os.access(p, os.W_OK)):
        raise argparse.ArgumentTypeError(f"{text}: not writable")
    return p


def cache_model_arg(text: str) -> str:
    """``--cache-model``'s value: a shipped hierarchy's core name or a .toml path ("": the
    board's core)."""
    from irqemu.timing.hierarchy import shipped

    if text == "" or text in shipped() or text.endswith(".toml"):
        return text
    raise argparse.ArgumentTypeError(
        f"{text!r} is neither a shipped hierarchy ({', '.join(shipped())}) nor a .toml file "
        f"(to give a firmware after it, write --cache-model=CORE or put it last)")


def cache_option(p: argparse.ArgumentParser) -> None:
    """``--cache-model [CORE|FILE]`` (None when not given, "" for the board's core)."""
    p.add_argument("--cache-model", nargs="?", const="", type=cache_model_arg,
                   metavar="CORE|FILE",
                   help="charge caches, TLBs, DRAM and coherence traffic per access (in C): "
                   "the hierarchy of the board's core, or a shipped one by core name, or "
                   "your TOML file (docs/cache.md); off by default")
