"""Byte limits on upstream text, so one hostile or broken value can never make a day's write fail."""

from __future__ import annotations

from dataclasses import replace

from hotpapers.core.models import Paper, Post

# DynamoDB refuses an item over 400 KB, and one refused item fails the whole day's write. So the
# text of every upstream value is bounded before it is stored, in UTF-8 bytes, far above anything
# real (X's longest posts are 25,000 characters, arXiv abstracts at most 1,920; the longest arXiv
# author lists run to about 3,000 names): a hostile or broken upstream value is cut, the day is kept.
# The largest item this allows stays under the limit: a paper's ~300 KB of text, a post's ~140 KB.
MAX_POST_TEXT_BYTES = 128_000
MAX_ABSTRACT_BYTES = 128_000
MAX_AUTHORS_BYTES = 150_000  # all names together; the names past it are left out, and said so
MAX_FIELD_BYTES = 4_000  # a title, name, handle, comment, journal reference, DOI or one author


def cut_to_bytes(text: str, limit: int) -> str:
    """`text` if its UTF-8 fits in `limit` bytes, else its longest prefix that does (never half a character)."""
    data = text.encode("utf-8", "surrogatepass")
    if len(data) <= limit:
        return text
    return data[:limit].decode("utf-8", "ignore")


def bounded_post(post: Post) -> Post:
    """The post with its text and names cut to the byte limits, and the entities past a cut text dropped."""
    text = cut_to_bytes(post.text, MAX_POST_TEXT_BYTES)
    name, handle = cut_to_bytes(post.author_name, MAX_FIELD_BYTES), cut_to_bytes(post.author_handle, MAX_FIELD_BYTES)
    if (text, name, handle) == (post.text, post.author_name, post.author_handle):
        return post
    entities = tuple(entity for entity in post.entities if entity.end <= len(text))
    return replace(post, text=text, author_name=name, author_handle=handle, entities=entities)


def bounded_paper(paper: Paper) -> Paper:
    """The paper with each text field cut to the byte limits, and an author list cut short saying so."""
    authors: list[str] = []
    used = 0
    for position, author in enumerate(paper.authors):
        name = cut_to_bytes(author, MAX_FIELD_BYTES)
        used += len(name.encode("utf-8", "surrogatepass"))
        if used > MAX_AUTHORS_BYTES:
            authors.append(f"and {len(paper.authors) - position:,} more authors")
            break
        authors.append(name)

    def optional(value: str | None) -> str | None:
        return None if value is None else cut_to_bytes(value, MAX_FIELD_BYTES)

    return replace(
        paper,
        title=cut_to_bytes(paper.title, MAX_FIELD_BYTES),
        abstract=cut_to_bytes(paper.abstract, MAX_ABSTRACT_BYTES),
        authors=tuple(authors),
        comment=optional(paper.comment),
        journal_ref=optional(paper.journal_ref),
        doi=optional(paper.doi),
    )
