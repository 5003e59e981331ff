// Record protection lands with the records work.
