"""The read side: pages ask questions, this layer answers with tidy, memoised pandas frames."""
