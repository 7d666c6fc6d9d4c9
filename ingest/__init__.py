"""The write side: validate, normalise, upsert, roll up, evaluate alerts, record health and rejects."""
