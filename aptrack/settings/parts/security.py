"""Settings of the security area (imported at the end of aptrack.settings.base)."""
