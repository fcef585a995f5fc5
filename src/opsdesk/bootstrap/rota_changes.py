"""Rota changes as commands, end to end: under the policy file's lock, read the file as it is now, check
the change against every rule, then write it into the file (comments kept) or, when the file is
read-only, keep it in the database as a layer; and record who proposed it and who consented."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from opsdesk.adapters.db.rota_changes import SqlRotaChanges
from opsdesk.bootstrap.cover import cover_engine
from opsdesk.config.policy_file import read_policy_file
from opsdesk.config.policy_lock import content_digest, policy_lock
from opsdesk.config.policy_writer import write_entries
from opsdesk.config.settings import Settings
from opsdesk.domain.errors import PolicyError, RotaChangeError, RotaChangeNotAllowedError
from opsdesk.domain.hours import CoverEngine
from opsdesk.domain.people import People
from opsdesk.domain.rota import EngineerId, Leave, Override, Role, Rota
from opsdesk.domain.rota_changes import ChangeKind, ChangeState, RotaChange, effective
from opsdesk.services.clock import Clock
from opsdesk.services.rota import RotaService
from opsdesk.services.rota_changes import checked, known, swap_overrides

EntriesOf = Callable[[Rota], tuple[tuple[Override, ...], tuple[Leave, ...]]]


@dataclass(frozen=True)
class Outcome:
    """What a change did: the change as recorded, and the rota in force after it (to say who is on duty)."""

    change: RotaChange
    rota: RotaService


class RotaChanges:
    def __init__(self, settings: Settings, clock: Clock, store: SqlRotaChanges, read_only: bool) -> None:
        self.settings = settings
        self.clock = clock
        self.store = store
        self.read_only_setting = read_only

    @property
    def path(self) -> Path:
        return self.settings.policy_path

    def read_only_reason(self) -> str | None:
        """Why changes go to the database instead of the file; None when the file takes them."""
        if self.read_only_setting:
            return "the deployment sets policy-read-only (OPSDESK_POLICY_READ_ONLY)"
        if not self.path.exists():
            return None
        if not self.path.stat().st_mode & 0o222:
            return f"{self.path} is marked read-only"
        if not os.access(self.path, os.W_OK) or not os.access(self.path.parent or Path(), os.W_OK):
            return f"{self.path} (or its folder) is not writable by this process"
        return None

    # -- reading the file as it is now ------------------------------------------------------------

    def _current(self) -> tuple[str, CoverEngine, Rota]:
        if not self.path.exists():
            raise RotaChangeError(
                f"no policy file at {self.path}: rota changes are made to one; `opsdesk init` writes one"
            )
        raw = self.path.read_bytes()
        policy = read_policy_file(self.path)
        cover = cover_engine(policy, self.settings)
        return content_digest(raw), cover, effective(policy.rota, self.store.layered())

    def engineer(self, name: str, rota: Rota, what: str) -> EngineerId:
        found = People.of(rota.engineers).find(name)
        if found is None:
            return known(rota, name, what)  # refuses, listing the engineers
        return found.id

    # -- the changes --------------------------------------------------------------------------------

    def override(
        self, actor: str, role: Role, engineer: str, *, start: datetime, end: datetime, reason: str
    ) -> Outcome:
        """`engineer` takes `role` for [start, end)."""
        if end <= start:
            raise RotaChangeError("the override's end must be after its start: check --from and --to")

        def entries(rota: Rota) -> tuple[tuple[Override, ...], tuple[Leave, ...]]:
            who = self.engineer(engineer, rota, "engineer")
            return (Override(role, who, start, end, reason),), ()

        return self._apply(ChangeKind.OVERRIDE, actor, entries)

    def leave(self, actor: str, engineer: str, first: date, last: date, note: str) -> Outcome:
        """`engineer` away from `first` to `last` (both included)."""

        def entries(rota: Rota) -> tuple[tuple[Override, ...], tuple[Leave, ...]]:
            return (), (Leave(self.engineer(engineer, rota, "engineer"), first, last, note),)

        return self._apply(ChangeKind.LEAVE, actor, entries)

    def propose_swap(
        self, actor: str, partner: str, role: Role, *, day: date, back: date | None, reason: str
    ) -> Outcome:
        """A swap proposed by `actor` (an engineer), checked now; in force once `partner` accepts it."""
        digest, cover, rota = self._current()
        del digest
        proposer = self._swapper(actor, rota)
        other = self.engineer(partner, rota, "--with")
        overrides = swap_overrides(
            rota,
            cover.timezone,
            proposer=proposer,
            partner=other,
            role=role,
            day=day,
            back=back,
            reason=reason,
        )
        checked(rota, cover, overrides, ())
        change = self.store.add(
            RotaChange(
                0, ChangeKind.SWAP, ChangeState.PROPOSED, overrides, (), proposer, self.clock.now(), other
            )
        )
        return Outcome(change, RotaService(cover, rota, self.clock))

    def accept_swap(self, change_id: int, actor: str) -> Outcome:
        """The partner's consent: the swap is checked again against the rota as it is now, then applied."""
        proposal = self.store.get(change_id)
        if proposal.kind is not ChangeKind.SWAP or proposal.state is not ChangeState.PROPOSED:
            raise RotaChangeError(
                f"rota change #{change_id} is a {proposal.kind} that is {proposal.state}: only a proposed swap "
                "can be accepted"
            )

        def entries(rota: Rota) -> tuple[tuple[Override, ...], tuple[Leave, ...]]:
            if self._swapper(actor, rota) != proposal.partner:
                raise RotaChangeNotAllowedError(
                    f"swap #{change_id} needs the consent of {proposal.partner}, not {actor[:100]}: "
                    f"{proposal.partner} accepts it (`opsdesk rota swap accept {change_id} --as "
                    f"{proposal.partner}`)"
                )
            return proposal.overrides, ()

        return self._apply(ChangeKind.SWAP, actor, entries, proposal)

    def decline_swap(self, change_id: int, actor: str) -> RotaChange:
        """A proposed swap declined by its partner, or withdrawn by its proposer."""
        proposal = self.store.get(change_id)
        digest, cover, rota = self._current()
        del digest, cover
        who = self._swapper(actor, rota)
        if who not in (proposal.partner, proposal.proposed_by):
            raise RotaChangeNotAllowedError(
                f"swap #{change_id} is between {proposal.proposed_by} and {proposal.partner}: only they may decline it"
            )
        if proposal.kind is not ChangeKind.SWAP or not self.store.settle(
            change_id, ChangeState.PROPOSED, ChangeState.DECLINED
        ):
            raise RotaChangeError(
                f"rota change #{change_id} is {proposal.state}: only a proposed swap can be declined"
            )
        return self.store.get(change_id)

    def listed(self) -> list[RotaChange]:
        return self.store.listed()

    def fold(self) -> list[RotaChange]:
        """The layered changes written into the file (which must be writable now), then marked folded."""
        reason = self.read_only_reason()
        if reason is not None:
            raise RotaChangeError(f"cannot write the changes into the policy file: {reason}")
        with policy_lock(self.path):
            layered = self.store.layered()
            if not layered:
                return []
            raw = self.path.read_bytes()
            tz = self._current()[1].timezone
            overrides = [o for c in layered for o in c.overrides]
            leave = [x for c in layered for x in c.leave]
            write_entries(self.path, overrides, leave, tz, content_digest(raw))
            self._still_valid(raw)
            now = self.clock.now()
            for change in layered:
                self.store.settle(change.id, ChangeState.LAYERED, ChangeState.FOLDED, folded_at=now)
        return [self.store.get(c.id) for c in layered]

    # -- the one way a change is made ---------------------------------------------------------------

    def _swapper(self, actor: str, rota: Rota) -> EngineerId:
        found = People.of(rota.engineers).find(actor)
        if found is None:
            raise RotaChangeNotAllowedError(
                f"{actor[:100]!r} is not one of the engineers: a swap is proposed and accepted by the two "
                "engineers themselves (--as ID at the command line, a token named after the engineer in the API)"
            )
        return found.id

    def _apply(
        self, kind: ChangeKind, actor: str, entries: EntriesOf, proposal: RotaChange | None = None
    ) -> Outcome:
        """Check and make a change under the file's lock, so two writers at once never lose a write: the
        second reads the file (and the layer) with the first's change in it, and checks against that."""
        if not self.path.exists():
            self._current()  # refuses, saying how to make a policy file
        with policy_lock(self.path):
            if proposal is not None:
                proposal = self.store.get(proposal.id)  # as it is now that we hold the lock
                if proposal.state is not ChangeState.PROPOSED:
                    raise RotaChangeError(f"swap #{proposal.id} is {proposal.state} already")
            digest, cover, rota = self._current()
            overrides, leave = entries(rota)
            after = checked(rota, cover, overrides, leave)
            state = ChangeState.WRITTEN if self.read_only_reason() is None else ChangeState.LAYERED
            if state is ChangeState.WRITTEN:
                write_entries(self.path, overrides, leave, cover.timezone, digest)
            now = self.clock.now()
            if proposal is None:
                change = self.store.add(RotaChange(0, kind, state, overrides, leave, actor[:100], now))
            else:
                accepter = self._swapper(actor, rota)
                self.store.settle(proposal.id, ChangeState.PROPOSED, state, accepted=(accepter, now))
                change = self.store.get(proposal.id)
        return Outcome(change, RotaService(cover, after, self.clock))

    def _still_valid(self, before: bytes) -> None:
        """Put the file back as it was if what was written does not read as a valid policy."""
        try:
            read_policy_file(self.path)
        except PolicyError:
            self.path.write_bytes(before)
            raise
