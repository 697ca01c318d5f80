"""Qt widgets: one module per window or dialog, table models beside them."""
