"""Each traced kernel function names itself once: in ``@kfunc``.

The body calls ``kernel.fentry(..., *args)``; ``@kfunc`` binds the ``...`` to the
name. ``kernel.enter(name, ...)`` with a literal name is for code outside the
kernel model and for probe points that are not functions.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

import pytest
from kfakes import bh_kernel, hardirq_do

import irqemu.kernel
from irqemu.kernel import Kernel
from irqemu.kernel.context import KFUNC_CODES, KFUNC_NAMES, kfunc, model_stack
from irqemu.kernel.tasklet import TaskletStruct, tasklet_hi_schedule, tasklet_schedule

KERNEL = Path(irqemu.kernel.__file__).parent


def _kfunc_name(fn: ast.FunctionDef) -> str | None:
    for d in fn.decorator_list:
        if isinstance(d, ast.Call) and isinstance(d.func, ast.Name) and d.func.id == "kfunc":
            if d.args and isinstance(d.args[0], ast.Constant):
                return str(d.args[0].value)
            return fn.name
    return None


def _own_nodes(fn: ast.FunctionDef) -> list[ast.AST]:
    """The nodes of ``fn``'s body, not those of functions nested in it."""
    out: list[ast.AST] = []
    todo: list[ast.AST] = list(fn.body)
    while todo:
        node = todo.pop()
        out.append(node)
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda,
                                 ast.ClassDef)):
            todo.extend(ast.iter_child_nodes(node))
    return out


def _functions() -> list[tuple[str, ast.FunctionDef]]:
    out = []
    for path in sorted(KERNEL.rglob("*.py")):
        tree = ast.parse(path.read_text(), str(path))
        where = str(path.relative_to(KERNEL))
        out += [(f"{where}:{n.lineno} {n.name}", n) for n in ast.walk(tree)
                if isinstance(n, ast.FunctionDef)]
    return out


def _calls(nodes: list[ast.AST], attr: str) -> list[ast.Call]:
    return [n for n in nodes if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
            and n.func.attr == attr]


def test_no_kfunc_passes_its_name_to_enter() -> None:
    bad = []
    for where, fn in _functions():
        if _kfunc_name(fn) is None:
            continue
        for call in _calls(_own_nodes(fn), "enter"):
            if call.args and isinstance(call.args[0], ast.Constant):
                bad.append(f"{where}: enter({call.args[0].value!r}, ...): use fentry(..., ...)")
    assert not bad, "\n".join(bad)


def test_fentry_only_in_kfuncs_with_the_placeholder() -> None:
    """fentry's first argument is ``...`` and its function is a ``@kfunc`` (else the
    ``...`` is never bound); a kfunc body uses ``...`` for nothing else."""
    bad = []
    for where, fn in _functions():
        nodes = _own_nodes(fn)
        calls = _calls(nodes, "fentry")
        is_kfunc = _kfunc_name(fn) is not None
        if calls and not is_kfunc:
            bad.append(f"{where}: calls fentry without @kfunc")
        placeholders = set()
        for call in calls:
            first = call.args[0] if call.args else None
            if not (isinstance(first, ast.Constant) and first.value is Ellipsis):
                bad.append(f"{where}: fentry's first argument is not ...")
            else:
                placeholders.add(id(first))
        if is_kfunc:
            for n in nodes:
                if isinstance(n, ast.Constant) and n.value is Ellipsis \
                        and id(n) not in placeholders:
                    bad.append(f"{where}:{n.lineno}: ... used outside fentry in a @kfunc")
            # a lambda's code is not the kfunc's: its ... would stay unbound
            for n in ast.walk(fn):
                if isinstance(n, ast.Lambda) and _calls(list(ast.walk(n)), "fentry"):
                    bad.append(f"{where}:{n.lineno}: fentry in a lambda")
    assert not bad, "\n".join(bad)


def test_charged_probed_and_stack_names_agree() -> None:
    """The name bound into each kfunc's code is the name it is registered (and, for
    stack functions, shown in stacks) under."""
    for mod in pkgutil.walk_packages(irqemu.kernel.__path__, "irqemu.kernel."):
        importlib.import_module(mod.name)
    kernel_codes = [c for c in KFUNC_NAMES if Path(c.co_filename).is_relative_to(KERNEL)]
    assert len(kernel_codes) > 80
    for code in kernel_codes:
        name = KFUNC_NAMES[code]
        assert Ellipsis not in code.co_consts, code.co_qualname
        if code in KFUNC_CODES:
            assert KFUNC_CODES[code] == name
    fentry_codes = [c for c in kernel_codes if "fentry" in c.co_names]
    assert len(fentry_codes) > 60
    for code in fentry_codes:
        assert KFUNC_NAMES[code] in code.co_consts, code.co_qualname
    # not shown in stacks, charged and probed all the same
    stackless = {KFUNC_NAMES[c] for c in kernel_codes if c not in KFUNC_CODES}
    assert {"napi_enable", "napi_disable", "netif_napi_add", "raise_softirq", "invoke_softirq",
            "fec_enet_open", "__local_bh_enable_ip"} <= stackless


def test_fentry_charges_and_probes_under_the_declared_name() -> None:
    k = Kernel("mainline")
    k.costs = {"model_fn": 7}
    seen: list[tuple[str, tuple[object, ...], list[str]]] = []
    k.register_kprobe("model_fn", lambda kk, name, *a: seen.append((name, a, model_stack())))

    @kfunc("model_fn")
    def some_python_name(x: int) -> None:
        k.fentry(..., x)

    before = k.ops.cycles[0]  # type: ignore[attr-defined]
    some_python_name(3)
    assert k.ops.cycles[0] - before == 7  # type: ignore[attr-defined]
    assert seen == [("model_fn", (3,), ["model_fn", *seen[0][2][1:]])]


def test_fentry_without_kfunc_fails_loudly() -> None:
    k = Kernel("mainline")

    def undeclared() -> None:
        k.fentry(...)

    with pytest.raises(RuntimeError, match="not declared with @kfunc"):
        undeclared()


def test_tasklet_schedule_and_hi_schedule_are_two_functions() -> None:
    k = bh_kernel()
    hits: list[tuple[str, list[str]]] = []
    for name in ("__tasklet_schedule", "__tasklet_hi_schedule"):
        k.register_kprobe(name, lambda kk, n, *a: hits.append((n, model_stack()[:1])))
    t1 = TaskletStruct(lambda data: None, 0, name="t1")
    t2 = TaskletStruct(lambda data: None, 0, name="t2")
    hardirq_do(k, lambda: tasklet_schedule(k, t1))
    hardirq_do(k, lambda: tasklet_hi_schedule(k, t2))
    assert hits == [("__tasklet_schedule", ["__tasklet_schedule"]),
                    ("__tasklet_hi_schedule", ["__tasklet_hi_schedule"])]
