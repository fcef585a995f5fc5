"""Benchmark the critical-incident email intake: messages over loopback SMTP into a real `opsdesk smtp`.

Run on demand:  .venv/bin/python benchmarks/bench_email_intake.py [--database sqlite|postgresql]
                [--messages 1000] [--senders 10]
PostgreSQL: OPSDESK_TEST_POSTGRES_URL, else postgresql+psycopg://root@127.0.0.1:5432/test (a fresh schema
per run, dropped after).

`--senders` threads, each with its own SMTP connection and address, send `--messages` in all; every fifth
message of a sender is a follow-up (In-Reply-To its previous message), the rest open new threads. The
listener runs on the real clock (the cover at the time of the run decides the routing); replies are allowed
for every message (`replies-per-hour: 1000`). Prints a Markdown table: messages/s accepted, the latency of
each message's DATA (sent to `250`), p50/p99, and for each reply the time from the `250` to the reply's row
in the outbox (negative: the row was committed before the `250` was sent). Then checks the counts: one
incident per new thread, one reply per new thread, a note per follow-up.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import signal
import smtplib
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, date, datetime
from email.message import EmailMessage
from pathlib import Path

from sqlalchemy import text

from common import OPSDESK, bench_database, free_port, percentile
from opsdesk.adapters.db.engine import make_engine

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.incident_world import policy_document

ADDRESS = "oncall@platform.gov.uk"


def message(sender: int, n: int) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = f"team{sender}@dept.gov.uk"
    mail["To"] = ADDRESS
    mail["Message-ID"] = f"<s{sender}-m{n}@dept.gov.uk>"
    if n % 5 == 4:
        mail["Subject"] = f"Re: Outage {sender}-{n - 1}"
        mail["In-Reply-To"] = f"<s{sender}-m{n - 1}@dept.gov.uk>"
        mail["References"] = f"<s{sender}-m{n - 1}@dept.gov.uk>"
        mail.set_content("Still failing; now 504s as well.")
    else:
        mail["Subject"] = f"Outage {sender}-{n}"
        mail.set_content(f"Since 21:10 every request fails with 502. We talk in #team-{sender}-incident.")
    return mail


def send_all(port: int, sender: int, count: int, accepted: dict[str, float], lat: list[float]) -> None:
    with smtplib.SMTP("127.0.0.1", port, timeout=60) as client:
        client.ehlo("relay.dept.gov.uk")
        for n in range(count):
            mail = message(sender, n)
            client.mail(f"team{sender}@dept.gov.uk")
            client.rcpt(ADDRESS)
            began = time.perf_counter()
            code, said = client.data(mail.as_bytes())
            lat.append(time.perf_counter() - began)
            if code != 250:
                raise SystemExit(f"refused: {code} {said!r}")
            accepted[str(mail["Message-ID"])] = datetime.now(UTC).timestamp()


def start(folder: Path, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "OPSDESK_POLICY_RELOAD_SECONDS": "0"}
    log = (folder / "smtp.log").open("wb")
    process = subprocess.Popen([*OPSDESK, "smtp", "--port", str(port)], cwd=folder, env=env, stderr=log)
    for _ in range(300):
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return process
        time.sleep(0.1)
    raise SystemExit(f"the listener did not start:\n{(folder / 'smtp.log').read_text()}")


def run(database: str, messages: int, senders: int) -> None:
    with tempfile.TemporaryDirectory() as folder, bench_database(database, Path(folder)) as url:
        email = {
            "enabled": True,
            "service": "platform",
            "addresses": [ADDRESS],
            "sender-domains": ["dept.gov.uk"],
            "replies-per-hour": 1000,
        }
        document = policy_document(date(2026, 11, 30), weeks=60, email=email, service={"database-url": url})
        (Path(folder) / "opsdesk.yaml").write_text(json.dumps(document))
        port = free_port()
        listener = start(Path(folder), port)
        accepted: dict[str, float] = {}
        latencies: list[float] = []
        each = messages // senders
        threads = [
            threading.Thread(target=send_all, args=(port, s, each, accepted, latencies))
            for s in range(senders)
        ]
        began = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - began
        listener.send_signal(signal.SIGTERM)
        listener.wait(timeout=60)
        report(url, database, len(accepted), elapsed, latencies, accepted, senders, each)


def report(  # noqa: PLR0917  (the run's figures)
    url: str,
    database: str,
    count: int,
    elapsed: float,
    latencies: list[float],
    accepted: dict[str, float],
    senders: int,
    each: int,
) -> None:
    engine = make_engine(url)
    with engine.connect() as connection:
        incidents = connection.execute(text("select count(*) from incidents")).scalar_one()
        notes = connection.execute(
            text("select count(*) from incident_entries where kind = 'note'")
        ).scalar_one()
        rows = connection.execute(
            text("select idempotency_key, created_at from outbox where idempotency_key like :replies"),
            {"replies": "email:%:reply"},
        ).all()
    engine.dispose()
    by_digest = {hashlib.sha256(m.encode()).hexdigest()[:32]: m for m in accepted}  # the reply's key
    gaps = []
    for key, created in rows:
        message_id = by_digest[key.split(":")[1]]
        at = created if isinstance(created, datetime) else datetime.fromisoformat(str(created))
        at = at if at.tzinfo else at.replace(tzinfo=UTC)
        gaps.append(at.timestamp() - accepted[message_id])
    threads = senders * (each - each // 5)
    print(
        f"| {database} | {count} | {count / elapsed:.0f}/s | {percentile(latencies, 0.5) * 1000:.1f} ms | "
        f"{percentile(latencies, 0.99) * 1000:.1f} ms | {percentile(gaps, 0.99) * 1000:+.0f} ms | "
        f"{incidents}/{threads} | {len(rows)}/{threads} | {notes}/{senders * (each // 5)} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--senders", type=int, default=10)
    options = parser.parse_args()
    print(
        "| database | messages | accepted | DATA p50 | DATA p99 | 250 to reply in outbox, p99 | incidents | "
        "replies | notes |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    run(options.database, options.messages, options.senders)


if __name__ == "__main__":
    main()
