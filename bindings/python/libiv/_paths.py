"""Where an installed libiv put its shared library. In the source tree (and after
``pip install ./bindings/python``) it is unknown: the library is found through
``LIBIV_PATH`` or the system loader. ``meson install`` installs a copy of this module
with the path filled in (bindings/python/_paths.py.in)."""

from typing import Optional

LIBIV_INSTALLED: Optional[str] = None
