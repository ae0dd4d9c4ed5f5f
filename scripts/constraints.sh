#!/usr/bin/env bash
# Refresh constraints.txt: what `pip install '.[test]'` resolves to today in a fresh virtual
# environment (aidtrack itself left out). pyproject.toml keeps the ranges; constraints.txt pins the
# versions CI and the README's install commands use (`pip install -c constraints.txt …`).
# Run it when a dependency or its range changes, or to take newer releases; then run .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=$(mktemp -d)
trap 'rm -rf "$venv"' EXIT
python3 -m venv "$venv"
"$venv/bin/python" -m pip install -q '.[test]'
{
    echo "# What pip install '.[test]' resolved to; refresh with scripts/constraints.sh (README: Set up)."
    "$venv/bin/python" -m pip freeze --all --exclude-editable | grep -v -i -E '^(aidtrack|pip|setuptools|wheel)(==| @)'
} > constraints.txt
echo "wrote constraints.txt"
