"""The maintainers' and teachers' tools: classroom editions, notebook execution, exercise proofs,
the MySQL lane and the docs-page check. Notebooks never import these."""
