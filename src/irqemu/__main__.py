"""python -m irqemu: the same as the irqemu command."""

import sys

from irqemu.cli import main

sys.exit(main())
