"""`opsdesk token create/list/revoke` as an operator runs them, on SQLite and PostgreSQL: a name is never
read as an id, and a revocation by name never guesses which token is meant."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, insert, select, text

from opsdesk.adapters.db.tables import TokenRecord
from opsdesk.adapters.db.tokens import token_hash
from tests.e2e.conftest import Run
from tests.rota_builders import team


def cli(opsdesk: Run, db: Engine) -> Run:
    url = db.url.render_as_string(hide_password=False)
    return lambda *arguments, **kw: opsdesk(*arguments, env={"OPSDESK_DATABASE_URL": url}, **kw)


def live(db: Engine) -> dict[int, str]:
    with db.connect() as connection:
        rows = connection.execute(
            select(TokenRecord.id, TokenRecord.name).where(TokenRecord.revoked_at.is_(None))
        )
        return {row.id: row.name for row in rows}


def legacy_token(db: Engine, name: str) -> int:
    """A token stored before names were checked (any name was taken then)."""
    with db.begin() as connection:
        token_id: int = connection.execute(
            insert(TokenRecord)
            .values(
                name=name,
                role="viewer",
                token_hash=token_hash(f"odk_legacy-{name}"),
                hint="gacy",
                created_at=datetime.now(UTC),
            )
            .returning(TokenRecord.id)
        ).scalar_one()
    return token_id


def test_a_name_of_digits_is_refused_and_never_revokes_the_token_with_that_id(
    opsdesk: Run, workdir: Path, db: Engine
) -> None:
    run = cli(opsdesk, db)
    assert run("token", "create", "--name", "ops", "--role", "admin").returncode == 0
    assert run("token", "create", "--name", "grafana", "--role", "viewer").returncode == 0  # token #2
    digits = run("token", "create", "--name", "2", "--role", "viewer")
    assert digits.returncode == 2
    assert digits.stderr.startswith("error: --name '2': a token name is never all digits")
    assert live(db) == {1: "ops", 2: "grafana"}
    old = legacy_token(db, "2")  # from before the rule: it still works, and goes by --id
    refused = run("token", "revoke", "2")
    assert refused.returncode == 2
    assert refused.stderr == (
        "error: '2' is all digits, and a token name never is: to revoke token #2, give `--id 2` "
        "(`opsdesk token list` shows each token's number and name)\n"
    )
    assert live(db) == {1: "ops", 2: "grafana", old: "2"}  # nothing revoked
    by_id = run("token", "revoke", "--id", str(old))
    assert (by_id.returncode, by_id.stdout) == (0, f"revoked token #{old} '2'\n")
    by_name = run("token", "revoke", "grafana")
    assert (by_name.returncode, by_name.stdout) == (0, "revoked token #2 'grafana'\n")
    assert live(db) == {1: "ops"}
    again = run("token", "revoke", "grafana")
    assert again.returncode == 1
    assert again.stderr == "error: no live token named 'grafana': `opsdesk token list` shows them\n"
    gone = run("token", "revoke", "--id", "2")
    assert gone.stderr == "error: no live token #2: `opsdesk token list` shows them\n"
    for arguments in ((), ("ops", "--id", "1")):
        unclear = run("token", "revoke", *arguments)
        assert unclear.returncode == 2
        assert unclear.stderr == "error: give a token's NAME or `--id N`, not both and not neither\n"
    assert live(db) == {1: "ops"}


def test_two_live_tokens_under_one_name_are_revoked_only_by_id(
    opsdesk: Run, workdir: Path, db: Engine
) -> None:
    # Names are unique in every database opsdesk creates; should one ever hold two live tokens under one
    # name, revoking by that name must not pick one of them.
    with db.begin() as connection:
        if db.dialect.name == "postgresql":
            connection.execute(text("ALTER TABLE api_tokens DROP CONSTRAINT api_tokens_name_key"))
        else:
            connection.execute(text("ALTER TABLE api_tokens RENAME TO old_tokens"))
            connection.execute(
                text(
                    "CREATE TABLE api_tokens (id INTEGER PRIMARY KEY AUTOINCREMENT, name VARCHAR(100) NOT NULL, "
                    "role VARCHAR(16) NOT NULL, token_hash VARCHAR(64) NOT NULL UNIQUE, hint VARCHAR(8) NOT NULL, "
                    "created_at DATETIME NOT NULL, revoked_at DATETIME)"
                )
            )
            connection.execute(text("DROP TABLE old_tokens"))
    first, second = legacy_token(db, "ci"), legacy_token(db, "ci ")
    with db.begin() as connection:
        connection.execute(text("UPDATE api_tokens SET name = 'ci'"))
    run = cli(opsdesk, db)
    refused = run("token", "revoke", "ci")
    assert refused.returncode == 1
    assert refused.stderr == (
        f"error: 2 live tokens are named 'ci' (#{first}, #{second}): revoke the one you mean with "
        f"`--id {first}` or `--id {second}`\n"
    )
    assert live(db) == {first: "ci", second: "ci"}
    assert run("token", "revoke", "--id", str(second)).returncode == 0
    assert live(db) == {first: "ci"}
    assert run("token", "revoke", "ci").stdout == f"revoked token #{first} 'ci'\n"


def test_a_feed_url_is_only_for_a_known_engineer(opsdesk: Run, workdir: Path, db: Engine) -> None:
    (workdir / "opsdesk.yaml").write_text(json.dumps(team()), encoding="utf-8")
    run = cli(opsdesk, db)
    nobody = run("token", "feed-url", "--engineer", "nobody")
    assert (nobody.returncode, nobody.stdout) == (2, "")
    assert nobody.stderr.startswith(
        "error: --engineer 'nobody': no such engineer in the policy; give one of its ids "
        "(alice, bilal, chen, dana, eve, omar), or leave --engineer out for the team's feed"
    )
    alice = run("token", "feed-url", "--engineer", "alice", "--base-url", "https://ops.example.org/")
    assert alice.returncode == 0, alice.stderr
    assert re.fullmatch(
        r"https://ops\.example\.org/api/v1/calendar/alice\.ics\?key=[0-9a-f]{32}\n", alice.stdout
    )


def test_revoking_a_feed_url_gives_that_feed_a_new_one_and_keeps_the_others(
    opsdesk: Run, workdir: Path, db: Engine
) -> None:
    (workdir / "opsdesk.yaml").write_text(json.dumps(team()), encoding="utf-8")
    run = cli(opsdesk, db)
    alice, team_feed = (
        run("token", "feed-url", *arguments).stdout for arguments in (("--engineer", "alice"), ())
    )
    assert run("token", "feed-url", "--engineer", "alice").stdout == alice  # stable until revoked
    revoked = run("token", "feed-url", "--engineer", "alice", "--revoke")
    assert revoked.returncode == 0, revoked.stderr
    assert revoked.stdout != alice and revoked.stdout.startswith(
        "http://127.0.0.1:8000/api/v1/calendar/alice.ics?key="
    )
    assert revoked.stderr == "the 'alice' feed's old URL no longer works: give calendar apps this one\n"
    assert run("token", "feed-url", "--engineer", "alice").stdout == revoked.stdout
    assert run("token", "feed-url").stdout == team_feed
