"""Entry point of `python -m rag`."""

import sys

from rag.cli.main import main

sys.exit(main())
