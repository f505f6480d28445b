"""Types of the names ``irqemu`` imports on first use (see __init__.py)."""

from typing import Any

from irqemu.api import ApiError as ApiError
from irqemu.api import add_irq_source as add_irq_source
from irqemu.api import boot as boot
from irqemu.api import load as load
from irqemu.api import read_reg as read_reg
from irqemu.api import read_u32 as read_u32
from irqemu.api import reg_id as reg_id
from irqemu.api import run_scenario as run_scenario
from irqemu.api import symbol as symbol
from irqemu.api import write_reg as write_reg
from irqemu.api import write_trace as write_trace
from irqemu.api import write_u32 as write_u32
from irqemu.boards import BOARDS as BOARDS
from irqemu.boards import build_board as build_board
from irqemu.bundled import bundled_firmware as bundled_firmware
from irqemu.bundled import bundled_names as bundled_names
from irqemu.bundled import resolve_firmware as resolve_firmware
from irqemu.devices.irq_source import IrqSource as IrqSource
from irqemu.errors import GuestError as GuestError
from irqemu.errors import IrqemuError as IrqemuError
from irqemu.machine.machine import Machine as Machine
from irqemu.machine.machine import RunResult as RunResult
from irqemu.scenarios.base import ScenarioResult as ScenarioResult
from irqemu.trace.kprobes import Kprobe as Kprobe
from irqemu.trace.record import Recorder as Recorder
from irqemu.trace.stackcount import StackCount as StackCount

__version__: str
__all__: list[str]
_API: dict[str, str]

def __getattr__(name: str) -> Any: ...
def __dir__() -> list[str]: ...
