"""Icons, style sheets and sample data shipped with Claimlog (read with importlib.resources)."""
