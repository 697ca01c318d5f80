"""Numbered migration scripts, applied in order by ``desktop.db.migrate``.

Each ``NNNN_name.py`` defines ``up(migrator, db)``; it runs in one
transaction together with the row that records it and the new
``PRAGMA user_version`` (= NNNN), so a crash half-way leaves the old schema.
"""
