"""Stage 1, collect: the day's posts from each social source and the papers' arXiv metadata, into the table."""
