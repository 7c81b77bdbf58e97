"""Social sources. Each module holds one upstream behind the `Source` interface (sources/base.py).

This package's own namespace holds only the names, so code that needs them
(settings, events, ranking, the API) does not import the HTTP stack.
"""

SOURCE_NAMES = ("x", "bluesky", "hackernews", "huggingface")

__all__ = ["SOURCE_NAMES"]
