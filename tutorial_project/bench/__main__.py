"""`python -m tutorial_project.bench`: the load benchmark's command line."""

import sys

from tutorial_project.bench.cli import main

sys.exit(main())
