"""The simulator: an OUTSIDE system serving simulated Quảng Thọ data over HTTP in the real protocols
(SensorThings, Frigate, Open311, the indicator feed), so the demo runs through the real adapters.
Deterministic for a seed. Imports only core/ and domain/, never the store."""
