"""The team's engineers found by whatever an interface knows them by: their id, GitHub login, Slack id or
email. One look-up for every interface, so nobody is one person on GitHub and another at the CLI."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from opsdesk.domain.rota import Engineer, EngineerId


@dataclass(frozen=True)
class People:
    engineers: tuple[Engineer, ...]
    _by_name: dict[str, Engineer] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        found: dict[str, Engineer] = {}
        # An id wins over another engineer's login, Slack id or email that happens to read the same.
        for engineer in reversed(self.engineers):
            for name in (engineer.email, engineer.slack, engineer.github):
                if name:
                    found[name.casefold()] = engineer
        for engineer in reversed(self.engineers):
            found[engineer.id.casefold()] = engineer
        object.__setattr__(self, "_by_name", found)

    @classmethod
    def of(cls, engineers: Iterable[Engineer]) -> People:
        return cls(tuple(engineers))

    def find(self, name: str) -> Engineer | None:
        """The engineer known by `name` (an id, a GitHub login with or without @, a Slack id, an email)."""
        return self._by_name.get(name.strip().lstrip("@").casefold())

    def by_id(self, engineer_id: str | None) -> Engineer | None:
        return next((e for e in self.engineers if e.id == engineer_id), None) if engineer_id else None

    def by_github(self, login: str) -> Engineer | None:
        """Only by GitHub login: what a GitHub webhook proves about its sender."""
        wanted = login.casefold()
        return next((e for e in self.engineers if (e.github or "").casefold() == wanted), None)

    def by_slack(self, user_id: str) -> Engineer | None:
        """Only by Slack user id (`engineers[].slack`): what a signed Slack request proves about its user."""
        wanted = user_id.strip()
        return next((e for e in self.engineers if e.slack and e.slack == wanted), None) if wanted else None

    def same(self, one: str, other: str) -> bool:
        """The same person: the same name, or two names of one engineer."""
        if one.casefold() == other.casefold():
            return True
        first, second = self.find(one), self.find(other)
        return first is not None and first == second

    def mention(self, engineer_id: EngineerId | None) -> Engineer | None:
        """The engineer a message names, if they are on the team."""
        return self.by_id(engineer_id)
