"""The social sources every stage knows by name: their keys, in display order, and their labels.

Each source's client is one module in collect/sources/. This module holds only names and
labels, so code that needs them (settings, events, scoring, the site, the Markdown export,
the API) does not import the HTTP stack.
"""

SOURCE_LABELS = {"x": "X", "bluesky": "Bluesky", "hackernews": "Hacker News", "huggingface": "Hugging Face"}
SOURCE_NAMES = tuple(SOURCE_LABELS)

__all__ = ["SOURCE_LABELS", "SOURCE_NAMES"]
