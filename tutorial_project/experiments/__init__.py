"""Experiments the notebooks run against the project: not part of a project to copy.

- `views`: the endpoints at /api/lab/, some wrong on purpose; mounted only in development
  (settings.LAB).
- `journal`: where the views of notebook 10 note what they did, for clients that hung up.
- `middleware`: a sync-only middleware, to measure what one costs (notebooks 04, 08, 10).
"""
