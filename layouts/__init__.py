"""Shells around the pages: the navigation shell for laptops (and, next, the wall-display shell)."""
