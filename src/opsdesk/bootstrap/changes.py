"""Wiring for change requests: the workflow over the database, the rota, the policy and the channels."""

from __future__ import annotations

from sqlalchemy import Engine

from opsdesk.adapters.clock import SystemClock
from opsdesk.adapters.db.changes import SqlChanges
from opsdesk.adapters.github.form import read_request
from opsdesk.bootstrap import rota as rota_wiring
from opsdesk.bootstrap.storage import channel_names, deployment
from opsdesk.config.loading import load_policy
from opsdesk.config.settings import Settings
from opsdesk.services.changes.workflow import ChangeWorkflow
from opsdesk.services.clock import Clock
from opsdesk.services.rota import RotaService


def change_workflow(
    settings: Settings, engine: Engine, clock: Clock | None = None, rota: RotaService | None = None
) -> ChangeWorkflow:
    clock = clock or SystemClock()
    return ChangeWorkflow(
        SqlChanges(engine),
        rota or rota_wiring.rota_service(settings, clock),
        load_policy(settings).changes,
        clock,
        channel_names(deployment(settings)),
        read=read_request,
    )
