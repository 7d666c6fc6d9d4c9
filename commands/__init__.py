"""Writes that people make from the dashboard (meeting records today): each command checks its input,
records who did what and when, and drops the cached answers it changed. Pages never write to the store."""
