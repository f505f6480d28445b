"""``--check EXPR``: a tiny, safe predicate over ELF symbols, read from guest RAM.

``counter == task_done + handled`` reads each symbol as a 32-bit little-endian
word at its ELF address at the end of a run; ``handled_line[1]`` reads the
word at ``handled_line + 4``. Allowed: integer constants, symbol names (each
must be in the ELF), ``name[i]`` with a constant ``i``, ``+ - * // % & | ^ <<
>>``, unary ``-`` and ``~``, comparisons (chains too), ``and``/``or``/``not``.
Anything else (calls, attributes, strings, lambdas, ...) is refused when the
expression is parsed, in one line. The tree is walked here; nothing is eval'd.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable, Iterable
from typing import Any, NoReturn

WORD = 4
MAX_INDEX = 1 << 16  #: ``name[i]``: i words past the symbol at most
MAX_SHIFT = 64  #: ``<<``: a bigger shift is a typo, not a predicate

_BINOPS: dict[type, Callable[[int, int], int]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
    ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod, ast.BitAnd: operator.and_,
    ast.BitOr: operator.or_, ast.BitXor: operator.xor, ast.LShift: operator.lshift,
    ast.RShift: operator.rshift,
}
_CMPOPS: dict[type, Callable[[int, int], bool]] = {
    ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
    ast.Gt: operator.gt, ast.GtE: operator.ge,
}
_UNOPS: dict[type, Callable[[int], int]] = {
    ast.USub: operator.neg, ast.UAdd: operator.pos, ast.Invert: operator.inv,
    ast.Not: lambda v: int(not v),
}


class CheckError(ValueError):
    """A refused expression or one that cannot be evaluated: one line for the user."""


class Check:
    """A parsed ``--check`` expression: which words it reads, and its value."""

    def __init__(self, text: str, symbols: Iterable[str]) -> None:
        self.text = text
        known = set(symbols)
        try:
            tree = ast.parse(text.strip(), mode="eval")
        except SyntaxError as exc:
            raise CheckError(f"--check {text!r}: not an expression ({exc.msg})") from None
        self._tree = tree.body
        self.reads: list[tuple[str, int]] = []  #: (symbol, word index), in first-use order
        self._validate(self._tree, known)

    def _validate(self, node: ast.AST, known: set[str]) -> None:
        """Refuse every node kind outside the whitelist; collect the words read."""
        if isinstance(node, ast.Constant):
            if not isinstance(node.value, int) or isinstance(node.value, bool):
                self._refuse(node, f"constant {node.value!r} (only integers)")
        elif isinstance(node, ast.Name):
            self._read(node, node.id, 0, known)
        elif isinstance(node, ast.Subscript):
            base, index = node.value, node.slice
            i = index.value if isinstance(index, ast.Constant) else None
            if not isinstance(base, ast.Name) or not isinstance(i, int) \
                    or isinstance(i, bool) or not 0 <= i < MAX_INDEX:
                self._refuse(node, f"{ast.unparse(node)!r} (only symbol[constant index "
                                   f"0..{MAX_INDEX - 1}])")
                return
            self._read(node, base.id, i, known)
        elif isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
            self._validate(node.left, known)
            self._validate(node.right, known)
        elif isinstance(node, ast.UnaryOp) and type(node.op) in _UNOPS:
            self._validate(node.operand, known)
        elif isinstance(node, ast.BoolOp):
            for v in node.values:
                self._validate(v, known)
        elif isinstance(node, ast.Compare) and all(type(o) in _CMPOPS for o in node.ops):
            for v in (node.left, *node.comparators):
                self._validate(v, known)
        else:
            self._refuse(node, f"{ast.unparse(node)!r} ({type(node).__name__.lower()} "
                               "is not allowed)")

    def _refuse(self, node: ast.AST, what: str) -> NoReturn:
        raise CheckError(f"--check {self.text!r}: refused {what}; allowed: symbols, "
                         "symbol[i], integers, arithmetic, comparisons, and/or/not")

    def _read(self, node: ast.AST, name: str, index: int, known: set[str]) -> None:
        if name not in known:
            raise CheckError(f"--check {self.text!r}: unknown symbol {name!r} (not in the "
                             "firmware's ELF symbol table)")
        if (name, index) not in self.reads:
            self.reads.append((name, index))

    def values(self, read_word: Callable[[str, int], int]) -> dict[str, int]:
        """The words the expression reads, as ``{"name": v, "name[1]": v}``."""
        return {_label(n, i): read_word(n, i) for n, i in self.reads}

    def holds(self, values: dict[str, int]) -> bool:
        """The expression's truth on ``values`` (from :meth:`values`)."""
        return bool(self._eval(self._tree, values))

    def _eval(self, node: ast.AST, env: dict[str, int]) -> int:
        if isinstance(node, ast.Constant):
            assert isinstance(node.value, int)
            return node.value
        if isinstance(node, ast.Name):
            return env[node.id]
        if isinstance(node, ast.Subscript):
            base, index = node.value, node.slice
            assert isinstance(base, ast.Name) and isinstance(index, ast.Constant)
            assert isinstance(index.value, int)
            return env[_label(base.id, index.value)]
        if isinstance(node, ast.BinOp):
            return self._binop(node, self._eval(node.left, env), self._eval(node.right, env))
        if isinstance(node, ast.UnaryOp):
            return _UNOPS[type(node.op)](self._eval(node.operand, env))
        if isinstance(node, ast.BoolOp):
            vals = (self._eval(v, env) for v in node.values)
            return int(all(vals) if isinstance(node.op, ast.And) else any(vals))
        assert isinstance(node, ast.Compare)
        left = self._eval(node.left, env)
        for op, right_node in zip(node.ops, node.comparators, strict=True):
            right = self._eval(right_node, env)
            if not _CMPOPS[type(op)](left, right):
                return 0
            left = right
        return 1

    def _binop(self, node: ast.BinOp, a: int, b: int) -> int:
        if isinstance(node.op, ast.FloorDiv | ast.Mod) and b == 0:
            raise CheckError(f"--check {self.text!r}: division by zero in "
                             f"{ast.unparse(node)!r}")
        if isinstance(node.op, ast.LShift | ast.RShift) and not 0 <= b <= MAX_SHIFT:
            raise CheckError(f"--check {self.text!r}: shift by {b} in {ast.unparse(node)!r} "
                             f"(0..{MAX_SHIFT})")
        return _BINOPS[type(node.op)](a, b)


def _label(name: str, index: int) -> str:
    return name if index == 0 else f"{name}[{index}]"


def word_reader(machine: Any) -> Callable[[str, int], int]:
    """``read(name, index)``: the 32-bit little-endian word ``index`` past ELF symbol
    ``name`` in ``machine``'s memory."""
    syms = machine.image.symbols

    def read(name: str, index: int) -> int:
        addr = syms[name] + WORD * index
        if not machine.has_memory(addr, WORD):
            raise CheckError(f"--check: {_label(name, index)} at {addr:#x} is not in RAM")
        return int.from_bytes(machine.mem_read(addr, WORD), "little")

    return read


__all__ = ["Check", "CheckError", "word_reader"]
