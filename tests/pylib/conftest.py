"""Tests of the lab library itself (pylib/vflaglab) that need no root,
no namespaces and no vflag build: /usr/bin/python3 -m pytest tests/pylib"""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "pylib"))
