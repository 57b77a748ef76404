"""Read the reference deployments (deploy/terraform, deploy/compose.yaml) and say which
product processes lack which production variables.

Terraform is parsed with python-hcl2 (no provider, no `terraform init`). Every product
task definition is a call of the local module `modules/ecs_process`, whose one task
definition turns its `environment` and `secrets` inputs into the container's
environment and Secrets Manager references; so a process is given exactly the keys of
the maps its call passes, which this module resolves through the root's `locals`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import hcl2
import yaml

from config.production_env import SECRETS, production_variables

PROCESS_MODULE = "./modules/ecs_process"
_LOCAL_REFERENCE = re.compile(r"^\$\{local\.([A-Za-z0-9_]+)\}$")
_SECRET_REFERENCE = re.compile(r"^\$\{aws_secretsmanager_secret\.[A-Za-z0-9_]+(\[\"[A-Z0-9_]+\"\])?\.arn\}$")


def unquote(value):
    """python-hcl2 keeps a string literal's quotes (`"\\"web\\""`); expressions have none."""
    if isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1]
    return value


def load_terraform(directory: Path) -> dict[str, list]:
    """Every top-level block of the directory's .tf files, by block type."""
    blocks: dict[str, list] = {}
    for path in sorted(directory.glob("*.tf")):
        with path.open() as file:
            for kind, entries in hcl2.load(file).items():
                blocks.setdefault(kind, []).extend(entries)
    return blocks


def _locals(blocks: dict[str, list]) -> dict:
    merged: dict = {}
    for entry in blocks.get("locals", []):
        merged.update({name: value for name, value in entry.items() if name != "__is_block__"})
    return merged


def _resources(blocks: dict[str, list], kind: str) -> dict[str, dict]:
    found = {}
    for entry in blocks.get("resource", []):
        for resource_type, named in entry.items():
            if unquote(resource_type) == kind:
                found.update({unquote(name): body for name, body in named.items()})
    return found


@dataclass
class ProductTask:
    """One task definition that runs the product, and what it is given."""

    name: str
    command: list[str]
    environment: dict[str, str]
    secrets: dict[str, str]
    problems: list[str] = field(default_factory=list)
    attributes: dict = field(default_factory=dict)


def _resolve_map(expression, local_values: dict, *, task: ProductTask, what: str) -> dict[str, str]:
    if isinstance(expression, dict):
        return {name: value for name, value in expression.items() if name != "__is_block__"}
    match = _LOCAL_REFERENCE.match(expression or "")
    if match and isinstance(local_values.get(match.group(1)), dict):
        return _resolve_map(local_values[match.group(1)], local_values, task=task, what=what)
    task.problems.append(f"{what} is {expression!r}: not a map literal or a local holding one, so unverifiable")
    return {}


def terraform_product_tasks(directory: Path) -> list[ProductTask]:
    """The product's task definitions in a Terraform root, each with the problems found."""
    root = load_terraform(directory)
    local_values = _locals(root)
    tasks = []
    for entry in root.get("module", []):
        for name, call in entry.items():
            if unquote(call.get("source")) != PROCESS_MODULE:
                continue
            task = ProductTask(
                name=unquote(name),
                command=[unquote(part) for part in call.get("command", [])],
                environment={},
                secrets={},
                attributes=call,
            )
            task.environment = _resolve_map(call.get("environment"), local_values, task=task, what="environment")
            task.secrets = _resolve_map(call.get("secrets"), local_values, task=task, what="secrets")
            tasks.append(task)
    for name in _resources(root, "aws_ecs_task_definition"):
        tasks.append(
            ProductTask(
                name=name,
                command=[],
                environment={},
                secrets={},
                problems=[
                    f"aws_ecs_task_definition.{name} is defined outside {PROCESS_MODULE}: its environment is unchecked"
                ],
            )
        )
    return tasks


def process_module_problems(module_directory: Path) -> list[str]:
    """Whether the process module really hands its `environment` and `secrets` inputs to
    the container of its one task definition."""
    blocks = load_terraform(module_directory)
    definitions = _resources(blocks, "aws_ecs_task_definition")
    if len(definitions) != 1:
        return [f"the module defines {len(definitions)} task definitions, not one"]
    (definition,) = definitions.values()
    container = _locals(blocks).get("container", {})
    problems = []
    if definition.get("container_definitions") != "${jsonencode([local.container])}":
        problems.append("the task definition's container is not local.container")
    if "for name, value in var.environment" not in str(container.get("environment")):
        problems.append("the container's environment is not built from var.environment")
    if "valueFrom = arn" not in str(container.get("secrets")) or "in var.secrets" not in str(container.get("secrets")):
        problems.append("the container's secrets are not built from var.secrets")
    return problems


def missing_variables(task: ProductTask) -> list[str]:
    """Production variables the task is not given, or given as plain text when secret."""
    problems = list(task.problems)
    given = set(task.environment) | set(task.secrets)
    problems += [f"{task.name}: {name} is not provided" for name in production_variables() if name not in given]
    problems += [
        f"{task.name}: {name} is a secret but is set in plain text" for name in sorted(SECRETS & set(task.environment))
    ]
    problems += [
        f"{task.name}: {name} does not come from Secrets Manager ({value})"
        for name, value in sorted(task.secrets.items())
        if not _SECRET_REFERENCE.match(value)
    ]
    if unquote(task.environment.get("DJANGO_ENV", '"production"')) != "production":
        problems.append(f"{task.name}: DJANGO_ENV is not production")
    return problems


def compose_product_services(path: Path) -> dict[str, ProductTask]:
    """The compose file's services that run the product image, with what each is given:
    its environment, and its secrets by the variable name they become (the target)."""
    services = yaml.safe_load(path.read_text())["services"]
    tasks = {}
    for name, service in services.items():
        if "FINTECH_IMAGE" not in str(service.get("image", "")):
            continue
        secrets = {}
        for secret in service.get("secrets", []):
            source, target = (secret, secret) if isinstance(secret, str) else (secret["source"], secret.get("target"))
            secrets[target or source] = source
        tasks[name] = ProductTask(
            name=name,
            command=service.get("command", []),
            environment=dict(service.get("environment", {})),
            secrets=secrets,
            attributes=service,
        )
    return tasks


def compose_missing_variables(task: ProductTask, declared_secrets: dict) -> list[str]:
    given = set(task.environment) | set(task.secrets)
    problems = [f"{task.name}: {name} is not provided" for name in production_variables() if name not in given]
    problems += [
        f"{task.name}: {name} is a secret but is set in plain text" for name in sorted(SECRETS & set(task.environment))
    ]
    problems += [
        f"{task.name}: secret {source} is not read from a file"
        for source in task.secrets.values()
        if "file" not in declared_secrets.get(source, {})
    ]
    return problems
