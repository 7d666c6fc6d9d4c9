"""`make bench`: speed and size against a naive baseline on the same data in the same run."""
