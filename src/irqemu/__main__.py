"""python -m irqemu: the same as the irqemu command."""

import sys

from irqemu.cli import main

if __name__ == "__main__":  # not when a sweep's spawned worker imports it as __mp_main__
    sys.exit(main())
