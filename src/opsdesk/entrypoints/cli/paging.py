"""`opsdesk page test` and `opsdesk page status`: a test page that says nothing is wrong, sent by each of an
engineer's methods, and how each fared (delivered, acknowledged), so that a newcomer can check their phone
before their first week on call."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, Annotated

import typer

from opsdesk.config.settings import Settings
from opsdesk.entrypoints.cli.exit_codes import ExitCode, fail, reported_errors
from opsdesk.entrypoints.cli.text import printable
from opsdesk.entrypoints.cli.wiring import application

if TYPE_CHECKING:
    from opsdesk.bootstrap.application import Application
    from opsdesk.domain.rota import Engineer
    from opsdesk.services.incidents.page_tests import MethodStatus, PageTest, PageTests, PageTestStatus

page_app = typer.Typer(
    help="Pages: send a test page to check that they reach an engineer.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
QUIET_SECONDS = 30.0  # nothing delivered by then: probably no worker is running
HOW = {
    "sms": "reply '{code}' to the text",
    "voice": "press 1 in the call",
    "slack": "open the link in Slack",
    "email": "open the link in the email",
}
FIX = {
    "slack": "check engineers[].slack and OPSDESK_SLACK_TOKEN",
    "email": "check engineers[].email and the SMTP settings (OPSDESK_SMTP_HOST)",
    "sms": "check engineers[].phone and the Twilio settings",
    "voice": "check engineers[].phone and the Twilio settings",
    "pagerduty": "check engineers[].pagerduty and OPSDESK_PAGERDUTY_ROUTING_KEY",
    "webhook": "check engineers[].webhook and OPSDESK_WEBHOOKS",
}
NO_ANSWER = {
    "pagerduty": "sent; acknowledge in PagerDuty",
    "webhook": "sent; your webhook's receiver cannot answer back",
    "sms": "sent; cannot be acknowledged back here: set OPSDESK_PUBLIC_URL (Twilio's webhooks)",
    "voice": "sent; cannot be acknowledged back here: set OPSDESK_PUBLIC_URL (Twilio's webhooks)",
    "slack": "sent; no link to acknowledge by: set OPSDESK_PUBLIC_URL and OPSDESK_LINK_SECRET",
    "email": "sent; no link to acknowledge by: set OPSDESK_PUBLIC_URL and OPSDESK_LINK_SECRET",
}


@contextmanager
def _page_tests(settings: Settings) -> Iterator[tuple[Application, PageTests]]:
    """The application and its test pages; the database's connections closed when the command ends."""
    from opsdesk.services.incidents.page_tests import PageTests  # noqa: PLC0415  (the use cases: when run)

    app = application(settings)
    try:
        yield app, PageTests(app.incidents, app.outbox, webhooks=bool(app.deployment.public_url))
    finally:
        app.engine.dispose()


def page_test_command(
    ctx: typer.Context,
    engineer: Annotated[
        str, typer.Option("--engineer", metavar="ID", help="The engineer's id in the policy.")
    ],
    wait: Annotated[
        float,
        typer.Option("--wait", min=0, max=3600, help="Seconds to wait for delivery and acknowledgements."),
    ] = 300,
    no_wait: Annotated[
        bool, typer.Option("--no-wait", help="Send, say how to acknowledge, and exit (see `page status`).")
    ] = False,
    poll: Annotated[float, typer.Option("--poll", min=0.05, max=60, help="Seconds between looks.")] = 2.0,
) -> None:
    """Send a test page ("TEST PAGE from opsdesk: nothing is wrong.") to an engineer by each of their
    methods, and report which were delivered and acknowledged. Exit 0 only when every method was delivered
    and every method that can answer back was acknowledged."""
    from opsdesk.services.incidents.page_tests import UnknownEngineerError  # noqa: PLC0415

    with _page_tests(ctx.obj) as (app, tests):
        with reported_errors():
            try:
                test = tests.start(engineer)
            except UnknownEngineerError as exc:  # a mistyped option: a usage error, as Typer's own
                raise fail(str(exc), ExitCode.USAGE) from None
        typer.echo(_sent(test))
        if not test.methods:
            raise typer.Exit(int(ExitCode.FAILED))
        if no_wait:
            typer.echo(f"Follow it with: opsdesk page status {test.code}")
            return
        status = _follow(tests, test.code, wait, poll, app.rota.engine.timezone)
        exit_code = _report(status, test.engineer, app.rota.engine.timezone)
    raise typer.Exit(exit_code)


def status_command(ctx: typer.Context, code: Annotated[str, typer.Argument(metavar="CODE")]) -> None:
    """How test page CODE (T4821) fared: each method delivered or not, and acknowledged when. Exit 0 only
    when every method was delivered and every method that can answer back was acknowledged."""
    from opsdesk.domain.incidents.page_test import read_code  # noqa: PLC0415

    found = read_code(code.strip())
    if found is None:
        raise fail(
            f"{printable(code[:20])!r} is no test page code: T and four digits, e.g. T4821", ExitCode.USAGE
        )
    with _page_tests(ctx.obj) as (app, tests), reported_errors():
        status = tests.status(found)
        exit_code = _report(status, tests.engineer(status.engineer), app.rota.engine.timezone)
    raise typer.Exit(exit_code)


def _sent(test: PageTest) -> str:
    who = f"{printable(test.engineer.name)} ({test.engineer.id})"
    lines = []
    if test.methods:
        hows = [HOW[m].format(code=test.code) for m in test.methods if m in test.answerable and m in HOW]
        how = f" To acknowledge: {', '.join(hows)}." if hows else ""
        lines.append(f"Sent a test page to {who} by {', '.join(test.methods)}; code {test.code}.{how}")
        lines.extend(f"  {m}: {NO_ANSWER[m]}" for m in test.methods if m not in test.answerable)
    else:
        lines.append(f"Sent nothing to {who}: none of their methods is set up here.")
    lines.extend(f"Not sent by {method}: {why}" for method, why in test.skipped)
    return "\n".join(lines)


def _follow(tests: PageTests, code: str, wait: float, poll: float, tz: tzinfo) -> PageTestStatus:
    """A line per change until every method is settled or `wait` seconds have passed."""
    started = time.monotonic()
    seen: dict[str, tuple[str, datetime | None]] = {}
    warned = False
    while True:
        status = tests.status(code)
        for method in status.methods:
            now = (method.state, method.acknowledged_at)
            if seen.get(method.method) != now:
                seen[method.method] = now
                typer.echo(f"  {method.method}: {_progress(method, tz)}")
        elapsed = time.monotonic() - started
        if status.settled or elapsed >= wait:
            return status
        if not warned and elapsed >= QUIET_SECONDS and all(m.state == "pending" for m in status.methods):
            warned = True
            typer.echo(
                "Nothing delivered after 30 s: delivery needs `opsdesk serve` or `opsdesk worker` running."
            )
        time.sleep(min(poll, max(wait - elapsed, 0.0)))


def _progress(method: MethodStatus, tz: tzinfo) -> str:
    said = method.state
    if method.state == "pending" and method.error:
        said += f" (last error: {printable(method.error)[:200]})"
    if method.acknowledged_at is not None:
        said += f", acknowledged at {method.acknowledged_at.astimezone(tz):%H:%M:%S}"
    return said


def _report(status: PageTestStatus, engineer: Engineer, tz: tzinfo) -> int:
    """The table of methods, then what to check for each that fell short; the exit code."""
    typer.echo(f"\nTest page {status.code} to {engineer.id}:")
    typer.echo(f"  {'method':<10} {'message':<10} acknowledged")
    for m in status.methods:
        acked = (
            f"{m.acknowledged_at.astimezone(tz):%H:%M:%S}"
            if m.acknowledged_at
            else "-"
            if m.answerable
            else "n/a"
        )
        typer.echo(f"  {m.method:<10} {m.state:<10} {acked}")
    problems = [p for m in status.methods if (p := _problem(status.code, m, engineer))]
    for problem in problems:
        typer.echo(problem)
    if status.done:
        typer.echo("Every method reached them.")
        return int(ExitCode.OK)
    return int(ExitCode.FAILED)


def _problem(code: str, m: MethodStatus, engineer: Engineer) -> str | None:
    """What to check for method `m` (None when it did all it can)."""
    error = printable(m.error or "")[:300]
    if m.state == "failed":
        return f"{m.method}: failed: {error or 'no answer'}: {FIX[m.method]}"
    if m.state == "pending":
        last = f" (last error: {error})" if error else ""
        return f"{m.method}: not delivered yet{last}: is `opsdesk worker` or `opsdesk serve` running?"
    if not m.answerable:
        return f"{m.method}: {NO_ANSWER[m.method]}"
    if m.acknowledged_at is not None:
        return None
    phone = printable(engineer.phone or "?")
    ways = {
        "sms": f"reply {code} from {phone}",
        "voice": f"answer the call to {phone} and press 1",
        "slack": "open the link in the Slack message",
        "email": f"open the link in the email to {printable(engineer.email)}",
    }
    return f"{m.method}: delivered, not acknowledged: {ways.get(m.method, 'acknowledge it')}"


page_app.command("test")(page_test_command)
page_app.command("status")(status_command)
