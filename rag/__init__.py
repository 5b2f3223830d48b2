"""Conversa's retrieval side: PDFs to chunks to vectors to a searchable collection, and the answer chain."""
