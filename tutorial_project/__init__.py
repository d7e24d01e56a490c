"""Async Django, tested: the in-process Django project behind the course notebooks."""
