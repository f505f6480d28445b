#!/usr/bin/env python3
"""`irqemu bench atomics` as a script: see irqemu.bench.atomics (options: --arch, --json, --quick,
--write-md)."""

import sys

from irqemu.cli import main

if __name__ == "__main__":
    sys.exit(main(["bench", "atomics", *sys.argv[1:]]))
