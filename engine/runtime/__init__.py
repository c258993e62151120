"""What serves a trained model: its files (``model``), their versions (``versions``) and the
in-memory scoring state over the current graph (``match_runtime``)."""
