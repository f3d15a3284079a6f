"""Settings of the api area (imported at the end of aptrack.settings.base)."""
