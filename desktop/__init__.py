"""Claimlog: an offline workbench for fact-checkers.

The data layer (db, models, services, search, exchange, cli) imports no Qt;
the views package holds everything that does.
"""

__version__ = "0.1.0"
