"""Parsers under mutation: every mutated input ends in a valid result or a one-line error.

A short hypothesis run of the targets in tests/fuzz_targets.py (run that file
with atheris for a long, coverage-guided search).
"""

from __future__ import annotations

import pytest
from fuzz_targets import TARGETS, seeds
from hypothesis import given, settings
from hypothesis import strategies as st


@st.composite
def mutated(draw: st.DrawFn, target: str) -> bytes:
    """A seed with some bytes overwritten, inserted or cut, or truncated."""
    data = bytearray(draw(st.sampled_from(seeds(target))))
    for _ in range(draw(st.integers(1, 8))):
        if not data:
            break
        i = draw(st.integers(0, len(data) - 1))
        op = draw(st.sampled_from(("set", "insert", "delete", "truncate", "field")))
        if op == "set":
            data[i] = draw(st.integers(0, 255))
        elif op == "insert":
            data[i:i] = draw(st.binary(min_size=1, max_size=8))
        elif op == "delete":
            del data[i:i + draw(st.integers(1, 16))]
        elif op == "truncate":
            del data[i:]
        else:  # a 32-bit field set to an extreme value (sizes, offsets, counts)
            data[i:i + 4] = draw(st.sampled_from((b"\xff\xff\xff\xff", b"\x00\x00\x00\x00",
                                                  b"\x00\x00\x00\x80", b"\x01\x00\x00\x00")))
    return bytes(data)


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_seeds_are_accepted(target: str) -> None:
    for s in seeds(target):
        TARGETS[target](s)


@settings(max_examples=150, deadline=None)
@given(data=mutated("elf"))
def test_mutated_elf(data: bytes) -> None:
    TARGETS["elf"](data)


@settings(max_examples=150, deadline=None)
@given(data=st.one_of(mutated("costmodel"), st.binary(max_size=200)))
def test_mutated_costmodel(data: bytes) -> None:
    TARGETS["costmodel"](data)


@settings(max_examples=150, deadline=None)
@given(data=st.one_of(mutated("replay"), st.binary(max_size=200)))
def test_mutated_replay(data: bytes) -> None:
    TARGETS["replay"](data)


@settings(max_examples=150, deadline=None)
@given(data=st.one_of(mutated("cli"), st.binary(max_size=60)))
def test_mutated_command_line(data: bytes) -> None:
    TARGETS["cli"](data)
