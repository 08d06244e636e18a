"""The base of every error whose message alone tells a user what to fix."""


class LgbmopsError(ValueError):
    """Bad input, arguments, hyperparameters or model files; the message names the culprit."""
