#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Moved to tests/lib/tool.py (the shell scripts have it as $TOOL); this name
still runs it, for tests written against the old path."""
import os
import runpy
import sys

sys.argv[0] = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib", "tool.py")
runpy.run_path(sys.argv[0], run_name="__main__")
