"""Code tables shipped with the package (the national code sets; sources in README.md)."""
