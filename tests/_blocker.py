"""A script that runs the CLI as if some packages were not installed (for the missing-extra tests)."""

BLOCKER = """
import sys
blocked = set(sys.argv[1].split(","))

class Blocker:  # as if these packages were not installed
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in blocked:
            raise ModuleNotFoundError(f"No module named {name.split('.')[0]!r}", name=name.split(".")[0])

sys.meta_path.insert(0, Blocker())
from neuronkit.cli import main
sys.exit(main(sys.argv[2:]))
"""
