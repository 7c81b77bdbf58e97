"""Helpers and fixtures the test modules share. Test modules import only from here and from conftest.py,
never from one another."""
