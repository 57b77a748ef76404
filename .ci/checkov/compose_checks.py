"""Checkov checks of deploy/compose.yaml (checkov has no Compose framework of its own,
so its generic YAML framework runs these over each service). Run by `make iac-scan`."""

from __future__ import annotations

import re
from typing import Any

from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.yaml_doc.base_yaml_check import BaseYamlCheck
from checkov.yaml_doc.enums import BlockType

# Variable names that carry a secret; a `_FILE` variable names a file, not a secret.
SECRET_NAME = re.compile(r"(KEY|KEYS|SECRET|SECRETS|PASSWORD|TOKEN|DATABASE_URL|REDIS_URL)$")
PINNED_IMAGE = re.compile(r"^[\w./-]+(:[\w.-]+)?(@sha256:[0-9a-f]{64})?$")


def _service(conf: Any) -> dict:
    return conf if isinstance(conf, dict) else {}


class ComposeServiceCheck(BaseYamlCheck):
    def __init__(self, *, name: str, id: str, categories: list[CheckCategories]) -> None:
        super().__init__(
            name=name, id=id, categories=categories, supported_entities=["services"], block_type=BlockType.ARRAY
        )

    def scan_entity_conf(self, conf: dict[str, Any], entity_type: str) -> tuple[CheckResult, dict[str, Any]]:
        return (CheckResult.PASSED if self.passes(_service(conf)) else CheckResult.FAILED), conf

    def passes(self, service: dict) -> bool:
        raise NotImplementedError


class RestartPolicy(ComposeServiceCheck):
    """A crashed process comes back by itself; one-off tasks say `restart: "no"`."""

    def __init__(self) -> None:
        super().__init__(
            name="Compose service declares its restart policy",
            id="CKV_FINTECH_COMPOSE_1",
            categories=[CheckCategories.GENERAL_SECURITY],
        )

    def passes(self, service: dict) -> bool:
        return service.get("restart") in {"always", "unless-stopped", "on-failure", "no"}


class HealthCheck(ComposeServiceCheck):
    """Every service has a health check, or disables it explicitly (with the reason in a
    comment beside it) when nothing could probe it."""

    def __init__(self) -> None:
        super().__init__(
            name="Compose service declares a health check",
            id="CKV_FINTECH_COMPOSE_2",
            categories=[CheckCategories.GENERAL_SECURITY],
        )

    def passes(self, service: dict) -> bool:
        check = service.get("healthcheck")
        return isinstance(check, dict) and (bool(check.get("test")) or check.get("disable") is True)


class NoSecretInEnvironment(ComposeServiceCheck):
    """Secrets come from files (compose `secrets:`), never from the file's own text."""

    def __init__(self) -> None:
        super().__init__(
            name="Compose service sets no secret in its environment",
            id="CKV_FINTECH_COMPOSE_3",
            categories=[CheckCategories.SECRETS],
        )

    def passes(self, service: dict) -> bool:
        environment = service.get("environment") or {}
        if isinstance(environment, list):
            environment = dict(item.split("=", 1) if "=" in item else (item, "") for item in environment)
        return not any(
            SECRET_NAME.search(str(name)) and str(value).strip()
            for name, value in environment.items()
            if not str(name).startswith("__")
        )


class PinnedImage(ComposeServiceCheck):
    """An image by tag or digest, never `latest` or untagged; the product's image comes
    from a required variable (the release's digest)."""

    def __init__(self) -> None:
        super().__init__(
            name="Compose service image is pinned",
            id="CKV_FINTECH_COMPOSE_4",
            categories=[CheckCategories.SUPPLY_CHAIN],
        )

    def passes(self, service: dict) -> bool:
        image = str(service.get("image", ""))
        if image.startswith("${") and ":?" in image:
            return True
        return bool(PINNED_IMAGE.match(image)) and ":" in image.split("/")[-1] and not image.endswith(":latest")


class NoNewPrivileges(ComposeServiceCheck):
    """No process can gain privileges (setuid binaries) after it starts, none runs
    privileged or in the host's network or process namespace."""

    def __init__(self) -> None:
        super().__init__(
            name="Compose service cannot gain privileges",
            id="CKV_FINTECH_COMPOSE_5",
            categories=[CheckCategories.GENERAL_SECURITY],
        )

    def passes(self, service: dict) -> bool:
        options = [str(option).replace("=", ":") for option in service.get("security_opt") or []]
        return (
            "no-new-privileges:true" in options
            and service.get("privileged") is not True
            and service.get("network_mode") != "host"
            and service.get("pid") != "host"
        )


class LoopbackPublishedPorts(ComposeServiceCheck):
    """Published ports bind the host's loopback: the TLS proxy in front is the only way in."""

    def __init__(self) -> None:
        super().__init__(
            name="Compose service publishes ports on loopback only",
            id="CKV_FINTECH_COMPOSE_6",
            categories=[CheckCategories.NETWORKING],
        )

    def passes(self, service: dict) -> bool:
        return all(str(port).startswith("127.0.0.1:") for port in service.get("ports") or [])


RestartPolicy()
HealthCheck()
NoSecretInEnvironment()
PinnedImage()
NoNewPrivileges()
LoopbackPublishedPorts()
