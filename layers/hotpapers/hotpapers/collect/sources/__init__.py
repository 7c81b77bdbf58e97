"""Social sources: one module per upstream behind the `Source` interface (base.py)."""
