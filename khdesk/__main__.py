"""python -m khdesk: the command line; with no arguments, the desktop app."""

import sys

from khdesk.cli.main import main

sys.exit(main())
