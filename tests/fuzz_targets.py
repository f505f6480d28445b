"""Parser fuzz targets: the ELF loader, cost-model files, fuzz replay files, CLI values.

Each target takes raw bytes and must end in its parser's one-line error or a
valid result; any other exception is a bug. ``tests/fuzz/test_fuzz_parsers.py``
runs them briefly with hypothesis in the suite; for a longer, coverage-guided
run (atheris, ``pip install atheris``)::

    python tests/fuzz_targets.py elf -runs=200000          # or costmodel, replay, cli
    python tests/fuzz_targets.py elf -max_total_time=600

Arguments after the target go to libFuzzer. Findings become cases in
tests/machine/test_elf_validation.py, tests/timing/test_costmodel_validation.py or
tests/cli/test_bad_values.py.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
try:  # the suite imports the installed package; run as a script from a checkout, use src/
    import irqemu  # noqa: F401
except ImportError:
    sys.path.insert(0, str(ROOT / "src"))

from irqemu.errors import ElfLoadError, GuestError  # noqa: E402
from irqemu.timing import CostModelError  # noqa: E402
from irqemu.timing.costmodel import MAX_CYCLES, MAX_HZ, MIN_HZ, load_cost_model  # noqa: E402

_TMP = Path(tempfile.mkdtemp(prefix="irqemu-fuzz-"))
_MACHINES: dict[str, object] = {}

#: seed inputs: the committed firmware (every machine type), a cost model, a replay file
SEED_ELFS = sorted((ROOT / "firmware").glob("*/*.elf"))
SEED_COSTMODEL = ROOT / "src/irqemu/timing/cores/cortex-a9.toml"


def _file(data: bytes, name: str) -> Path:
    path = _TMP / name
    path.write_bytes(data)
    return path


def target_elf(data: bytes) -> None:
    """read_elf, then loading into the ELF's default board: an image or ElfLoadError."""
    from irqemu.boards import board_for_elf, build_board
    from irqemu.machine.elf import read_elf

    path = _file(data, "f.elf")
    try:
        image = read_elf(path)
    except ElfLoadError as exc:
        assert "\n" not in str(exc)
        return
    try:
        board = board_for_elf(image.machine)
    except ValueError:
        return
    if board not in _MACHINES:
        _MACHINES[board] = build_board(board, num_cpus=1)
    machine = _MACHINES[board]
    try:
        machine.load_elf(str(path))  # type: ignore[attr-defined]
    except (ElfLoadError, GuestError) as exc:
        assert "\n" not in str(exc)


def target_costmodel(data: bytes) -> None:
    """A cost-model file: a model whose numbers are in range, or CostModelError."""
    path = _file(data, "m.toml")
    try:
        model = load_cost_model(str(path))
    except CostModelError as exc:
        assert "\n" not in str(exc)
        return
    assert isinstance(model.hz, int) and MIN_HZ <= model.hz <= MAX_HZ
    for table in (model.classes, model.events):
        for cost in table.values():
            assert isinstance(cost.cycles, int) and 0 <= cost.cycles <= MAX_CYCLES
            assert cost.source.strip()


def target_replay(data: bytes) -> None:
    """A fuzz replay file up to the point it would run: accepted, or FuzzError."""
    from irqemu.fuzz.lost_update import FuzzError, _load, check_schedule, variant_spec
    from irqemu.fuzz.strategies import schedule_from_json

    path = _file(data, "r.json")
    try:
        saved = _load(path)
        spec = variant_spec(saved["variant"])
        check_schedule(spec, schedule_from_json(saved["schedule"]))
    except (FuzzError, ValueError) as exc:
        assert "\n" not in str(exc)


def target_cli(data: bytes) -> None:
    """Command lines: parsed, or a one-line usage error and exit 2 (nothing runs)."""
    from irqemu.cli import build_parser
    from irqemu.fuzz.cli import build_parser as fuzz_parser

    words = data.decode("utf-8", "replace").split("\x00")
    argv = [w for w in words if w][:8]
    for parser in (build_parser(), fuzz_parser()):
        try:
            parser.parse_args(argv)
        except SystemExit as exc:
            assert exc.code in (0, 2)


TARGETS = {"elf": target_elf, "costmodel": target_costmodel, "replay": target_replay,
           "cli": target_cli}


def seeds(target: str) -> list[bytes]:
    if target == "elf":
        return [p.read_bytes() for p in SEED_ELFS]
    if target == "costmodel":
        return [SEED_COSTMODEL.read_bytes()]
    if target == "replay":
        return [json.dumps({"format": "irqemu-fuzz/1", "scenario": "lost-update",
                            "variant": "plain", "task_iters": 100,
                            "schedule": [[1000, 0, 0, 1]]}).encode()]
    return [b"boot\x00firmware/armv7/timer.elf\x00--max-time-ms\x001",
            b"scenario\x00napi-storm\x00--rate\x001e5", b"lost-update\x00--examples\x005"]


def main() -> None:
    import contextlib
    import io

    import atheris

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("target", choices=sorted(TARGETS))
    args, rest = p.parse_known_args()
    corpus = _TMP / f"corpus-{args.target}"
    corpus.mkdir(exist_ok=True)
    for i, s in enumerate(seeds(args.target)):
        (corpus / f"seed{i}").write_bytes(s)
    fn = TARGETS[args.target]

    def one(data: bytes) -> None:
        with contextlib.redirect_stderr(io.StringIO()), contextlib.redirect_stdout(io.StringIO()):
            fn(data)

    atheris.instrument_all()
    atheris.Setup([sys.argv[0], *rest, str(corpus)], one)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
