"""Cold import of each handler module in a fresh interpreter, against a bare interpreter and against creating
the boto3 client that handler needs, all measured in the same run (the machine is shared and noisy).

    .venv/bin/python bench/bench_imports.py [--runs 20]

Targets: `/health` imports in at most 0.5x the time of creating one boto3 client (the Redshift Data API's) in the
same run (issue 15; issue 3 asked for 80 ms over a bare interpreter); a data handler's import costs at most 1.25
times creating its boto3 client.
"""

from __future__ import annotations

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from _util import ROOT, markdown_table, median, time_fresh_interpreter
from concert_api.routes import ROUTES

CLIENTS = {
    "chatbot": "bedrock-agent-runtime",
    "venue-popularity": "redshift-data",
    "ticket-prediction": "sagemaker-runtime",
    "recommendations": "redshift-data",
    "price-curve": "sagemaker-runtime",
    "health-check": None,
}

COMPONENTS = [
    ("pydantic, first model built", "from pydantic import BaseModel\nclass A(BaseModel):\n    x: int\nA(x=1)"),
    (
        "concert_api.settings, first settings read",
        "from concert_api.settings import Settings\nSettings(_env_file=None)",
    ),
    ("Powertools Logger + Metrics", "from aws_lambda_powertools import Logger, Metrics"),
]

ENV = {
    "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'src'}",
    "REDSHIFT_CLUSTER_ID": "concert-warehouse-dev",
    "REDSHIFT_DATABASE": "concert_data",
    "AWS_DEFAULT_REGION": "us-east-1",
    "CONCERT_ENV_FILE": "",
    "PYTHONDONTWRITEBYTECODE": "",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20, help="fresh interpreters per measurement")
    args = parser.parse_args()

    bare = median(time_fresh_interpreter("pass", args.runs, ENV))
    client_cost = {
        service: median(
            time_fresh_interpreter(f"import boto3; boto3.client({service!r}, region_name='us-east-1')", args.runs, ENV)
        )
        - bare
        for service in sorted({s for s in CLIENTS.values() if s})
    }
    rows = []
    for route in ROUTES:
        code = f"import api_lambda_handlers as m; m.{route.handler}"
        cost = median(time_fresh_interpreter(code, args.runs, ENV)) - bare
        service = CLIENTS[route.key]
        if service:
            ratio = cost / client_cost[service]
            target = f"{ratio:.2f}x the {service} client ({client_cost[service]:.0f} ms); target <= 1.25x"
        else:
            reference = client_cost["redshift-data"]
            target = f"{cost / reference:.2f}x the redshift-data client ({reference:.0f} ms); target <= 0.5x"
        rows.append((route.key, f"{cost:.1f}", target))
    health_cold = (
        median(
            time_fresh_interpreter(
                "import api_lambda_handlers as m; m.health_check_handler({}, None)",
                args.runs,
                {**ENV, "POWERTOOLS_METRICS_DISABLED": "true", "LOG_LEVEL": "ERROR"},
            )
        )
        - bare
    )
    parts = [(name, median(time_fresh_interpreter(code, args.runs, ENV)) - bare) for name, code in COMPONENTS]
    print(f"bare interpreter: {bare:.1f} ms (median of {args.runs})")
    print(markdown_table(["handler", "import over bare (ms, median)", "comparison"], rows))
    print(f"\nhealth-check import + first invocation (the whole cold start, shallow check): {health_cold:.1f} ms")
    print("\nWhat the health handler's import is made of (each alone, over bare):")
    print(markdown_table(["library", "ms"], [(name, f"{cost:.1f}") for name, cost in parts]))


if __name__ == "__main__":
    main()
