#!/usr/bin/env bash
# Deploy the concert-api Lambda functions (the guide's shell route).
#
# Finds a Python 3.11+ (the project's .venv first, then $PYTHON, python3) with the deploy tooling's libraries
# and runs infrastructure/deploy_api_lambdas.py with every argument passed through, from the caller's directory
# (so `.env` and a relative `--env-file` are the caller's). `--help` lists the flags.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "${here}/.." && pwd)"

pick_python() {
  local candidate
  for candidate in "${root}/.venv/bin/python" "${PYTHON:-}" python3 python; do
    [[ -n "${candidate}" ]] || continue
    command -v "${candidate}" >/dev/null 2>&1 || continue
    if "${candidate}" -c 'import sys, boto3, click, dotenv; sys.exit(0 if sys.version_info >= (3, 11) else 1)' \
      >/dev/null 2>&1; then
      echo "${candidate}"
      return 0
    fi
  done
  return 1
}

if ! py="$(pick_python)"; then
  echo "error: no Python 3.11+ with boto3, click and python-dotenv found." >&2
  echo "Create the project venv first: (cd ${root} && make install)" >&2
  exit 2
fi

exec "${py}" "${here}/deploy_api_lambdas.py" "$@"
