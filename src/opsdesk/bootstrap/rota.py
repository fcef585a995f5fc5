"""Wiring for the rota: the rota service, the solver, calendars and writing the rota back to the file."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from opsdesk.config.settings import Settings
from opsdesk.domain.rota_plan import Plan
from opsdesk.domain.shifts import Shift
from opsdesk.services.clock import Clock
from opsdesk.services.rota import RotaService
from opsdesk.services.rota_generation import Generated, generate

# The solver (PuLP), calendar (icalendar) and YAML-writing adapters cost 0.1-0.4 s each to import; they are
# imported in the functions that use them (marked "see _HEAVY"), so `opsdesk who` stays quick.


def rota_service(settings: Settings, clock: Clock | None = None) -> RotaService:
    """Everything the rota commands need; raises PolicyError before anything runs on a bad policy."""
    from opsdesk.bootstrap import bootstrap  # noqa: PLC0415  (the package imports nothing of this module)

    return bootstrap(settings, clock=clock).rota


def generate_rota(
    service: RotaService, first: date, weeks: int, progress: Callable[[str], None] | None = None
) -> Generated:
    """Plan `weeks` turns with the HiGHS solver; RotaInfeasibleError says which rule stops it."""
    from opsdesk.adapters.rota_solver import HighsPlanSolver  # noqa: PLC0415  (see _HEAVY)

    solver = HighsPlanSolver(progress=progress)
    return generate(service.rota, service.engine, solver, first, weeks, progress)


def calendar(service: RotaService, shifts: list[Shift], title: str) -> bytes:
    """An iCalendar feed of `shifts`."""
    from opsdesk.adapters.calendar_feed import render_ics  # noqa: PLC0415  (see _HEAVY)

    return render_ics(shifts, service.engine.timezone, service.name_of, title, service.clock.now())


def write_rota(settings: Settings, plan: Plan) -> None:
    from opsdesk.config.policy_writer import write_plan  # noqa: PLC0415  (see _HEAVY)

    write_plan(settings.policy_path, plan)
