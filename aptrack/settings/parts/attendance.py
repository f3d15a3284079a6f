"""Settings of the attendance area (imported at the end of aptrack.settings.base)."""
