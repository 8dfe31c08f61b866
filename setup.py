"""Build-time settings that pyproject.toml cannot express: setuptools' scratch directories
(``build/``, ``mosnews.egg-info/``) go to a temporary directory, so ``pip install .`` leaves the
checkout as it was. All metadata is in pyproject.toml."""

import atexit
import shutil
import tempfile

from setuptools import setup

_scratch = tempfile.mkdtemp(prefix="mosnews-build-")
atexit.register(shutil.rmtree, _scratch, ignore_errors=True)

setup(options={"build": {"build_base": f"{_scratch}/build"}, "egg_info": {"egg_base": _scratch}})
