"""The `services:` part of the policy file: alarm sources, how each routes, escalates and is reached."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, field_validator

from opsdesk.config.field_types import StrictModel
from opsdesk.config.rota_model import ID_PATTERN, EngineerModel, Id, Problem
from opsdesk.domain.incidents.escalation import FINAL, MANAGER, EscalationPolicy, EscalationStep, FinalTier
from opsdesk.domain.incidents.model import MonitoredService, RoutingMode, key_digest
from opsdesk.domain.rota import EngineerId, Role

DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")
KEY_TEXT = re.compile(r"^[A-Za-z0-9_-]{16,128}$")


def _check_key(text: str) -> str:
    if DIGEST.match(text) or KEY_TEXT.match(text):
        return text
    raise ValueError(
        "expected an integration key of 16-128 letters, digits, '-' or '_', or its digest as "
        "sha256:<64 hex digits> (`opsdesk service key` makes both)"
    )


PagingWay = Literal["slack", "email", "pagerduty", "sms", "voice"]
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
    final: Literal["manager"] | list[Id] | None = Field(
        default=None,
        description="paged once when the last cycle runs out unacknowledged: `manager` (every engineer "
        "with `manager: true`) or a list of engineer ids; without it the escalation just stops",
    )

    @field_validator("final")
    @classmethod
    def _final_once_each(cls, final: str | list[str] | None) -> str | list[str] | None:
        if isinstance(final, list):
            if not final or len(final) > 10:
                raise ValueError("name 1 to 10 engineers, or `manager`")
            if len(set(final)) != len(final):
                raise ValueError("each engineer may be listed once")
        return final

    def final_tier(self, engineers: list[EngineerModel]) -> tuple[FinalTier | None, str | None]:
        """The final tier, or the problem with it: an engineer the policy does not list, or no manager."""
        if self.final is None:
            return None, None
        known = [e.id for e in engineers]
        if self.final == MANAGER:
            managers = tuple(EngineerId(e.id) for e in engineers if e.manager)
            if not managers:
                return None, (
                    "the final tier is `manager`, but no engineer has `manager: true`: mark the duty "
                    "managers under `engineers:`, or name engineers here instead"
                )
            return FinalTier(managers, MANAGER), None
        unknown = [name for name in self.final if name not in known]
        if unknown:
            return None, (
                f"{', '.join(repr(u) for u in unknown)} is not an engineer of the team; the engineers are: "
                f"{', '.join(known) or 'none (add them under `engineers:`)'}"
            )
        return FinalTier(tuple(EngineerId(name) for name in self.final), FINAL), None


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

    def to_service(self, final: FinalTier | None = None) -> MonitoredService:
        steps = tuple(
            EscalationStep(Role(step.role), timedelta(minutes=step.wait_minutes))
            for step in self.escalation.steps
        )
        return MonitoredService(
            id=self.id,
            name=self.name,
            mode=self.mode,
            channel=self.channel,
            escalation=EscalationPolicy(steps, self.escalation.cycles, final),
            key_digests=self.digests(),
            paging=tuple(self.paging),
        )


def build_services(
    models: list[ServiceModel], engineers: list[EngineerModel]
) -> tuple[tuple[MonitoredService, ...], list[Problem]]:
    """The services, and problems only the whole file shows: a repeated id, a key given to two services, a
    final tier naming someone who is not an engineer (or `manager` with no managers)."""
    problems: list[Problem] = []
    ids: dict[str, int] = {}
    keys: dict[str, int] = {}
    finals: list[FinalTier | None] = []
    for index, model in enumerate(models):
        final, problem = model.escalation.final_tier(engineers)
        finals.append(final)
        if problem:
            problems.append((("services", index, "escalation", "final"), problem))
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
    built = tuple(model.to_service(final) for model, final in zip(models, finals, strict=True))
    return built, problems
