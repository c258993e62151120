"""Nearest-neighbour retrieval over node embeddings.

``faiss_index.VectorIndex`` mirrors the embeddings written back to the graph in a FAISS index
whose type is chosen by size (exact below a threshold, IVF above it), keeps the id map and a
manifest (count, model version) so that callers detect a stale index and rebuild it, and
measures its own recall against exact search.
"""
