"""Shared contracts every stage imports: models, settings, store, clock, HTTP, AWS clients, arXiv ids."""
