"""Training the matching engine: options, the stacking split, the pipeline, the saved model."""
