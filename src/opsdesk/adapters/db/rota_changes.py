"""The rota changes' table: the record of every swap, override and leave made as a command, and the layer
of changes in force over a read-only policy file."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine, Row, func, insert, select, update

from opsdesk.adapters.db.tables import RotaChangeRecord
from opsdesk.domain.errors import UnknownRotaChangeError
from opsdesk.domain.rota import EngineerId, Leave, Override, Role
from opsdesk.domain.rota_changes import ChangeKind, ChangeState, RotaChange

LISTED = 500  # the newest changes a list shows


class SqlRotaChanges:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def add(self, change: RotaChange) -> RotaChange:
        """`change` stored; returned with its number."""
        with self.engine.begin() as connection:
            row_id = connection.execute(
                insert(RotaChangeRecord)
                .values(
                    kind=change.kind.value,
                    state=change.state.value,
                    entries=_entries(change),
                    proposed_by=change.proposed_by,
                    proposed_at=change.proposed_at,
                    partner=change.partner,
                    accepted_by=change.accepted_by,
                    accepted_at=change.accepted_at,
                    folded_at=change.folded_at,
                )
                .returning(RotaChangeRecord.id)
            ).scalar_one()
        return self.get(row_id)

    def get(self, change_id: int) -> RotaChange:
        with self.engine.connect() as connection:
            row = connection.execute(
                select(RotaChangeRecord.__table__).where(RotaChangeRecord.id == change_id)
            ).first()
        if row is None:
            raise UnknownRotaChangeError(f"no rota change #{change_id}: `opsdesk rota changes` lists them")
        return _change(row)

    def settle(
        self,
        change_id: int,
        was: ChangeState,
        state: ChangeState,
        *,
        accepted: tuple[str, datetime] | None = None,
        folded_at: datetime | None = None,
    ) -> bool:
        """Move a change from `was` to `state`; False when it was no longer in `was` (someone else moved it)."""
        values: dict[str, Any] = {"state": state.value}
        if accepted is not None:
            values["accepted_by"], values["accepted_at"] = accepted
        if folded_at is not None:
            values["folded_at"] = folded_at
        with self.engine.begin() as connection:
            moved = connection.execute(
                update(RotaChangeRecord)
                .where(RotaChangeRecord.id == change_id, RotaChangeRecord.state == was.value)
                .values(**values)
            ).rowcount
        return bool(moved)

    def listed(self) -> list[RotaChange]:
        """The newest changes first."""
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(RotaChangeRecord.__table__).order_by(RotaChangeRecord.id.desc()).limit(LISTED)
            ).all()
        return [_change(row) for row in rows]

    def layered(self) -> list[RotaChange]:
        """The changes in force through the database, oldest first."""
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(RotaChangeRecord.__table__)
                .where(RotaChangeRecord.state == ChangeState.LAYERED.value)
                .order_by(RotaChangeRecord.id)
            ).all()
        return [_change(row) for row in rows]

    def revision(self) -> str:
        """Changes whenever the layer in force does: "" when nothing is layered."""
        with self.engine.connect() as connection:
            top, count, total = connection.execute(
                select(
                    func.max(RotaChangeRecord.id),
                    func.count(RotaChangeRecord.id),
                    func.sum(RotaChangeRecord.id),
                ).where(RotaChangeRecord.state == ChangeState.LAYERED.value)
            ).one()
        return f"{top}:{count}:{total}" if count else ""


def _entries(change: RotaChange) -> dict[str, object]:
    return {
        "overrides": [
            {
                "role": o.role.value,
                "engineer": o.engineer,
                "start": o.start.isoformat(),
                "end": o.end.isoformat(),
                "reason": o.reason,
            }
            for o in change.overrides
        ],
        "leave": [
            {"engineer": x.engineer, "first": x.first.isoformat(), "last": x.last.isoformat(), "note": x.note}
            for x in change.leave
        ],
    }


def _change(row: Row[Any]) -> RotaChange:
    entries = row.entries
    return RotaChange(
        id=row.id,
        kind=ChangeKind(row.kind),
        state=ChangeState(row.state),
        overrides=tuple(
            Override(
                Role(o["role"]),
                EngineerId(o["engineer"]),
                datetime.fromisoformat(o["start"]),
                datetime.fromisoformat(o["end"]),
                o["reason"],
            )
            for o in entries.get("overrides", [])
        ),
        leave=tuple(
            Leave(
                EngineerId(x["engineer"]),
                date.fromisoformat(x["first"]),
                date.fromisoformat(x["last"]),
                x["note"],
            )
            for x in entries.get("leave", [])
        ),
        proposed_by=row.proposed_by,
        proposed_at=row.proposed_at,
        partner=row.partner,
        accepted_by=row.accepted_by,
        accepted_at=row.accepted_at,
        folded_at=row.folded_at,
    )
