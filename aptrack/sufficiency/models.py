"""Models of the sufficiency app."""
