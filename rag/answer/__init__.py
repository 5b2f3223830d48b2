"""Answer: the prompts and the chain that streams a cited answer."""
