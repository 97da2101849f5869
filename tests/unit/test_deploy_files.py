"""The ready-made deployment files say what operations.md says of them: every container of a
deployment reads the same settings, and the worker has a name of its own that survives a
restart (a restarted worker takes its leases back at once instead of waiting them out)."""

from __future__ import annotations

from pathlib import Path

import yaml

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def test_compose_names_the_worker_and_shares_the_settings() -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    worker, migrate = services["worker"]["environment"], services["migrate"]["environment"]
    assert worker["ONETOONE_WORKER_NAME"]
    assert "ONETOONE_WORKER_NAME" not in migrate  # (a one-shot, it takes no lease)
    for key in ("ONETOONE_CONFIG", "ONETOONE_DATABASE_URL"):
        assert worker[key] == migrate[key]


def test_kubernetes_names_each_worker_by_its_pod() -> None:
    deployment = yaml.safe_load((DEPLOY / "kubernetes" / "deployment.yaml").read_text())
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    env = {e["name"]: e for e in container["env"]}
    assert env["ONETOONE_WORKER_NAME"]["valueFrom"]["fieldRef"]["fieldPath"] == "metadata.name"
