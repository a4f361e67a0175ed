"""`python -m balancing_sim.landscape WORLD`: the `balancing-sim-landscape` command."""

import sys

from .cli import main

sys.exit(main())
