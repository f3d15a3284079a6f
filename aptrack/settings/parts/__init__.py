"""Settings fragments, one per area, imported at the end of base.py."""
