"""`python -m course_kit.bench`: the load benchmark's command line."""

import sys

from course_kit.bench.cli import main

sys.exit(main())
