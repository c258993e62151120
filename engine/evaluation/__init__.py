"""Offline evaluation of rankings against the generator's held-out ground truth.

``ground_truth`` reads ``DATASET/_evaluation/`` (graded query pools and the manifest);
``ranking_metrics`` scores ranked lists against it (top-k accuracy, MRR, NDCG@k).
"""
