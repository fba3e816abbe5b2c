"""Training entry points (behind the ``[train]`` extra): ``python -m slant.train.<model>``."""
