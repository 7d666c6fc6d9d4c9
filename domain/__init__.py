"""What the numbers mean: parameters and units, Vietnamese indicators and thresholds. Pure functions."""
