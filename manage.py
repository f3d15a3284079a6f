#!/usr/bin/env python
"""Django's manage.py for AP Track; the same as the ``aptrack`` command."""

from aptrack.cli import main

if __name__ == "__main__":
    main()
