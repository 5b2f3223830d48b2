"""Documents in: PDF pages read and cleaned, then cut into passages."""
