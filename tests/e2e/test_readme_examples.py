"""The README's curl examples work verbatim against the local server (only the port differs)."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"


def readme_curl_commands() -> list[str]:
    """Every `curl ...` command in the README's bash blocks, with line continuations joined."""
    blocks = re.findall(r"```bash\n(.*?)```", README.read_text(), flags=re.S)
    commands = []
    for block in blocks:
        joined = block.replace("\\\n", " ")
        commands += [line.split(" #")[0].strip() for line in joined.splitlines() if line.strip().startswith("curl ")]
    return commands


def test_readme_has_the_guide_examples():
    commands = readme_curl_commands()
    for path in ("/venues/popularity", "/recommendations", "/health", "/chat", "/tickets/predict"):
        assert any(path in c for c in commands), path


def test_every_readme_curl_example_answers(live_server_with_data):
    for command in readme_curl_commands():
        argv = shlex.split(command.replace("http://127.0.0.1:8000", live_server_with_data))
        out = subprocess.run([*argv, "-s", "-w", "\n%{http_code}"], capture_output=True, text=True, timeout=30)
        body, status = out.stdout.rsplit("\n", 1)
        payload = json.loads(body)
        if 'top_n": 500' in command:
            assert status == "400" and "top_n" in payload["details"], command
        else:
            assert status == "200", (command, status, body)
