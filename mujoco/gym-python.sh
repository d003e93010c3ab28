#!/usr/bin/env bash
# Prints the path of a Python that has Gymnasium 1.4.0 and MuJoCo 3.17.0
# (for recording the fixtures and timing Gymnasium's step()): $GYM_PYTHON
# when set, else a virtualenv in .mujoco/venv, created on first use from
# PyPI (the MuJoCo wheel that mujoco/setup.sh downloaded is reused).
set -euo pipefail
if [ -n "${GYM_PYTHON:-}" ]; then
    echo "$GYM_PYTHON"
    exit 0
fi
root=$(cd "$(dirname "$0")/.." && pwd)
venv="$root/.mujoco/venv"
if ! "$venv/bin/python" -c 'import gymnasium, mujoco; assert gymnasium.__version__ == "1.4.0" and mujoco.__version__ == "3.17.0"' 2>/dev/null; then
    python3 -m venv "$venv" >&2
    "$venv/bin/pip" install --quiet --disable-pip-version-check \
        --find-links "$root/.mujoco/wheels" \
        "gymnasium[mujoco]==1.4.0" "mujoco==3.17.0" >&2
fi
echo "$venv/bin/python"
