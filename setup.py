"""Build the native engine against the libunicorn shipped in the unicorn wheel.

No system Unicorn is used: the headers and ``libunicorn.so.2`` come from the
installed ``unicorn`` package, and the extension finds the library at run time
through an ``$ORIGIN``-relative rpath into that package.
"""

from __future__ import annotations

import glob
import os
import shutil
import sys

from setuptools import Extension, setup
from setuptools.command.build_py import build_py


def _unicorn_dirs() -> tuple[str, str, str]:
    import unicorn

    root = os.path.dirname(unicorn.__file__)
    include = os.path.join(root, "include")
    libdir = os.path.join(root, "lib")
    for name in ("libunicorn.so.2", "libunicorn.2.dylib", "libunicorn.dylib", "libunicorn.so"):
        lib = os.path.join(libdir, name)
        if os.path.exists(lib):
            return include, libdir, lib
    sys.exit(f"irqemu: no libunicorn found in {libdir}; is the unicorn wheel installed?")


#: the native modules: the libunicorn handle, the engine and the native interrupt fabric
#: (events, devices)
NATIVE_MODULES = ("ucengine", "fabric", "gic", "mptimer", "gentimer", "lapic", "engine",
                  "fecring", "cache", "x86entry", "modelio")


def _extensions() -> list[Extension]:
    from Cython.Build import cythonize

    include, libdir, lib = _unicorn_dirs()
    rpaths = ["$ORIGIN/../../unicorn/lib", libdir]
    exts = [
        Extension(
            f"irqemu._core.{name}",
            sources=[f"src/irqemu/_core/{name}.pyx"],
            include_dirs=[include],
            extra_objects=[lib],
            extra_link_args=[f"-Wl,-rpath,{p}" for p in rpaths],
            extra_compile_args=["-O2"],
        )
        for name in NATIVE_MODULES
    ]
    return cythonize(exts, language_level=3, include_path=["src"],
                     compiler_directives={"boundscheck": False, "wraparound": False})


class BuildPyWithFirmware(build_py):
    """Ship the committed firmware ELFs inside the package (irqemu/firmware/<arch>/)."""

    def run(self) -> None:
        super().run()
        here = os.path.dirname(os.path.abspath(__file__))
        for elf in glob.glob(os.path.join(here, "firmware", "*", "*.elf")):
            arch = os.path.basename(os.path.dirname(elf))
            dest = os.path.join(self.build_lib, "irqemu", "firmware", arch)
            os.makedirs(dest, exist_ok=True)
            shutil.copy2(elf, dest)


setup(ext_modules=_extensions(), cmdclass={"build_py": BuildPyWithFirmware})
