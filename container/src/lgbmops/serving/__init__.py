"""The inference server: decode a request, predict, encode the answer (one line per input row)."""
