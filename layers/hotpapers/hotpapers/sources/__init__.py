"""Social sources. Each module holds one upstream behind the `Source` interface."""

from .base import Source, SourceError

SOURCE_NAMES = ("x", "bluesky", "hackernews", "huggingface")

__all__ = ["SOURCE_NAMES", "Source", "SourceError"]
