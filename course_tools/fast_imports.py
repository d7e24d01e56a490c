"""Imported first by the course's pytest runs and notebook executor: skip a costly optional import.

jsonschema, which nbformat imports (nbval, nbclient), checks the "iri" string format with
rfc3987_syntax when that package is installed; JupyterLab's jupyter-events brings it in. Importing
rfc3987_syntax builds a Lark grammar: 0.85 s of CPU time here, in every pytest process (each xdist
worker, each mutant's run) and every notebook the executor runs in a process of its own. No schema
these processes validate uses "format" (nbformat's do not), so jsonschema goes without that one
check here, as it does wherever rfc3987_syntax is not installed. Notebook kernels, JupyterLab and
every other process import it as usual.

pyproject.toml loads this as a pytest plugin (`-p course_tools.fast_imports` in addopts), which
pytest imports before the plugins it finds installed, nbval among them.
"""

import sys

# None in sys.modules makes `import rfc3987_syntax` raise ImportError, which jsonschema's
# _format module catches and then leaves the "iri" formats unchecked.
sys.modules.setdefault("rfc3987_syntax", None)
