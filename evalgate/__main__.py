"""``python -m evalgate``."""

import sys

from evalgate.cli.main import main

sys.exit(main())
