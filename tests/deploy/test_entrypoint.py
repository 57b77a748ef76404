"""The image's entrypoint turns secret files (compose `secrets:`) into the variables the
settings read, without overriding a variable already set (ECS injects them so)."""

from __future__ import annotations

import subprocess
from pathlib import Path

ENTRYPOINT = Path(__file__).resolve().parents[2] / "deploy" / "docker-entrypoint.sh"


def _run(secrets_dir: Path, command: str, **environment: str) -> str:
    return subprocess.run(
        ["sh", str(ENTRYPOINT), "sh", "-c", command],
        env={"SECRETS_DIR": str(secrets_dir), "PATH": "/usr/bin:/bin", **environment},
        capture_output=True,
        text=True,
        check=True,
        timeout=10,
    ).stdout


def test_each_secret_file_becomes_its_variable(tmp_path):
    (tmp_path / "SECRET_KEY").write_text("from-the-file\n")
    (tmp_path / "DATABASE_URL").write_text("postgres://app@db/fintech")

    output = _run(tmp_path, 'printf "%s|%s" "$SECRET_KEY" "$DATABASE_URL"')

    assert output == "from-the-file|postgres://app@db/fintech"  # the trailing newline is dropped


def test_a_variable_already_set_wins_over_the_file(tmp_path):
    (tmp_path / "SECRET_KEY").write_text("from-the-file")

    assert _run(tmp_path, 'printf "%s" "$SECRET_KEY"', SECRET_KEY="from-ecs") == "from-ecs"


def test_files_that_are_not_variable_names_stay_files(tmp_path):
    (tmp_path / "tls_key.pem").write_text("-----BEGIN PRIVATE KEY-----")
    (tmp_path / "9LIVES").write_text("x")

    output = _run(tmp_path, "env")

    assert "BEGIN PRIVATE KEY" not in output and "9LIVES" not in output


def test_the_command_replaces_the_entrypoint(tmp_path):
    # exec: the command runs in the entrypoint's own process, so it receives the
    # container's stop signal itself instead of a shell around it
    process = subprocess.Popen(
        ["sh", str(ENTRYPOINT), "sh", "-c", 'echo "$$"'],
        stdout=subprocess.PIPE,
        text=True,
        env={"SECRETS_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )
    output, _ = process.communicate(timeout=10)

    assert output.strip() == str(process.pid)
