"""The scale-out store: a collection in a Qdrant server, cluster or local folder."""
