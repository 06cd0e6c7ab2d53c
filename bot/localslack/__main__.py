"""`python -m bot.localslack [--port P] [--workspace FILE] [--transcript FILE.jsonl]`."""

import sys

from bot.localslack.cli import main

sys.exit(main())
