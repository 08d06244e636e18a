"""LightGBM on SageMaker: one image, four entry points (preprocess, train, evaluate, serve)."""

__version__ = "0.1.0"
