"""Settings of the sufficiency area (imported at the end of aptrack.settings.base)."""
