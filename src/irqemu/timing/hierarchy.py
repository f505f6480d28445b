"""Memory hierarchy parameters (``timing/hierarchy/<core>.toml``) for ``--cache-model``.

A file gives per-core L1 caches and TLBs, one or two outer levels (``[l2]``, ``[l3]``;
each ``shared`` by the cores or private to each), DRAM's latency and the cost of
coherence traffic between L1Ds. Every number ``X`` cites ``X_source`` (a public source
naming its section) or ``X_estimate`` (how it was derived, ``X_basis`` its public
figures), checked with ``costmodel.citation``. A cache table may name its
``replacement`` policy (``lru``, ``plru``, ``round-robin``, ``random``), cited the same
way; without it the level replaces LRU. ``build`` makes the C model
(``irqemu._core.cache.Hierarchy``) for a machine's CPUs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from irqemu.errors import CostModelError
from irqemu.timing.costmodel import Citation, citation

_SHIPPED = Path(__file__).with_name("hierarchy")

#: each table's numeric fields; caches: bytes, ways, bytes, cycles; TLBs: entries, ways,
#: bytes, cycles
_CACHE = ("size", "ways", "line", "hit_cycles")
_TLB = ("entries", "ways", "page", "miss_cycles")
_TABLES: dict[str, tuple[str, ...]] = {
    "l1i": _CACHE, "l1d": _CACHE, "itlb": _TLB, "dtlb": _TLB, "l2": _CACHE, "l3": _CACHE,
    "dram": ("cycles",), "coherence": ("transfer_cycles", "invalidate_cycles"),
}
_OPTIONAL = ("l3",)
#: the tables that take a ``replacement`` (TLBs replace LRU)
_CACHES = ("l1i", "l1d", "l2", "l3")
POLICIES = ("lru", "plru", "round-robin", "random")
DEFAULT_POLICY = "lru"
_POW2 = ("line", "page")
MAX_VALUE = 1 << 32


class HierarchySpec:
    """One validated hierarchy: its tables' numbers and their citations."""

    def __init__(self, core: str, tables: dict[str, dict[str, int]],
                 shared: dict[str, bool], citations: dict[str, Citation], where: str,
                 replacement: dict[str, str] | None = None) -> None:
        self.core = core
        self.tables = tables
        self.shared = shared
        #: each cache level's replacement policy (LRU where the file names none)
        self.replacement = {n: (replacement or {}).get(n, DEFAULT_POLICY)
                            for n in _CACHES if n in tables}
        self.citations = citations
        self.where = where

    @property
    def outer_levels(self) -> list[str]:
        """The outer levels' names, from the L1s outwards (``l2``, then ``l3`` if any)."""
        return [name for name in ("l2", "l3") if name in self.tables]

    def arguments(self, ncpus: int) -> tuple[Any, ...]:
        """The ``Hierarchy`` constructor's arguments for ``ncpus`` CPUs."""
        t = self.tables

        def cache(name: str) -> tuple[int, ...]:
            return tuple(t[name][f] for f in _CACHE)

        def l1(name: str) -> tuple[Any, ...]:
            return (*cache(name), self.replacement[name])

        def tlb(name: str) -> tuple[int, ...]:
            return tuple(t[name][f] for f in _TLB)

        outer = [(*cache(n), self.shared[n], self.replacement[n]) for n in self.outer_levels]
        return (ncpus, l1("l1i"), l1("l1d"), tlb("itlb"), tlb("dtlb"), outer,
                t["dram"]["cycles"], t["coherence"]["transfer_cycles"],
                t["coherence"]["invalidate_cycles"])

    def build(self, ncpus: int) -> Any:
        """The C model for ``ncpus`` CPUs."""
        from irqemu._core import load_native

        return load_native("cache").Hierarchy(*self.arguments(ncpus))

    def estimated(self) -> int:
        """How many of the numbers are estimates (the rest cite a published source)."""
        return sum(c.estimated for c in self.citations.values())

    def stats(self, model: Any, cpu: int) -> dict[str, int]:
        """CPU ``cpu``'s counters with the outer levels under their own names."""
        raw = model.stats(cpu)
        out: dict[str, int] = {}
        names = self.outer_levels
        for key, value in raw.items():
            if key.startswith("outer"):
                level = int(key[5]) - 1
                if level >= len(names):
                    continue
                key = names[level] + key[6:]
            out[key] = value
        return out


def shipped() -> list[str]:
    """The cores with a shipped hierarchy."""
    return sorted(p.name[:-5] for p in _SHIPPED.iterdir() if p.name.endswith(".toml"))


def load_hierarchy(name_or_path: str) -> HierarchySpec:
    """A shipped hierarchy by core name (``cortex-a9``) or a user's TOML file by path."""
    if name_or_path.endswith(".toml") or "/" in name_or_path:
        path = Path(name_or_path)
        where = str(path)
        if not path.is_file():
            raise CostModelError(f"cache model file not found: {name_or_path}")
    else:
        path = _SHIPPED / f"{name_or_path}.toml"
        where = f"hierarchy/{name_or_path}.toml"
        if not path.is_file():
            raise CostModelError(f"no cache model for core {name_or_path!r} "
                                 f"(shipped: {', '.join(shipped())})")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CostModelError(f"{where}: cannot read ({exc})") from None
    return parse_hierarchy(text, where)


def parse_hierarchy(text: str, where: str) -> HierarchySpec:
    """Validate a hierarchy's TOML text (``where`` names it in errors)."""
    import tomllib

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CostModelError(f"{where}: {exc}") from None
    core = data.get("core")
    if not isinstance(core, str) or not core:
        raise CostModelError(f"{where}: missing 'core' (the core this hierarchy models)")
    unknown = sorted(set(data) - set(_TABLES) - {"core"})
    if unknown:
        raise CostModelError(f"{where}: unknown table {unknown[0]!r} "
                             f"(known: {', '.join(_TABLES)})")
    tables: dict[str, dict[str, int]] = {}
    shared: dict[str, bool] = {}
    policies: dict[str, str] = {}
    cites: dict[str, Citation] = {}
    for name, fields in _TABLES.items():
        entry = data.get(name)
        if entry is None and name in _OPTIONAL:
            continue
        if not isinstance(entry, dict):
            raise CostModelError(f"{where}: [{name}] is required")
        tables[name] = {f: _number(entry, name, f, where) for f in fields}
        for f in fields:
            cites[f"{name}.{f}"] = citation(entry, f"{where}: [{name}] {f}", prefix=f"{f}_")
        if name in ("l2", "l3"):
            if not isinstance(entry.get("shared"), bool):
                raise CostModelError(f"{where}: [{name}] needs shared = true or false")
            shared[name] = entry["shared"]
        if name in _CACHES and "replacement" in entry:
            policies[name] = _replacement(entry, tables[name], name, where)
            cites[f"{name}.replacement"] = citation(entry, f"{where}: [{name}] replacement",
                                                    prefix="replacement_")
    _check_geometry(tables, where)
    return HierarchySpec(core, tables, shared, cites, where, policies)


def _replacement(entry: dict[str, Any], t: dict[str, int], table: str, where: str) -> str:
    """A cache table's ``replacement``: a known policy its geometry can take."""
    value = entry["replacement"]
    if value not in POLICIES:
        raise CostModelError(f"{where}: [{table}] replacement = {value!r}: must be one of "
                             f"{', '.join(POLICIES)}")
    ways = t["ways"]
    if value == "plru" and (ways > 64 or ways & (ways - 1)):
        raise CostModelError(f"{where}: [{table}] replacement = 'plru' needs a power-of-two "
                             f"number of ways up to 64, not {ways}")
    return str(value)


def _number(entry: dict[str, Any], table: str, field: str, where: str) -> int:
    value = entry.get(field)
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < MAX_VALUE:
        raise CostModelError(f"{where}: [{table}] {field} = {value!r}: must be an integer "
                             f"from 0 to {MAX_VALUE - 1:,}")
    if field in _POW2 and (value == 0 or value & (value - 1)):
        raise CostModelError(f"{where}: [{table}] {field} = {value}: must be a power of two")
    return value


def _check_geometry(tables: dict[str, dict[str, int]], where: str) -> None:
    """Whole sets: size = sets x ways x line (TLBs: entries = sets x ways)."""
    for name, t in tables.items():
        if "ways" not in t:
            continue
        count = t["size"] // t["line"] if "size" in t else t["entries"]
        if t["ways"] == 0 or count == 0 or count % t["ways"] or (
                "size" in t and t["size"] % t["line"]):
            raise CostModelError(f"{where}: [{name}] does not make whole {t['ways']}-way "
                                 f"sets")
    if "l3" in tables and tables["l3"]["line"] < tables["l1d"]["line"]:
        raise CostModelError(f"{where}: [l3] line is shorter than [l1d]'s")
