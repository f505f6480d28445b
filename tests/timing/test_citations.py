"""Issue 17 item 1: every cost entry cites a public source by section, or is an estimate
that says how it was derived; nothing cites a file outside the project; BENCHMARKS.md's
per-core counts are the models' own."""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

import pytest
import tomllib
from hypothesis import given, settings
from hypothesis import strategies as st

from irqemu.errors import CostModelError
from irqemu.kernel.costs import COST_TABLE, KERNEL_COST_TABLES, KernelCost
from irqemu.timing import costmodel
from irqemu.timing.costmodel import builtin_cores, citation, load_cost_model

ROOT = Path(__file__).resolve().parents[2]
CORES = Path(costmodel.__file__).with_name("cores")
HEAD = 'core = "mine"\narch = "armv7"\nhz = 1000000\nhz_source = "my datasheet, section 2"\n'


def raw(core: str) -> dict:
    return tomllib.loads((CORES / f"{core}.toml").read_text(encoding="utf-8"))


def write(tmp_path: Path, text: str) -> str:
    f = tmp_path / "model.toml"
    f.write_text(text)
    return str(f)


def load_error(path: str) -> str:
    with pytest.raises(CostModelError) as exc:
        load_cost_model(path)
    msg = str(exc.value)
    assert "\n" not in msg and msg.startswith(path + ": ")
    return msg


@pytest.mark.parametrize("core", builtin_cores())
def test_every_shipped_entry_is_cited(core: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Parsed from the TOML text itself (not the kept parse): each entry and hz pass the
    rule, the Cost carries what the file says, and every estimate names its basis."""
    monkeypatch.setattr(costmodel, "_shipped_parse", lambda _core, _text: None)
    model = load_cost_model(core)
    data = raw(core)
    citation(data, f"{core}: hz", "hz_")
    for table, costs in (("classes", model.classes), ("events", model.events)):
        assert set(costs) == set(data.get(table, {}))
        for name, cost in costs.items():
            entry = data[table][name]
            assert cost.estimated == ("estimate" in entry)
            assert cost.source == (entry.get("source") or entry["estimate"]).strip()
            if cost.estimated:
                assert cost.basis, f"{core}: {table}.{name} estimate names no public basis"


def _texts(entry: dict, prefix: str = "") -> list[str]:
    return [entry[prefix + k] for k in ("source", "estimate", "basis") if prefix + k in entry]


@pytest.mark.parametrize("core", builtin_cores())
def test_no_shipped_citation_cites_a_file_outside_the_project(core: str) -> None:
    data = raw(core)
    texts = _texts(data, "hz_") + [t for table in ("classes", "events")
                                   for e in data.get(table, {}).values() for t in _texts(e)]
    assert texts
    for text in texts:
        assert "TIMING" not in text and ".md" not in text and "../" not in text, text


SRC = ROOT / "src"


def _is_bare_pair(node: ast.expr) -> bool:
    """``(cycles, "text")``: the form a cost entry had before it carried its citation."""
    return (isinstance(node, ast.Tuple) and len(node.elts) == 2
            and isinstance(node.elts[0], ast.Constant) and type(node.elts[0].value) is int
            and isinstance(node.elts[1], (ast.Constant, ast.JoinedStr)))


def cost_tables_in(source: str) -> tuple[list[str], list[str]]:
    """Module-level names of ``source`` that hold a cost table (``*_COSTS``,
    ``COST_TABLE``), and those bound to a dict literal of bare (cycles, text) pairs or
    marked as a figure by an "EST" comment instead of a KernelCost record."""
    named, bare = [], []
    for lineno, line in enumerate(source.splitlines(), 1):
        if "#" in line and re.search(r"\bEST\b", line.split("#", 1)[1]):
            bare.append(f"line {lineno}: EST comment")
    for node in ast.parse(source).body:
        targets = (node.targets if isinstance(node, ast.Assign) else
                   [node.target] if isinstance(node, ast.AnnAssign) else [])
        for t in targets:
            if not isinstance(t, ast.Name):
                continue
            if t.id.endswith("_COSTS") or t.id == "COST_TABLE":
                named.append(t.id)
            value = node.value
            dicts = [d for d in ast.walk(value) if isinstance(d, ast.Dict)] if value else []
            if any(d.values and any(_is_bare_pair(v) for v in d.values) for d in dicts):
                bare.append(t.id)
    return named, bare


def _module_tables() -> dict[str, tuple[str, str]]:
    """Every module-level cost table under src/irqemu: id(table) -> (module, name)."""
    found: dict[str, tuple[str, str]] = {}
    for path in sorted((SRC / "irqemu").rglob("*.py")):
        named, bare = cost_tables_in(path.read_text(encoding="utf-8"))
        module = ".".join(path.relative_to(SRC).with_suffix("").parts)
        assert not bare, f"{module}: {bare}: figures not in KernelCost records"
        for name in named:
            found[f"{module}.{name}"] = (module, name)
    return found


def check_kernel_cost_table(name: str, table: object) -> None:
    """One table against the citation rule: each entry a KernelCost whose citation
    citation() accepts, every estimate naming its public basis."""
    if not isinstance(table, dict) or not table:
        raise CostModelError(f"{name}: not a table of KernelCost entries")
    for entry, c in table.items():
        where = f"{name}[{entry}]"
        if not isinstance(c, KernelCost):
            raise CostModelError(f"{where}: a bare {type(c).__name__}, not a KernelCost")
        cited = {"estimate" if c.estimated else "source": c.source, "basis": c.basis}
        got = citation(cited, where)
        if (got.text, got.estimated, got.basis) != (c.source, c.estimated, c.basis):
            raise CostModelError(f"{where}: citation text has stray blanks")
        if "TIMING" in c.source + c.basis or c.source.startswith("EST"):
            raise CostModelError(f"{where}: says EST or cites TIMING instead of its basis")
        if type(c.cycles) is not int or not 0 <= c.cycles <= costmodel.MAX_CYCLES:
            raise CostModelError(f"{where}: cycles {c.cycles!r}")
        if c.estimated and not c.basis:
            raise CostModelError(f"{where}: estimate names no public basis")


def all_kernel_cost_tables() -> dict[str, dict[str, KernelCost]]:
    """The registry, after importing every module that defines a cost table; each of
    those tables is in it."""
    found = {qual: getattr(importlib.import_module(module), name)
             for qual, (module, name) in _module_tables().items()}
    registered = {id(t) for t in KERNEL_COST_TABLES.values()}
    for qual, table in found.items():
        assert id(table) in registered, f"{qual} is not registered (kernel_cost_table)"
    assert len(registered) == len(found) == len(KERNEL_COST_TABLES), sorted(found)
    return dict(KERNEL_COST_TABLES)


def test_every_kernel_cost_table_follows_the_same_rule() -> None:
    tables = all_kernel_cost_tables()
    assert {"COST_TABLE", "HRTIMER_COSTS", "NAPI_COSTS", "TIMERLAT_COSTS"} <= set(tables)
    assert tables["COST_TABLE"] is COST_TABLE
    for name, table in tables.items():
        check_kernel_cost_table(name, table)


def test_no_function_is_costed_by_two_tables() -> None:
    """kernel.costs takes the first table's figure (setdefault): a second would be dead."""
    seen: dict[str, str] = {}
    for name, table in all_kernel_cost_tables().items():
        for entry in table:
            assert entry not in seen, f"{entry} in {seen.get(entry)} and {name}"
            seen[entry] = name


@pytest.mark.parametrize("table,message", [
    ({"f": (10, "EST: ~10 instructions")}, "X[f]: a bare tuple, not a KernelCost"),
    ({"f": KernelCost(10, "EST: guess", True, "v4.6 f()")}, "X[f]: says EST"),
    ({"f": KernelCost(10, "~10 instructions", True)}, "X[f]: estimate names no public"),
    ({"f": KernelCost(10, "measured", False)}, "X[f]: source must name the section"),
    ({"f": KernelCost(10, "TIMING.md, p. 3", False)}, "X[f]: cites a file that is not"),
    ({"f": KernelCost(-1, "n", True, "b")}, "X[f]: cycles -1"),
    ({}, "X: not a table"),
])
def test_a_badly_cited_kernel_table_is_rejected(table: dict, message: str) -> None:
    with pytest.raises(CostModelError) as exc:
        check_kernel_cost_table("X", table)
    assert str(exc.value).startswith(message)


def test_a_table_of_bare_pairs_is_found_in_the_source() -> None:
    """The scan that finds the tables flags one written as (cycles, text) pairs, whatever
    it is called, and a figure marked EST in a comment, and names a *_COSTS table
    however it is written."""
    src = ('A = 1\nNEW_COSTS: dict = {"f": (10, "EST: guess")}\n'
           'OTHER = dict(x={"g": (3, f"EST {A}")})\nGOOD_COSTS = reg("G", {"h": est(1, "")})\n')
    assert cost_tables_in(src) == (["NEW_COSTS", "GOOD_COSTS"], ["NEW_COSTS", "OTHER"])
    assert cost_tables_in("X_CYCLES = 3  #: EST: a guess\n") == ([], ["line 1: EST comment"])


# -- a user's file: each way of getting the citation wrong is one line naming file and entry
ENTRY_CASES = [
    ("", "[classes.alu]: has no source (or estimate"),
    ('source = "my bench"\n', "[classes.alu]: source must name the section, table or page"),
    ('source = "TIMING.md, section 3"\n', "[classes.alu]: cites a file that is not part"),
    ('estimate = "see ../notes, p. 2"\n', "[classes.alu]: cites a file that is not part"),
    ('source = "my datasheet, p. 4"\nestimate = "guess"\n',
     "[classes.alu]: give source or estimate, not both"),
    ('source = "my datasheet, p. 4"\nbasis = "x, p. 1"\n',
     "[classes.alu]: basis belongs to an estimate"),
    ('estimate = "   "\n', "[classes.alu]: has no source (or estimate"),
    ('estimate = "guess"\nbasis = "notes.md"\n', "[classes.alu]: cites a file that is not part"),
]


@pytest.mark.parametrize("cite,message", ENTRY_CASES, ids=[c[1][15:40] for c in ENTRY_CASES])
def test_a_badly_cited_entry_is_rejected(tmp_path: Path, cite: str, message: str) -> None:
    path = write(tmp_path, HEAD + "[classes.alu]\ncycles = 1\n" + cite)
    assert message in load_error(path)


@pytest.mark.parametrize("cite,message", [
    ("", "'hz': has no hz_source (or hz_estimate"),
    ('hz_source = "my board"\n', "'hz': hz_source must name the section"),
    ('hz_source = "TIMING.md table 1"\n', "'hz': cites a file that is not part"),
    ('hz_source = "p. 1"\nhz_estimate = "guess"\n', "give hz_source or hz_estimate, not both"),
])
def test_a_badly_cited_clock_is_rejected(tmp_path: Path, cite: str, message: str) -> None:
    head = HEAD.replace('hz_source = "my datasheet, section 2"\n', cite)
    path = write(tmp_path, head + '[classes.alu]\ncycles = 1\nsource = "my datasheet, p. 4"\n')
    assert message in load_error(path)


def test_an_event_is_named_too(tmp_path: Path) -> None:
    path = write(tmp_path, HEAD + '[classes.alu]\ncycles = 1\nestimate = "guess"\n'
                 "[events.mmio_access]\ncycles = 9\n")
    assert "[events.mmio_access]: has no source" in load_error(path)


def test_both_shapes_load_and_keep_their_citation(tmp_path: Path) -> None:
    path = write(tmp_path, HEAD.replace('hz_source = "my datasheet, section 2"',
                                        'hz_estimate = "the board\'s crystal"')
                 + '[classes.alu]\ncycles = 1\nsource = " my datasheet, table 3 "\n'
                 '[classes.load]\ncycles = 2\nestimate = "two alu"\nbasis = "table 3"\n')
    model = load_cost_model(path)
    assert model.classes["alu"] == costmodel.Cost(1, "my datasheet, table 3")
    assert model.classes["load"] == costmodel.Cost(2, "two alu", True, "table 3")
    assert model.estimated() == ["classes.load"] and model.entries() == 2


@settings(max_examples=60, derandomize=True, deadline=None)
@given(keys=st.sets(st.sampled_from(["source", "estimate", "basis"])),
       text=st.sampled_from(["", "  ", "measured", "TRM, section 4", "Table 2", "a.md p. 1",
                             "https://example.org/x", "../x, p. 3"]))
def test_citation_accepts_exactly_one_well_formed_shape(keys: set[str], text: str) -> None:
    """Whatever an entry holds, citation() returns the one shape the rule allows, or a
    one-line CostModelError naming where."""
    entry = dict.fromkeys(keys, text)
    try:
        got = citation(entry, "f.toml: [classes.x]")
    except CostModelError as exc:
        assert "\n" not in str(exc) and str(exc).startswith("f.toml: [classes.x]: ")
        return
    assert ("source" in keys) != ("estimate" in keys)
    assert got.estimated == ("estimate" in keys) and got.text == text.strip()
    assert ".md" not in text and "../" not in text
    if not got.estimated:
        assert "basis" not in keys
        assert any(mark in text.lower() for mark in costmodel._SECTION_MARKS)


def _bench_table() -> dict[str, tuple[int, int, int]]:
    """The per-model counts BENCHMARKS.md's cost-entries section states."""
    text = (ROOT / "BENCHMARKS.md").read_text(encoding="utf-8")
    begin, end = "<!-- cost_entries:begin -->", "<!-- cost_entries:end -->"
    assert begin in text and end in text, "BENCHMARKS.md has no cost-entries section"
    rows: dict[str, tuple[int, int, int]] = {}
    for line in text[text.index(begin):text.index(end)].splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 4 and cells[1].isdigit():
            rows[cells[0].strip("`")] = (int(cells[1]), int(cells[2]), int(cells[3]))
    return rows


def test_benchmarks_md_counts_are_the_models() -> None:
    """The doc cannot go stale: its table is compared with counts computed from the models."""
    want: dict[str, tuple[int, int, int]] = {}
    for core in builtin_cores():
        m = load_cost_model(core)
        est = len(m.estimated())
        want[core] = (m.entries(), m.entries() - est, est)
    for name, table in all_kernel_cost_tables().items():
        est = sum(c.estimated for c in table.values())
        want[f"kernel {name}"] = (len(table), len(table) - est, est)
    assert _bench_table() == want


def test_docs_example_model_loads(tmp_path: Path) -> None:
    """docs/timing.md's example user model is one the loader accepts."""
    text = (ROOT / "docs" / "timing.md").read_text(encoding="utf-8")
    example = text.split("```toml\n", 1)[1].split("```", 1)[0]
    model = load_cost_model(write(tmp_path, example))
    assert model.estimated() == ["classes.mask", "events.exception_entry"]


def test_docs_error_example_is_the_message(tmp_path: Path) -> None:
    path = write(tmp_path, HEAD + '[classes.alu]\ncycles = 1\nsource = "my bench"\n')
    msg = load_error(path)
    doc = (ROOT / "docs" / "timing.md").read_text(encoding="utf-8")
    assert msg.replace(path, "mine.toml") in doc.replace("\n", " ")
