"""Alert rules (from configuration), their evaluation as ingest stores data, the lifecycle an
operations room works by (open, acknowledged, resolved) and notifications."""
