"""Loss functions of ember.nn.functional; the rows live in ember/_ops/loss.py."""
__all__ = []
