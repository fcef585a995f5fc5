"""The `services:` part of the policy file: alarm sources, how each routes, escalates and is reached."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, field_validator

from opsdesk.config.field_types import StrictModel
from opsdesk.config.rota_model import ID_PATTERN, Problem
from opsdesk.domain.incidents.escalation import EscalationPolicy, EscalationStep
from opsdesk.domain.incidents.model import MonitoredService, RoutingMode, key_digest
from opsdesk.domain.rota import Role

DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")
KEY_TEXT = re.compile(r"^[A-Za-z0-9_-]{16,128}$")


def _check_key(text: str) -> str:
    if DIGEST.match(text) or KEY_TEXT.match(text):
        return text
    raise ValueError(
        "expected an integration key of 16-128 letters, digits, '-' or '_', or its digest as "
        "sha256:<64 hex digits> (`opsdesk service key` makes both)"
    )


PagingWay = Literal["slack", "email", "pagerduty"]
DEFAULT_PAGING: tuple[PagingWay, ...] = ("slack", "email")
KeyText = Annotated[str, Field(max_length=200), AfterValidator(_check_key)]


class StepModel(StrictModel):
    role: Literal["primary", "secondary"]
    wait_minutes: int = Field(
        alias="wait-minutes", ge=1, le=24 * 60, description="before the next step when not acknowledged"
    )


def _default_steps() -> list[StepModel]:
    return [
        StepModel.model_validate({"role": "primary", "wait-minutes": 20}),
        StepModel.model_validate({"role": "secondary", "wait-minutes": 10}),
    ]


class EscalationModel(StrictModel):
    steps: list[StepModel] = Field(default_factory=_default_steps, min_length=1, max_length=10)
    cycles: int = Field(default=9, ge=1, le=20, description="times the steps are repeated at most")


class ServiceModel(StrictModel):
    id: str = Field(pattern=ID_PATTERN)
    name: str = Field(min_length=1, max_length=200)
    mode: RoutingMode = Field(
        default=RoutingMode.PAGE,
        description="page: pages the rota in on-call hours; notify: posts to its channel only",
    )
    channel: str | None = Field(
        default=None,
        pattern=r"^[#@]?[a-z0-9][a-z0-9._-]{0,79}$|^[CG][A-Z0-9]{2,20}$",
        description="Slack channel",
    )
    integration_keys: list[KeyText] = Field(
        default_factory=list,
        alias="integration-keys",
        description="keys that may send alarms to this service: the key, or sha256:<its digest>",
    )
    paging: list[PagingWay] = Field(
        default_factory=lambda: list(DEFAULT_PAGING), min_length=1, description="how an engineer is paged"
    )
    escalation: EscalationModel = Field(default_factory=EscalationModel)

    @field_validator("paging")
    @classmethod
    def _no_repeats(cls, ways: list[str]) -> list[str]:
        if len(set(ways)) != len(ways):
            raise ValueError("each way of paging may be listed once")
        return ways

    def digests(self) -> frozenset[str]:
        return frozenset(
            k.removeprefix("sha256:") if DIGEST.match(k) else key_digest(k) for k in self.integration_keys
        )

    def to_service(self) -> MonitoredService:
        steps = tuple(
            EscalationStep(Role(step.role), timedelta(minutes=step.wait_minutes))
            for step in self.escalation.steps
        )
        return MonitoredService(
            id=self.id,
            name=self.name,
            mode=self.mode,
            channel=self.channel,
            escalation=EscalationPolicy(steps, self.escalation.cycles),
            key_digests=self.digests(),
            paging=tuple(self.paging),
        )


def build_services(models: list[ServiceModel]) -> tuple[tuple[MonitoredService, ...], list[Problem]]:
    """The services, and problems only the whole list shows: a repeated id, a key given to two services."""
    problems: list[Problem] = []
    ids: dict[str, int] = {}
    keys: dict[str, int] = {}
    for index, model in enumerate(models):
        if model.id in ids:
            problems.append((("services", index, "id"), f"{model.id!r} is already services[{ids[model.id]}]"))
        ids.setdefault(model.id, index)
        for digest in model.digests():
            if digest in keys and keys[digest] != index:
                problems.append(
                    (
                        ("services", index, "integration-keys"),
                        f"a key here is also services[{keys[digest]}]'s; each key routes to one service",
                    )
                )
            keys.setdefault(digest, index)
    return tuple(model.to_service() for model in models), problems
