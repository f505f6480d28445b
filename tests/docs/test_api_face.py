"""The public API: ``irqemu.__all__`` names it, each name documented and typed, and
``import irqemu`` imports none of it until it is used (issue 14 item 3)."""

from __future__ import annotations

import ast
import inspect
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import irqemu

INIT = Path(irqemu.__file__).resolve()
PUBLIC = [n for n in irqemu.__all__ if n != "__version__"]


def test_all_names_resolve_to_their_modules() -> None:
    for name in PUBLIC:
        obj = getattr(irqemu, name)
        module = irqemu._API[name]
        assert getattr(sys.modules[module], name) is obj
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        irqemu.nope  # noqa: B018
    assert set(PUBLIC) <= set(dir(irqemu))


@pytest.mark.parametrize("name", PUBLIC)
def test_each_name_has_a_one_line_summary_and_types(name: str) -> None:
    obj = getattr(irqemu, name)
    if not (inspect.isclass(obj) or inspect.isfunction(obj)):
        return  # data (BOARDS): documented in the module
    doc = inspect.getdoc(obj) or ""
    assert doc.strip(), f"{name} has no docstring"
    assert len(doc.splitlines()[0]) <= 100
    if inspect.isfunction(obj):
        sig = inspect.signature(obj)
        missing = [p for p, v in sig.parameters.items() if v.annotation is inspect.Parameter.empty]
        assert not missing, f"{name}: parameters without a type: {missing}"
        assert sig.return_annotation is not inspect.Signature.empty, f"{name}: no return type"


def test_the_stub_types_the_same_names() -> None:
    tree = ast.parse(INIT.with_suffix(".pyi").read_text())
    stubbed = {a.asname or a.name: node.module for node in tree.body
               if isinstance(node, ast.ImportFrom) and node.module != "typing"
               for a in node.names}
    assert stubbed == irqemu._API


def test_import_irqemu_imports_nothing_else() -> None:
    env = dict(os.environ, PYTHONPATH=str(INIT.parents[1]))
    code = "import sys, irqemu; print(sorted(m for m in sys.modules if m.startswith('irqemu')))"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "['irqemu']"


def test_unknown_names_are_one_line_errors() -> None:
    m = irqemu.load("timer.elf")
    with pytest.raises(irqemu.IrqemuError, match="no symbol 'nope' in the loaded firmware"):
        irqemu.read_u32(m, "nope")
    with pytest.raises(irqemu.IrqemuError, match="no registers known for architecture 'z80'"):
        irqemu.reg_id("z80", "a")
    with pytest.raises(irqemu.IrqemuError, match="give fmt"):
        irqemu.write_trace(irqemu.Recorder(), "trace.txt")


def test_registers_by_name_on_every_arch() -> None:
    for fw, board, reg in (("timer.elf", "imx6q", "r7"), ("timer.elf", "virt-a53", "x19"),
                           ("timer.elf", "pc", "r12")):
        m = irqemu.load(fw, board)
        irqemu.write_reg(m, reg, 0x5A5A)
        assert irqemu.read_reg(m, reg) == 0x5A5A
        assert irqemu.read_reg(m, "pc" if board != "pc" else "rip") == m.image.entry


@pytest.mark.parametrize("name", [n for n in PUBLIC if inspect.isclass(getattr(irqemu, n))])
def test_public_methods_say_what_they_do(name: str) -> None:
    cls = getattr(irqemu, name)
    missing = []
    for attr, value in vars(cls).items():
        if attr.startswith("_") or re.match(r"(read|write)_[A-Z]", attr):
            continue  # private, or a register-map callback (read_INT_STATUS: the map says)
        f = value.fget if isinstance(value, property) else value
        if inspect.isfunction(f) and not inspect.getdoc(f):
            missing.append(attr)
    assert not missing, f"{name}: public methods without a docstring: {missing}"
