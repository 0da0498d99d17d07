import sys
from pathlib import Path

# the rewrite property tests' programs (tests/rewrite/rewrite_programs.py) are reused here
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "rewrite"))
