"""Modules imported at their first use: the start-up path's way to leave the data layer for later.

``lazy_module("desktop.search")`` returns the module at once but runs its code
(and its imports: Peewee, the models...) only when one of its attributes is
first read, through the standard library's ``importlib.util.LazyLoader``. The
window's first page is painted by code that names these modules without
reading them (see ``desktop.opening``); the first read, one event-loop turn
later, loads them as a plain import would. A module already imported is
returned as it is.
"""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType


def lazy_module(name: str) -> ModuleType:
    found = sys.modules.get(name)
    if found is not None:
        return found
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:
        raise ModuleNotFoundError(f"No module named {name!r}", name=name)
    loader = importlib.util.LazyLoader(spec.loader)
    spec.loader = loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    loader.exec_module(module)
    parent, _, child = name.rpartition(".")
    if parent:  # as an import would: ``desktop.search`` is also the attribute ``search`` of ``desktop``
        setattr(sys.modules[parent], child, module)
    return module
