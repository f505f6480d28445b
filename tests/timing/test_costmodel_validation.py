"""A user's cost-model file is validated: one-line CostModelError naming the field, nothing else."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from irqemu.timing import CostModelError, load_cost_model
from irqemu.timing.costmodel import MAX_CYCLES, MAX_HZ, MIN_HZ

GOOD = ('core = "mine"\narch = "armv7"\nhz = 1000000\nhz_source = "my board\'s datasheet, '
        'section 2"\n[classes.alu]\ncycles = 1\nsource = "my measurement, table 1"\n')


def write(tmp_path: Path, text: str | bytes) -> str:
    f = tmp_path / "model.toml"
    f.write_bytes(text if isinstance(text, bytes) else text.encode())
    return str(f)


BAD = [
    ("hz = 1000000", "hz = 0", "hz = 0: must be an integer from 1,000 to 100,000,000,000"),
    ("hz = 1000000", "hz = -5", "hz = -5: must be an integer"),
    ("hz = 1000000", "hz = 1e9", "hz = 1000000000.0: must be an integer"),
    ("hz = 1000000", "hz = true", "hz = True: must be an integer"),
    ("hz = 1000000", "hz = 10_000_000_000_000", "must be an integer from 1,000"),
    ('arch = "armv7"', 'arch = "mips"', "arch = 'mips': must be one of armv7, aarch64, x86_64"),
    ("cycles = 1", "cycles = -1", "[classes.alu] cycles = -1: must be an integer from 0"),
    ("cycles = 1", "cycles = 1.5", "[classes.alu] cycles = 1.5: must be an integer"),
    ("cycles = 1", "cycles = true", "[classes.alu] cycles = True: must be an integer"),
    ("cycles = 1", "cycles = 10000001",
     "cycles = 10000001: must be an integer from 0 to 1,000,000"),
    ('source = "my measurement, table 1"', 'source = ""', "[classes.alu]: has no source"),
    ('hz_source = "my board\'s datasheet, section 2"\n', "", "'hz': has no hz_source"),
]


@pytest.mark.parametrize("old,new,message", BAD, ids=[b[1] or "no-hz-source" for b in BAD])
def test_bad_field_is_named(tmp_path: Path, old: str, new: str, message: str) -> None:
    path = write(tmp_path, GOOD.replace(old, new))
    with pytest.raises(CostModelError) as exc:
        load_cost_model(path)
    assert str(exc.value).startswith(path + ": ") and message in str(exc.value)
    assert "\n" not in str(exc.value)


def test_binary_file(tmp_path: Path) -> None:
    path = write(tmp_path, b"\xff\xfe\x00garbage")
    with pytest.raises(CostModelError, match="not a text"):
        load_cost_model(path)


def test_the_good_file_loads(tmp_path: Path) -> None:
    model = load_cost_model(write(tmp_path, GOOD))
    assert (model.core, model.arch, model.hz, model.cycles("alu")) == ("mine", "armv7", 10**6, 1)


@given(hz=st.one_of(st.integers(-10, 2 * MAX_HZ), st.floats(allow_nan=False,
                                                            allow_infinity=False)),
       cycles=st.one_of(st.integers(-10, 2 * MAX_CYCLES), st.booleans()))
def test_any_numbers_load_in_range_or_fail_cleanly(tmp_path_factory: pytest.TempPathFactory,
                                                   hz: int | float, cycles: int | bool) -> None:
    """Whatever numbers a file holds, loading gives a model within range or a CostModelError."""
    text = GOOD.replace("hz = 1000000", f"hz = {str(hz).lower()}").replace(
        "cycles = 1", f"cycles = {str(cycles).lower()}")
    path = write(tmp_path_factory.mktemp("m"), text)
    try:
        model = load_cost_model(path)
    except CostModelError as exc:
        assert "\n" not in str(exc)
        return
    assert isinstance(model.hz, int) and MIN_HZ <= model.hz <= MAX_HZ
    assert isinstance(model.cycles("alu"), int) and 0 <= model.cycles("alu") <= MAX_CYCLES
