"""Delivery signals computed from the words, the sentences and the speech regions."""
