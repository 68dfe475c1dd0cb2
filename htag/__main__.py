"""`python -m htag`: the `htag` command."""

import sys

from htag.cli import main

sys.exit(main())
