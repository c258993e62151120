"""Pair features for the merit scorer: a graph context built once, vectorised pair features.

``context.FeatureContext`` holds the sparse matrices read from an ``ExportedGraph``;
``pair_features.pair_features`` turns many (candidate, role) index pairs into one feature
matrix whose columns are ``pair_features.FEATURE_NAMES``; ``adhoc.adhoc_features`` does the
same for one worker profile and one job posting with no graph; ``labels`` builds training
pairs from the interaction history. Sensitive attributes are never read.
"""
