"""The datasheet: register layouts, offsets and bit names of the emulated hardware.

Ground floor: plain data shared by a device model (``irqemu.devices``) and the
Linux driver model that programs it (``irqemu.kernel.drivers``), so both read
the same reference-manual facts instead of one importing the other. No
behaviour; nothing here imports from irqemu except ``irqemu.errors``. One
module per device family, names as in the reference manual and Linux's headers.
"""
