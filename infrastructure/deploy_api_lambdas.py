#!/usr/bin/env python3
"""Deploy the concert-api Lambda functions (the guide's Python route).

A thin entry point over `concert-api deploy` (`concert_tools.deploy`): the guide's flags `--region`, `--role-arn`,
`--s3-bucket`, `--api-gateway-id` and the rest; run it with `--help` for every flag. Works from a checkout without
installing the project; relative paths (`--env-file`, `--package`) are read from the current directory.
"""

from __future__ import annotations

import sys
from pathlib import Path

_SRC = Path(__file__).resolve().parents[1] / "src"
if str(_SRC) not in sys.path:
    sys.path.insert(0, str(_SRC))

from concert_tools.cli.deploy_commands import main  # noqa: E402

if __name__ == "__main__":
    raise SystemExit(main())
