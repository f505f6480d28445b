#!/usr/bin/env python3
"""`irqemu bench masking` as a script: see irqemu.bench.masking (options: --arch, --json, --quick,
--write-md)."""

import sys

from irqemu.cli import main

if __name__ == "__main__":
    sys.exit(main(["bench", "masking", *sys.argv[1:]]))
