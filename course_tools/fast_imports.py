"""Imported first by the course's pytest runs and notebook executor: skip a costly optional import.

nbformat (which nbval and nbclient use) imports jsonschema, and jsonschema imports rfc3987_syntax
when that package is installed (JupyterLab's jupyter-events brings it in), to check the "iri" and
"iri-reference" string formats. Importing rfc3987_syntax builds a Lark grammar: about a second of
CPU time in every pytest process (each xdist worker, each of make mutants' runs) and in the
executor (make notebooks, and each notebook of make rerun). Nothing in these processes checks
those formats: nbformat validates with fastjsonschema, or with jsonschema's Draft4Validator and no
format checker (both "iri" formats are draft 7's), and no nbformat schema uses the format keyword
(tests/tools/test_fast_imports.py). So jsonschema goes without them here, as it does wherever
rfc3987_syntax is not installed. Notebook kernels, JupyterLab and every other process import it as
usual.

pyproject.toml loads this as a pytest plugin (`-p course_tools.fast_imports` in addopts), which
pytest imports before the plugins it finds installed, nbval among them.
"""

import sys

# None in sys.modules makes `import rfc3987_syntax` raise ImportError, which jsonschema's
# _format module catches and then leaves the "iri" formats unchecked.
sys.modules.setdefault("rfc3987_syntax", None)
