"""Qt widgets: one module per window or dialog, table models beside them."""

import sys

if sys.version_info < (3, 12):  # pragma: no cover - depends on the interpreter
    # PySide6 6.12 hands back None from every C++ call that returns nothing
    # without taking a new reference: harmless on Python 3.12+, where None is
    # immortal, but on 3.11 each call (setText, save, fillRect...) drops one
    # reference, and after some thousands Python aborts with "none_dealloc:
    # deallocating None" (a table repaint alone makes hundreds of such calls).
    # Make None as good as immortal, as 3.12 does: its count can then never
    # reach zero. See tests/test_main_window.py::test_void_qt_calls_do_not_exhaust_none.
    import ctypes

    ctypes.c_ssize_t.from_address(id(None)).value += 1 << 60
