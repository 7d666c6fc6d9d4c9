"""Figure builders: a frame in, a figure out. No queries, no Dash, no globals: plain and unit-tested."""
