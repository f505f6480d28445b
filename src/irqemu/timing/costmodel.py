"""Per-core cost models and the block coster the engines call once per block.

A cost model is a TOML file (``timing/cores/<core>.toml`` or a user's own):
``[classes.<name>]`` entries give cycles per instruction class, ``[events.*]``
entries the cost of exception entry, MMIO access and the like. Every entry
(and ``hz``) is cited: a ``source`` naming a public document and its section, or an
``estimate`` saying how the figure was derived (with the public ``basis`` it rests on);
loading fails otherwise, so no number is unexplained (:func:`citation`, docs/timing.md).

The shipped files' parses are also kept in ``timing/_shipped.py`` (made by
:func:`shipped_models_source`), used while a shipped file's text is exactly the
text parsed there: importing tomllib (its regular expressions) costs a bare
boot more than the rest of loading a model.
"""

# Citation and LiteInsn are irqemu.namedtuples' at run time: typing.NamedTuple under
# "from __future__ import annotations" would make a ForwardRef of each field's annotation
# text, compiling it, and a process's first compile() builds the ast types (~10 M host
# instructions of a boot's start-up; tests/cli/test_startup.py)

from __future__ import annotations

import os
import sys

from irqemu.arch.base import Arch
from irqemu.errors import CostModelError

TYPE_CHECKING = False  # True for mypy; typing is not imported at run time (start-up)
if TYPE_CHECKING:
    from typing import Any, Literal, NamedTuple
else:
    from irqemu.namedtuples import NamedTuple  # typing's class syntax without typing

#: the shipped cost models (package data next to this module; a plain path, not
#: importlib.resources, whose import is a noticeable part of a boot's start-up)
_CORES = os.path.join(os.path.dirname(__file__), "cores")  # os.path: no pathlib on a boot

#: the range a cost model's clock and per-entry cycles must lie in
MIN_HZ, MAX_HZ = 1_000, 100_000_000_000
MAX_CYCLES = 1_000_000
ARCHES = ("armv7", "aarch64", "x86_64")


class Cost:
    """Cycles of one class or event and where the figure comes from (immutable).

    ``source`` is the citation's text: a published source naming its section, or, when
    ``estimated``, how the figure was derived (``basis``: the public sources that
    derivation rests on). Cost and CostModel are written out as @dataclass would make
    them (frozen Cost; init, repr, eq): making a dataclass costs about a millisecond, a
    noticeable part of a boot's start-up (tests/cli/test_startup.py checks they behave as
    the dataclasses would)."""

    __match_args__ = ("cycles", "source", "estimated", "basis")
    cycles: int
    source: str
    estimated: bool
    basis: str

    def __init__(self, cycles: int, source: str, estimated: bool = False,
                 basis: str = "") -> None:
        object.__setattr__(self, "cycles", cycles)
        object.__setattr__(self, "source", source)
        object.__setattr__(self, "estimated", estimated)
        object.__setattr__(self, "basis", basis)

    def __repr__(self) -> str:
        return (f"{type(self).__qualname__}(cycles={self.cycles!r}, source={self.source!r}, "
                f"estimated={self.estimated!r}, basis={self.basis!r})")

    def _key(self) -> tuple[int, str, bool, str]:
        return (self.cycles, self.source, self.estimated, self.basis)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        assert isinstance(other, Cost)
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __setattr__(self, name: str, value: Any) -> None:
        if type(self) is Cost or name in Cost.__match_args__:
            from dataclasses import FrozenInstanceError

            raise FrozenInstanceError(f"cannot assign to field {name!r}")
        super().__setattr__(name, value)

    def __delattr__(self, name: str) -> None:
        if type(self) is Cost or name in Cost.__match_args__:
            from dataclasses import FrozenInstanceError

            raise FrozenInstanceError(f"cannot delete field {name!r}")
        super().__delattr__(name)


class CostModel:
    """Cycles per instruction class and per event for one core type."""

    __match_args__ = ("core", "arch", "hz", "classes", "events", "path")

    def __init__(self, core: str, arch: str, hz: int, classes: dict[str, Cost],
                 events: dict[str, Cost] | None = None, path: str = "") -> None:
        self.core = core
        self.arch = arch
        self.hz = hz
        self.classes = classes
        self.events: dict[str, Cost] = {} if events is None else events
        self.path = path

    def __repr__(self) -> str:
        return (f"{type(self).__qualname__}(core={self.core!r}, arch={self.arch!r}, "
                f"hz={self.hz!r}, classes={self.classes!r}, events={self.events!r}, "
                f"path={self.path!r})")

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        assert isinstance(other, CostModel)
        return ((self.core, self.arch, self.hz, self.classes, self.events, self.path)
                == (other.core, other.arch, other.hz, other.classes, other.events,
                    other.path))

    __hash__ = None  # type: ignore[assignment]

    def cycles(self, cls: str) -> int:
        """Cycles of one instruction of class ``cls`` (unknown classes cost as alu)."""
        c = self.classes.get(cls) or self.classes["alu"]
        return c.cycles

    def event(self, name: str) -> int:
        c = self.events.get(name)
        return c.cycles if c is not None else 0

    def estimated(self) -> list[str]:
        """Names (``classes.<n>``, ``events.<n>``) of the entries that are estimates."""
        return [f"{kind}.{n}" for kind, table in (("classes", self.classes),
                                                  ("events", self.events))
                for n, c in table.items() if c.estimated]

    def entries(self) -> int:
        """How many cost entries (classes and events) the model has."""
        return len(self.classes) + len(self.events)


class Citation(NamedTuple):
    """Where a modelled figure comes from: a published source, or how it was estimated."""

    text: str
    #: True when no public figure exists and the value is derived (``estimate``)
    estimated: bool
    #: for an estimate, the public sources its derivation rests on (may be empty)
    basis: str = ""


#: words by which a published source names the section, table or page it is cited from
_SECTION_MARKS = ("\u00a7", "section", "sec.", "table", "chapter", "ch.", "p.", "page",
                  "fig", "appendix", "http://", "https://")


def citation(entry: dict[str, Any], where: str, prefix: str = "") -> Citation:
    """The citation of one modelled value: ``<prefix>source`` (a public source by name and
    section) or ``<prefix>estimate`` (how it was derived, with an optional ``<prefix>basis``).

    Exactly one of the two is required, and neither may cite a file that is not part of
    the project (a ``.md`` note or a relative path): a user of the model cannot open it.
    """
    src, est = entry.get(prefix + "source"), entry.get(prefix + "estimate")
    basis = entry.get(prefix + "basis", "")
    if src is not None and est is not None:
        raise CostModelError(f"{where}: give {prefix}source or {prefix}estimate, not both")
    text = src if src is not None else est
    if not isinstance(text, str) or not text.strip():
        raise CostModelError(f"{where}: has no {prefix}source (or {prefix}estimate saying "
                             f"how the figure was derived)")
    if not isinstance(basis, str):
        raise CostModelError(f"{where}: {prefix}basis must be a string")
    for cited in (text, basis):
        low = cited.lower()
        if ".md" in low.replace(".md5", "") or "../" in low:
            raise CostModelError(f"{where}: cites a file that is not part of the project "
                                 f"({cited.strip()[:60]!r}); cite the public source itself")
    if src is not None:
        low = text.lower()
        if not any(mark in low for mark in _SECTION_MARKS):
            raise CostModelError(f"{where}: {prefix}source must name the section, table or "
                                 f"page it cites ({text.strip()[:60]!r})")
        if basis:
            raise CostModelError(f"{where}: {prefix}basis belongs to an estimate")
    return Citation(text.strip(), src is None, basis.strip())


def builtin_cores() -> list[str]:
    """Names of the cost models shipped with irqemu."""
    return sorted(n[:-5] for n in os.listdir(_CORES) if n.endswith(".toml"))


def _entries(data: dict[str, Any], table: str, where: str) -> dict[str, Cost]:
    out: dict[str, Cost] = {}
    for name, entry in data.get(table, {}).items():
        if not isinstance(entry, dict) or "cycles" not in entry:
            raise CostModelError(f"{where}: [{table}.{name}] needs 'cycles'")
        cited = citation(entry, f"{where}: [{table}.{name}]")
        cyc = entry["cycles"]
        if not isinstance(cyc, int) or isinstance(cyc, bool) or not 0 <= cyc <= MAX_CYCLES:
            raise CostModelError(f"{where}: [{table}.{name}] cycles = {cyc!r}: must be an "
                                 f"integer from 0 to {MAX_CYCLES:,}")
        out[name] = Cost(cyc, cited.text, cited.estimated, cited.basis)
    return out


def load_cost_model(name_or_path: str) -> CostModel:
    """Load a shipped model by core name (``cortex-a9``) or a user's TOML file by path."""
    data: dict[str, Any] | None = None
    if name_or_path.endswith(".toml") or "/" in name_or_path:
        from pathlib import Path

        path = Path(name_or_path)
        if not path.is_file():
            raise CostModelError(f"cost model file not found: {name_or_path}")
        where = str(path)
        try:
            text = path.read_text(encoding="utf-8")
        except PermissionError:
            raise CostModelError(f"{where}: permission denied") from None
        except UnicodeDecodeError:
            raise CostModelError(f"{where}: not a text (UTF-8 TOML) file") from None
        except OSError as exc:
            raise CostModelError(f"{where}: cannot read ({exc.strerror or exc})") from None
    else:
        res = os.path.join(_CORES, f"{name_or_path}.toml")
        if not os.path.isfile(res):
            raise CostModelError(
                f"no cost model for core {name_or_path!r} (shipped: {', '.join(builtin_cores())})")
        with open(res, encoding="utf-8") as fh:
            text = fh.read()
        where = f"{name_or_path}.toml"
        data = _shipped_parse(name_or_path, text)
    if data is None:
        data = _parse_toml(text, where)
    for key in ("core", "arch", "hz"):
        if key not in data:
            raise CostModelError(f"{where}: missing '{key}'")
    citation(data, f"{where}: 'hz'", "hz_")
    hz = data["hz"]
    if not isinstance(hz, int) or isinstance(hz, bool) or not MIN_HZ <= hz <= MAX_HZ:
        raise CostModelError(f"{where}: hz = {hz!r}: must be an integer from {MIN_HZ:,} "
                             f"to {MAX_HZ:,}")
    if data["arch"] not in ARCHES:
        raise CostModelError(f"{where}: arch = {data['arch']!r}: must be one of "
                             f"{', '.join(ARCHES)}")
    if not isinstance(data["core"], str) or not data["core"]:
        raise CostModelError(f"{where}: core must be a non-empty string")
    classes = _entries(data, "classes", where)
    if "alu" not in classes:
        raise CostModelError(f"{where}: [classes.alu] is required (the default class)")
    return CostModel(data["core"], data["arch"], hz, classes,
                     _entries(data, "events", where), where)


def estimates(cores: list[str]) -> dict[str, dict[str, Any]]:
    """For output whose figures rest on shipped models ``cores``: each model's entry count
    and the names of its estimated entries (``--json``'s ``cost_models``)."""
    out: dict[str, dict[str, Any]] = {}
    for core in sorted(set(cores)):
        model = load_cost_model(core)
        out[core] = {"entries": model.entries(), "estimated": model.estimated()}
    return out


def estimates_note(cores: list[str]) -> str:
    """One line saying how many entries of each model a figure rests on are estimates
    (empty when there are no models)."""
    if not cores:
        return ""
    parts = [f"{core} {len(e['estimated'])} of {e['entries']}"
             for core, e in estimates(cores).items()]
    return ("Modelled cycles rest on the cores' cost models; their estimated (derived, not "
            "published) entries: " + ", ".join(parts) + " (docs/timing.md).")


def _parse_toml(text: str, where: str) -> dict[str, Any]:
    import tomllib

    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CostModelError(f"{where}: {exc}") from None


def _shipped_parse(core: str, text: str) -> dict[str, Any] | None:
    """The kept parse of shipped model ``core`` if ``text`` is exactly the text it was
    made from (else None: parse the text)."""
    from irqemu.timing._shipped import MODELS

    kept = MODELS.get(core)
    return kept[1] if kept is not None and kept[0] == text else None


def shipped_models_source() -> str:
    """The text of ``timing/_shipped.py``: each shipped model's TOML text and its parse.

    Regenerate after editing a shipped model (a test says when)::

        python -c "from irqemu.timing.costmodel import shipped_models_source as s; \\
                   open('src/irqemu/timing/_shipped.py', 'w').write(s())"
    """
    import pprint

    import tomllib

    out = ['"""Each shipped cost model\'s TOML text and what tomllib parses it to.',
           "",
           "Made by irqemu.timing.costmodel.shipped_models_source(); do not edit.",
           "load_cost_model uses a parse only while the shipped file's text is this text.",
           '"""',
           "# ruff: noqa: E501",
           "",
           "from __future__ import annotations",
           "",
           "TYPE_CHECKING = False  # True for mypy; typing is not imported at run time (start-up)",
           "if TYPE_CHECKING:",
           "    from typing import Any",
           "",
           "MODELS: dict[str, tuple[str, dict[str, Any]]] = {}"]
    for core in builtin_cores():
        with open(os.path.join(_CORES, f"{core}.toml")) as fh:
            text = fh.read()
        data = tomllib.loads(text)
        if eval(repr(data)) != data:  # noqa: S307 - checks the literal round-trips
            raise CostModelError(f"{core}.toml: its parse is not a plain literal")
        out += ["", f"MODELS[{core!r}] = ("]
        out += ["    " + repr(line) for line in text.splitlines(keepends=True)] or ["    ''"]
        out += ["    ,", "    " + pprint.pformat(data, width=96, sort_dicts=False)
                .replace("\n", "\n    "), ")"]
    return "\n".join(out) + "\n"


class LiteInsn(NamedTuple):
    """What the per-instruction arch hook needs of an instruction (capstone's lite form)."""

    address: int
    size: int
    mnemonic: str
    op_str: str


#: distinct instruction encodings whose cost a BlockCoster remembers (then it starts over)
ENCODING_CACHE_LIMIT = 1 << 16


class BlockCoster:
    """Costs a translation block once: the sum of its instructions' class costs.

    ``read`` fetches guest bytes; ``arch.disassembler()`` gives the capstone
    instance for the core's current state (ARM or Thumb); ``arch.classify``
    maps a capstone instruction to a cost class. An instruction's class
    depends only on its encoding and the decoder, so each distinct encoding is
    classified once and remembered: a block's new encodings are decoded by one
    capstone call (not one per instruction), fixed-width code (ARM
    state, A64) whose words are all known is costed word by word without
    capstone, and variable-width code (Thumb, x86) is decoded once per block.
    """

    def __init__(self, model: CostModel, arch: Arch, core_regs: Any, read: Any) -> None:
        self.model = model
        self.arch = arch
        self.regs = core_regs
        self.read = read
        self.blocks_costed = 0
        #: (decoder, encoding) -> (cycles, calls special_instruction) or None if undecodable
        self._by_encoding: dict[tuple[int, bytes], tuple[int, bool] | None] = {}
        self._special_mnemonics = arch.special_mnemonics

    def block_info(self, address: int, size: int) -> tuple[int, int]:
        code = bytes(self.read(address, size))
        cs = self.arch.disassembler(self.regs)
        width = self.arch.insn_width(cs)
        if width:
            cycles, count = self._fixed_width(cs, code, address, width)
        else:
            cycles, count = self._variable_width(cs, code, address)
        if count == 0 and size:
            count = 1
            cycles = self.model.cycles("alu")
        self.blocks_costed += 1
        return cycles, count

    def _fixed_width(self, cs: Any, code: bytes, address: int, width: int) -> tuple[int, int]:
        """Cost each distinct word once per block; in order only when a word is undecodable
        (capstone stops there) or wants the arch's special hook. A block's new words are
        learnt first (:meth:`_learn_words`). (Counted in a plain loop: a block is a few
        words, and making a Counter costs as much as counting a hundred.)"""
        usable = len(code) - len(code) % width
        seq = memoryview(code)[:usable].cast(_WORD_FORMAT[width]).tolist()
        words = dict.fromkeys(seq, 0)  # each distinct word, in the order first seen
        for word in seq:
            words[word] += 1
        known = self._by_encoding
        mode = id(cs)
        cycles = count = 0
        decoded = False
        for word, times in words.items():
            enc = word.to_bytes(width, sys.byteorder)
            entry = known.get((mode, enc), _UNSEEN)
            if entry is _UNSEEN and not decoded:
                encs = (w.to_bytes(width, sys.byteorder) for w in words)
                self._learn_words(cs, mode, [e for e in encs if (mode, e) not in known],
                                  address, width)
                decoded = True
                entry = known.get((mode, enc), _UNSEEN)
            if entry is _UNSEEN:  # (the cache started over meanwhile)
                entry = self._learn(cs, mode, enc, address + code.index(enc))
            if entry is None or entry[1]:
                return self._in_order(cs, code[:usable], address, width)
            cycles += entry[0] * times
            count += times
        return cycles, count

    def _in_order(self, cs: Any, code: bytes, address: int, width: int) -> tuple[int, int]:
        known = self._by_encoding
        mode = id(cs)
        cycles = count = 0
        for off in range(0, len(code), width):
            enc = code[off:off + width]
            entry = known.get((mode, enc), _UNSEEN)
            if entry is _UNSEEN:
                entry = self._learn(cs, mode, enc, address + off)
            if entry is None:
                break  # capstone stops at the first undecodable instruction
            cycles += entry[0]
            count += 1
            if entry[1]:
                self._call_special(cs, enc, address + off)
        return cycles, count

    def _variable_width(self, cs: Any, code: bytes, address: int) -> tuple[int, int]:
        """One full decode of the block: each new encoding is classified from it, except
        in an earlier instruction's shadow (a Thumb IT block decodes with its condition
        there), where it is classified as decoded alone, as everywhere else."""
        known = self._by_encoding
        mode = id(cs)
        shadow_of = self.arch.interrupt_shadow
        cycles = count = shadow = 0
        for insn in cs.disasm(code, address):
            addr, n = insn.address, insn.size
            off = addr - address
            enc = code[off:off + n]
            entry = known.get((mode, enc), _UNSEEN)
            if entry is _UNSEEN:
                entry = (self._learn(cs, mode, enc, addr) if shadow
                         else self._remember(mode, enc, insn))
            shadow = max(shadow - 1, shadow_of(insn))
            if entry is None:
                break
            cycles += entry[0]
            count += 1
            if entry[1]:
                self._call_special(cs, enc, addr)  # as decoded alone (outside an IT)
        return cycles, count

    def _learn_words(self, cs: Any, mode: int, encs: list[bytes], address: int,
                     width: int) -> None:
        """Decode a block's new words, side by side, in one capstone call and remember
        their costs (fixed-width decoding depends on the word alone, so each decodes as
        on its own); a word capstone stops at is undecodable, those after it are decoded
        by a further call."""
        known = self._by_encoding
        if len(known) + len(encs) >= ENCODING_CACHE_LIMIT:
            known.clear()
        while encs:
            done = 0
            for insn in cs.disasm(b"".join(encs), address):
                if insn.size != width:
                    break
                known[(mode, encs[done])] = self._entry(insn, width)
                done += 1
            if done < len(encs):
                known[(mode, encs[done])] = None
                done += 1
            encs = encs[done:]

    def _learn(self, cs: Any, mode: int, enc: bytes, address: int) -> tuple[int, bool] | None:
        """Decode one encoding alone, classify it and remember the result."""
        insns = list(cs.disasm(enc, address, 1))
        if len(self._by_encoding) >= ENCODING_CACHE_LIMIT:
            self._by_encoding.clear()
        entry = self._entry(insns[0], len(enc)) if insns else None
        self._by_encoding[(mode, enc)] = entry
        return entry

    def _remember(self, mode: int, enc: bytes, insn: Any) -> tuple[int, bool] | None:
        """Remember the cost of ``enc``, decoded as ``insn``."""
        if len(self._by_encoding) >= ENCODING_CACHE_LIMIT:
            self._by_encoding.clear()
        entry = self._by_encoding[(mode, enc)] = self._entry(insn, len(enc))
        return entry

    def _entry(self, insn: Any, size: int) -> tuple[int, bool] | None:
        """(cycles, wants the special hook) of a decoded instruction; None if it is not
        ``size`` bytes long (the encoding does not decode as one instruction)."""
        if insn.size != size:
            return None
        m = insn.mnemonic
        wants = m.split(".")[0] in self._special_mnemonics or \
            (len(m) > 2 and m[:-2] in self._special_mnemonics)
        return self.model.cycles(self.arch.classify(insn)), wants

    def _call_special(self, cs: Any, enc: bytes, address: int) -> None:
        for addr, n, mnemonic, op_str in cs.disasm_lite(enc, address, 1):
            self.arch.special_instruction(self.regs, LiteInsn(addr, n, mnemonic, op_str))


_UNSEEN: Any = object()
_WORD_FORMAT: dict[int, Literal["H", "I"]] = {2: "H", 4: "I"}
