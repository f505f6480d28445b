"""Kernel images as QEMU's ``-kernel`` loads them (hw/arm/boot.c): ELF, the arm64
``Image``, the 32-bit ARM zImage and raw binaries; one module per format."""
