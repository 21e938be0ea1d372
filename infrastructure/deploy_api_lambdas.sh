#!/usr/bin/env bash
# Deploy the concert-api Lambda functions (the guide's shell route).
#
# Finds a Python 3.11+ (the project's .venv first, then $PYTHON, python3) with boto3 installed and runs
# infrastructure/deploy_api_lambdas.py with every argument passed through. `--help` lists the flags.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "${here}/.." && pwd)"

pick_python() {
  local candidate
  for candidate in "${root}/.venv/bin/python" "${PYTHON:-}" python3 python; do
    [[ -n "${candidate}" ]] || continue
    command -v "${candidate}" >/dev/null 2>&1 || continue
    if "${candidate}" -c 'import sys, boto3; sys.exit(0 if sys.version_info >= (3, 11) else 1)' >/dev/null 2>&1; then
      echo "${candidate}"
      return 0
    fi
  done
  return 1
}

if ! py="$(pick_python)"; then
  echo "error: no Python 3.11+ with boto3 found." >&2
  echo "Create the project venv first:  python3 -m venv .venv && .venv/bin/pip install -e '.[dev]'" >&2
  exit 2
fi

cd "${root}"
exec "${py}" "${here}/deploy_api_lambdas.py" "$@"
