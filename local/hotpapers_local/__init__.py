"""Local stand-ins for the outside world: fake upstream APIs and the bundled sample day."""
