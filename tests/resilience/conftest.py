"""Kill tests: how many trials and how big, quick in `make test`, long in `make soak`.

CSBM_KILL_TRIALS (default 3) kills per database; CSBM_KILL_ROWS (default
10,000) rows per imported file. `make soak` runs 20 trials of 100,000 rows.
Each trial's kill moment comes from a seeded generator; the seed is printed
so a failing trial can be replayed (CSBM_KILL_SEED).
"""

from __future__ import annotations

import os
import random
import sys
from pathlib import Path

import pytest

CSBM = str(Path(sys.executable).parent / "csbm")
TRIALS = int(os.environ.get("CSBM_KILL_TRIALS", "3"))
ROWS = int(os.environ.get("CSBM_KILL_ROWS", "10000"))
SOAK = os.environ.get("CSBM_SOAK") == "1"


@pytest.fixture
def kill_moments() -> random.Random:
    seed = int(os.environ.get("CSBM_KILL_SEED", random.SystemRandom().randrange(1_000_000)))
    print(f"kill moments from CSBM_KILL_SEED={seed}")
    return random.Random(seed)
