"""Settings profiles: base, local (default), test, production; see DJANGO_SETTINGS_MODULE."""
