"""`python -m gradtrace.repl`: the same as the `gradtrace` command."""
import sys

from .cli import main

sys.exit(main())
