"""Settings of the quality area (imported at the end of aptrack.settings.base)."""
