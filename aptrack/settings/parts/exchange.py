"""Settings of the exchange area (imported at the end of aptrack.settings.base)."""
