"""Acknowledge links from pages: `GET /ack/{token}` shows a small page asking "Acknowledge incident #4
(P1, Platform: Disk full)?" with one button, and changes nothing (chat unfurlers and mail scanners fetch
links); `POST /ack/{token}` acknowledges as the engineer the link names, once. Every answer is a short HTML
page that says what happened and what to do next, everything in it escaped; a link that is not valid
(changed, garbage, from another deployment, or links not set up) is a 404 that says nothing more. A test
page's link says first that nothing is wrong, and acknowledges the test page only."""

from __future__ import annotations

import html
from datetime import datetime

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from opsdesk.domain.errors import DomainError
from opsdesk.domain.incidents.ack_links import TOKEN_LIMIT
from opsdesk.domain.incidents.model import Incident, IncidentState
from opsdesk.entrypoints.api.context import ApiContext
from opsdesk.services.incidents.links import LinkAnswer, LinkState, acknowledge_by_link, look_at_link

STATUS = {
    LinkState.READY: 200,
    LinkState.ACKNOWLEDGED: 200,
    LinkState.USED: 409,
    LinkState.DONE: 409,
    LinkState.EXPIRED: 410,
    LinkState.INVALID: 404,
}
HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",  # the token is the secret: never sent on elsewhere
    "X-Robots-Tag": "noindex",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
}
SUMMARY_SHOWN = 200
STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:32rem;margin:2rem auto;padding:0 1rem;font-size:1.1rem}"
    "button{font-size:1.3rem;padding:.8rem 1.6rem;width:100%}code{background:#eee;padding:0 .2rem}"
)


def ack_routes(context: ApiContext) -> APIRouter:
    router = APIRouter(tags=["acknowledge links"], include_in_schema=False)

    @router.get("/ack/{token}", response_class=HTMLResponse)
    def look(token: str) -> HTMLResponse:
        """What the link would do, and a button to do it; changes nothing."""
        return _page(context, _safely(context, token, act=False))

    @router.post("/ack/{token}", response_class=HTMLResponse)
    def acknowledge(token: str) -> HTMLResponse:
        """Acknowledge as the link's engineer, once."""
        return _page(context, _safely(context, token, act=True))

    return router


def _safely(context: ApiContext, token: str, *, act: bool) -> LinkAnswer:
    if len(token) > TOKEN_LIMIT:
        return LinkAnswer(LinkState.INVALID)
    incidents = context.app.incidents
    try:
        return acknowledge_by_link(incidents, token) if act else look_at_link(incidents, token)
    except DomainError:  # the incident changed under us in a way the link cannot act on
        return LinkAnswer(LinkState.INVALID)


def _page(context: ApiContext, answer: LinkAnswer) -> HTMLResponse:
    title, body = _test_words(context, answer) if answer.test else _words(context, answer)
    page = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{html.escape(title)}</title><style>{STYLE}</style></head>"
        f"<body><h1>{html.escape(title)}</h1>{body}</body></html>"
    )
    return HTMLResponse(page, status_code=STATUS[answer.state], headers=HEADERS)


def _words(context: ApiContext, answer: LinkAnswer) -> tuple[str, str]:
    incident, claim = answer.incident, answer.claim
    if answer.state is LinkState.INVALID or claim is None:
        return "This link is not valid", (
            "<p>Nothing was done. Acknowledge from the page's Slack message, or run "
            "<code>opsdesk incident ack NUMBER</code>.</p>"
        )
    number = claim.incident
    command = f"<p>Or run <code>opsdesk incident ack {number}</code>.</p>"
    if answer.state is LinkState.EXPIRED:
        return f"This link to #{number} has expired", (
            f"<p>It expired at {_when(context, claim.expires)}, 24 hours after the page. Nothing was done. "
            "To acknowledge, press Acknowledge on the page's Slack message, or run "
            f"<code>opsdesk incident ack {number}</code>.</p>"
        )
    assert incident is not None
    what = _describe(context, incident)
    if answer.state is LinkState.READY:
        return f"Acknowledge incident #{number} ({what})?", (
            f"<p>You act as <b>{html.escape(claim.engineer)}</b>, paged at cycle {claim.cycle} step "
            f"{claim.step}. Opening this page changed nothing.</p>"
            '<form method="post"><button type="submit">Acknowledge</button></form>'
            f"<p>The link works once, until {_when(context, claim.expires)}.</p>{command}"
        )
    if answer.state is LinkState.ACKNOWLEDGED:
        return f"✓ Incident #{number} acknowledged", (
            f"<p>#{number} ({html.escape(what)}) is acknowledged by {html.escape(claim.engineer)}: escalation stops. "
            f"When it is fixed, resolve it from Slack or run <code>opsdesk incident resolve {number}</code>.</p>"
        )
    if answer.state is LinkState.USED:
        used = _when(context, answer.used_at) if answer.used_at else "an earlier time"
        return (
            f"This link was already used at {used}",
            f"<p>{_state(context, incident)}. Nothing was done again.</p>",
        )
    return (
        f"#{number} needs nothing more from this link",
        f"<p>{_state(context, incident)}: nothing to do.</p>",
    )


def _test_words(context: ApiContext, answer: LinkAnswer) -> tuple[str, str]:
    """A test page's link: nothing is wrong, whatever the state."""
    code, method = answer.test, html.escape(answer.method)
    calm = "<p>This was a test page: nothing is wrong.</p>"
    if answer.state is LinkState.READY:
        return f"Acknowledge test page {code}?", (
            f"{calm}<p>Acknowledging it tells <code>opsdesk page test</code> that its {method} message "
            "reached you. Opening this page changed nothing.</p>"
            '<form method="post"><button type="submit">Acknowledge</button></form>'
        )
    if answer.state is LinkState.ACKNOWLEDGED:
        return (
            f"✓ Test page {code} acknowledged",
            f"{calm}<p>Its {method} message reached you. Thank you.</p>",
        )
    if answer.state is LinkState.USED and answer.used_at is not None:
        return (
            f"Test page {code} was already acknowledged at {_when(context, answer.used_at)}",
            f"{calm}<p>Nothing was done again.</p>",
        )
    return f"This link to test page {code} has expired", (
        f"{calm}<p>Start a new one with <code>opsdesk page test --engineer ID</code>.</p>"
    )


def _describe(context: ApiContext, incident: Incident) -> str:
    """The incident in a few words, as plain text (escaped where it is put)."""
    try:
        service = context.app.incidents.service(incident.service).name
    except DomainError:
        service = incident.service
    summary = (
        incident.summary if len(incident.summary) <= SUMMARY_SHOWN else incident.summary[:SUMMARY_SHOWN] + "…"
    )
    return ", ".join(w for w in (str(incident.priority or ""), f"{service}: {summary}") if w)


def _state(context: ApiContext, incident: Incident) -> str:
    number = incident.id
    if incident.state is IncidentState.RESOLVED and incident.resolved_at is not None:
        return f"#{number} was resolved by {html.escape(incident.resolved_by or '?')} at {_when(context, incident.resolved_at)}"
    if incident.state is IncidentState.DEFERRED and incident.deferred_at is not None:
        return f"#{number} was deferred to working hours at {_when(context, incident.deferred_at)}"
    if incident.acknowledged_at is not None:
        by = html.escape(incident.acknowledged_by or "?")
        return f"#{number} is acknowledged by {by} (at {_when(context, incident.acknowledged_at)})"
    return f"#{number} is {incident.state}"


def _when(context: ApiContext, at: datetime) -> str:
    local = at.astimezone(context.tz)
    now = context.app.clock.now().astimezone(context.tz)
    return f"{local:%H:%M}" if local.date() == now.date() else f"{local:%H:%M} on {local:%a %d %b}"
