"""Progress bars for long runs (sweeps, fuzz campaigns, long boots): tqdm on stderr,
shown only on a terminal and never with ``--json``.

    bar = Progress("fuzz run", unit="runs", show=wanted(quiet=args.json))
    with bar:
        for i in range(n):
            ...
            bar.set(i + 1, note="smallest failure so far: 3 arrivals")

A bar appears only once a run has lasted :data:`DELAY_S` host seconds, so short
runs print nothing. It reads the run's progress, never feeds back into it:
simulated time and results are the same with or without one. ``IRQEMU_PROGRESS=0``
turns bars off; ``IRQEMU_PROGRESS=1`` shows them on any stream, at once (logs, tests).
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from types import TracebackType

TYPE_CHECKING = False  # True for mypy; typing is not imported at run time (start-up)
if TYPE_CHECKING:
    from typing import Any, TextIO, TypeVar

    T = TypeVar("T")

#: host seconds a run lasts before its bar appears
DELAY_S = 1.0
#: host seconds between two reads of a watched run's progress
POLL_S = 0.25


_silenced = 0  #: depth of :func:`silenced` blocks


def _forced() -> str:
    return os.environ.get("IRQEMU_PROGRESS", "")


@contextmanager
def silenced() -> Iterator[None]:
    """No bars inside (a ``--json`` command around code that asks :func:`wanted`)."""
    global _silenced
    _silenced += 1
    try:
        yield
    finally:
        _silenced -= 1


def wanted(quiet: bool = False, stream: TextIO | None = None) -> bool:
    """Show a bar? Not when ``quiet`` (``--json``, ``--no-progress``), inside
    :func:`silenced` or with IRQEMU_PROGRESS=0; otherwise when ``stream`` (stderr)
    is a terminal or IRQEMU_PROGRESS=1."""
    if quiet or _silenced or _forced() == "0":
        return False
    if _forced() == "1":
        return True
    stream = sys.stderr if stream is None else stream
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return False


def _bar_format(total: float | None, decimals: int) -> str:
    n = f"{{n:.{decimals}f}}"
    if total is None:
        return f"{{desc}}: {n} {{unit}} [{{elapsed}}{{postfix}}]"
    return (f"{{desc}}: {{percentage:3.0f}}%|{{bar}}| {n}/{{total:.{decimals}f}} {{unit}} "
            "[{elapsed}<{remaining}{postfix}]")


class Progress:
    """A progress bar on stderr when ``show``; otherwise every method does nothing
    (``echo`` still writes). Use as a context manager, or call :meth:`close`."""

    def __init__(self, desc: str, total: float | None = None, unit: str = "it", *,
                 show: bool, decimals: int = 0, stream: TextIO | None = None,
                 delay: float | None = None) -> None:
        self.shown = show
        self._bar: Any = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._tail = ""  # echoed text after the last newline, held while a bar shows
        self._out: TextIO | None = None  # where echo wrote it
        if show:
            from tqdm import tqdm

            if delay is None:
                delay = 0.0 if _forced() == "1" else DELAY_S
            self._bar = tqdm(desc=desc, total=total, unit=unit, leave=False, delay=delay,
                             file=sys.stderr if stream is None else stream,
                             bar_format=_bar_format(total, decimals), dynamic_ncols=True)

    def update(self, n: float = 1) -> None:
        """Advance the bar by ``n``."""
        if self._bar is not None:
            self._bar.update(n)

    def set(self, value: float, note: str | None = None) -> None:
        """Move the bar to ``value`` (never backwards); ``note`` follows the figures."""
        bar = self._bar
        if bar is None:
            return
        if note is not None:
            bar.set_postfix_str(note, refresh=False)
        if value > bar.n:
            bar.update(value - bar.n)
        elif note is not None:
            bar.refresh()

    def each(self, items: Iterable[T]) -> Iterator[T]:
        """Each of ``items``, one step of the bar after each; the bar goes at the end."""
        try:
            for item in items:
                yield item
                self.update()
        finally:
            self.close()

    def echo(self, text: str, out: TextIO | None = None) -> None:
        """Write a run's own output (a guest's UART) to ``out`` (stdout) without tearing
        the bar: while a bar shows, whole lines only, the rest at :meth:`close`. ``out``
        is flushed at each newline and at :meth:`close`, so a partial line is out before
        anything the caller writes to stderr after the run."""
        out = sys.stdout if out is None else out
        self._out = out
        if self._bar is None:
            out.write(text)  # a guest prints a character at a time: flushed at each line's
            if "\n" in text:  # end and at close (the run's end, an error, Ctrl-C), not
                out.flush()  # after every character
            return
        text, newline, self._tail = (self._tail + text).rpartition("\n")
        if newline:
            from tqdm import tqdm

            with tqdm.external_write_mode(file=out):
                out.write(text + "\n")
                out.flush()

    def echo_bytes(self, data: bytes) -> None:
        """:meth:`echo` to stdout of ``data`` decoded as UTF-8 (an undecodable byte as
        U+FFFD): a machine's ``console_echo``, called per character, so in one call."""
        text = data.decode("utf-8", "replace")
        if self._bar is not None:
            self.echo(text)
            return
        out = self._out = sys.stdout
        out.write(text)
        if "\n" in text:
            out.flush()

    def watch(self, poll: Callable[[], float], interval: float = POLL_S) -> None:
        """Read ``poll()`` every ``interval`` host seconds in a thread and :meth:`set` the
        bar to it, for a run that cannot call back (``Machine.run``); ``poll`` must only
        read. Stopped by :meth:`close`."""
        if self._bar is None or self._thread is not None:
            return

        def loop() -> None:
            while not self._stop.wait(interval):
                self.set(poll())

        self._thread = threading.Thread(target=loop, name="irqemu-progress", daemon=True)
        self._thread.start()

    def close(self) -> None:
        """Stop watching, remove the bar, and write any echoed text still held."""
        if self._thread is not None:
            self._stop.set()
            self._thread.join()
            self._thread = None
        if self._bar is not None:
            self._bar.close()
            self._bar = None
            if self._tail and self._out is not None:
                self._out.write(self._tail)
                self._tail = ""
        if self._out is not None:  # echoed text after the last newline
            self._out.flush()

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


__all__ = ["DELAY_S", "Progress", "silenced", "wanted"]
