"""Issue #22 item 4: every task definition (and compose service) that runs the product is
given every variable production requires (config/production_env.py, the list settings.py
enforces), secrets from the secret store; exactly one beat; every process present."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from config.production_env import REQUIRED_AT_BOOT, SECRETS, production_variables
from tests.deploy.deployments import (
    compose_missing_variables,
    compose_product_services,
    missing_variables,
    process_module_problems,
    terraform_product_tasks,
    unquote,
)

ROOT = Path(__file__).resolve().parents[2]
TERRAFORM = ROOT / "deploy" / "terraform"
COMPOSE = ROOT / "deploy" / "compose.yaml"
PROCESS_COMMANDS = {
    "web": ["gunicorn", "config.wsgi"],
    "worker": ["celery", "-A", "config", "worker"],
    "beat": ["celery", "-A", "config", "beat"],
    "relay": ["python", "manage.py", "run_outbox_relay"],
    "aml": ["python", "manage.py", "run_aml_consumer"],
}


def _runs(command: list[str], expected: list[str]) -> bool:
    return command[: len(expected)] == expected


def test_the_required_list_is_the_one_settings_enforce():
    from django.conf import settings

    assert set(settings.REQUIRED_IN_PRODUCTION) == set(REQUIRED_AT_BOOT)
    assert {"DJANGO_ENV", "DATABASE_URL", "REDIS_URL", "SECRET_KEY", "PLAID_SECRET"} <= set(production_variables())


def test_every_terraform_task_definition_gets_every_production_variable():
    tasks = terraform_product_tasks(TERRAFORM)

    assert sorted(task.name for task in tasks) == ["aml", "beat", "migrate", "relay", "web", "worker"]
    problems = [problem for task in tasks for problem in missing_variables(task)]
    assert problems == []


def test_the_process_module_hands_its_inputs_to_the_container():
    assert process_module_problems(TERRAFORM / "modules" / "ecs_process") == []


def test_terraform_runs_each_process_once_and_exactly_one_beat():
    tasks = {task.name: task for task in terraform_product_tasks(TERRAFORM)}

    for name, command in PROCESS_COMMANDS.items():
        assert _runs(tasks[name].command, command), (name, tasks[name].command)
    assert "migrate --noinput" in " ".join(tasks["migrate"].command)
    assert tasks["migrate"].attributes["service"] is False  # a one-off task, not a service
    assert tasks["beat"].attributes["singleton"] is True
    assert [name for name, task in tasks.items() if task.attributes.get("singleton") is True] == ["beat"]
    # Migrations connect as the tables' owner; the processes as the runtime role.
    assert "DATABASE_URL_OWNER" in tasks["migrate"].secrets["DATABASE_URL"]
    assert "DATABASE_URL_OWNER" not in tasks["web"].secrets["DATABASE_URL"]


def test_the_check_finds_a_secret_dropped_from_the_terraform(tmp_path):
    # given a copy of the Terraform whose processes lose AUDIT_CHAIN_KEYS
    copy = tmp_path / "terraform"
    shutil.copytree(TERRAFORM, copy)
    path = copy / "app_environment.tf"
    text = path.read_text()
    dropped = "\n".join(line for line in text.splitlines() if not line.strip().startswith("AUDIT_CHAIN_KEYS"))
    path.write_text(dropped.replace('DJANGO_ENV            = "production"', 'SECRET_KEY = "inline"'))

    # when the tasks are checked
    problems = [problem for task in terraform_product_tasks(copy) for problem in missing_variables(task)]

    # then each task is reported, for the missing key and for a secret in plain text
    assert "web: AUDIT_CHAIN_KEYS is not provided" in problems
    assert "migrate: AUDIT_CHAIN_KEYS is not provided" in problems
    assert "beat: SECRET_KEY is a secret but is set in plain text" in problems
    assert "aml: DJANGO_ENV is not provided" in problems


def test_the_check_refuses_a_task_definition_outside_the_module(tmp_path):
    copy = tmp_path / "terraform"
    shutil.copytree(TERRAFORM, copy)
    (copy / "extra.tf").write_text(
        'resource "aws_ecs_task_definition" "report" {\n  family = "report"\n  container_definitions = "[]"\n}\n'
    )

    problems = [problem for task in terraform_product_tasks(copy) for problem in missing_variables(task)]

    assert any("aws_ecs_task_definition.report is defined outside" in problem for problem in problems)


def test_every_compose_product_service_gets_every_production_variable_from_files():
    declared = yaml.safe_load(COMPOSE.read_text())["secrets"]
    services = compose_product_services(COMPOSE)

    assert sorted(services) == ["aml", "beat", "migrate", "relay", "web", "worker"]
    problems = [problem for task in services.values() for problem in compose_missing_variables(task, declared)]
    assert problems == []
    assert services["migrate"].secrets["DATABASE_URL"] == "DATABASE_URL_OWNER"
    for name, command in PROCESS_COMMANDS.items():
        assert _runs(services[name].command, command), (name, services[name].command)


def test_compose_runs_one_beat_and_keeps_secrets_out_of_the_file():
    document = yaml.safe_load(COMPOSE.read_text())
    beat = document["services"]["beat"]

    assert "replicas" not in beat.get("deploy", {})
    for name, service in document["services"].items():
        assert service.get("restart") in {"unless-stopped", "always", "no"}, name
        assert "healthcheck" in service, name
        environment = service.get("environment", {})
        assert not SECRETS & set(environment), name
        assert not any(key.endswith(("PASSWORD", "TOKEN")) for key in environment), name


@pytest.mark.parametrize("value, expected", [('"web"', "web"), ("${var.name}", "${var.name}"), (True, True)])
def test_unquote_strips_only_string_literals(value, expected):
    assert unquote(value) == expected
