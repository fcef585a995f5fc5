"""What a page shows, as pure rules: one clean line of an alarm's text, the alarm's first links and custom
details, and the page's plain text (email, the log, webhooks). Composing a page (services/incidents/paging)
and each vendor's renderer use them."""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import replace
from typing import Any

from opsdesk.domain.notices import Page

LINKS_SHOWN = 3
DETAILS_SHOWN = 6
TITLE_LIMIT = 60
URL_LIMIT = 500
KEY_LIMIT = 40
VALUE_LIMIT = 200
SUMMARY_SHOWN = 1024  # a page never carries more of the summary than an alarm may have
NOT_IN_URL = frozenset('<>|"\\ `{}^') | {chr(c) for c in range(33)} | {chr(127)}
LOOKED_AT = 50  # how many keys of the alarm's details are looked at, at most


def with_text(page: Page) -> Page:
    """The page's plain text (email, the log, webhooks): the headline, how to acknowledge (the link first),
    then the rest."""
    return replace(page, text=page_text(page))


def page_text(page: Page) -> str:
    priority = f" {page.priority}" if page.priority else ""
    severity = f" {page.severity}" if page.severity else ""
    lines = [f"PAGE #{page.incident}{priority}{severity} {page.service_name or page.service}: {page.summary}"]
    if page.ack_url:
        lines.append(f"Acknowledge (once, within 24 hours): {page.ack_url}")
        lines.append(f"Or run: opsdesk incident ack {page.incident}")
    else:
        lines.append(f"Acknowledge: press Acknowledge in Slack, or run: opsdesk incident ack {page.incident}")
    lines.append("")
    lines.append(f"You: {page.engineer} ({page.role}), cycle {page.cycle} step {page.step}")
    if page.source:
        lines.append(f"Source: {page.source}")
    if page.others:
        lines.append("Also on call: " + ", ".join(page.others))
    if page.links:
        lines.append("")
        lines.append("Links:")
        lines.extend(f"- {title}: {url}" for title, url in page.links)
    if page.details:
        lines.append("")
        lines.append("Details:")
        lines.extend(f"- {name}: {value}" for name, value in page.details)
    return "\n".join(lines)


def clean(text: str, limit: int = 4000) -> str:
    """One line of plain text: control, format (bidi overrides, zero-width) and unassigned characters
    dropped, runs of whitespace made one space; looked at only up to `limit` characters."""
    if text[:limit].isprintable():  # nothing to drop (the common case): no character looked at one by one
        return " ".join(text[:limit].split())
    kept = "".join(
        " " if c.isspace() else c for c in text[:limit] if unicodedata.category(c)[0] != "C" or c.isspace()
    )
    return " ".join(kept.split())


def alarm_links(details: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    """The first http(s) links an alarm carried: PagerDuty's `links` and `client_url`, Alertmanager's
    runbook and dashboard annotations and its external URL."""
    found: list[tuple[str, str]] = []
    for title, given in _candidate_links(details):
        url = given.strip()
        if not url.startswith(("https://", "http://")) or len(url) > URL_LIMIT:
            continue
        if not url.isascii() or set(url) & NOT_IN_URL:
            continue
        if any(url == seen for _, seen in found):
            continue
        found.append((clean(title)[:TITLE_LIMIT] or "link", url))
        if len(found) == LINKS_SHOWN:
            break
    return tuple(found)


def _candidate_links(details: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    links = details.get("links")
    if isinstance(links, list):
        for item in links[:LOOKED_AT]:
            if isinstance(item, dict) and isinstance(item.get("href"), str):
                yield str(item.get("text") or "link"), item["href"]
    if isinstance(details.get("client_url"), str):
        yield str(details.get("client") or "monitor"), details["client_url"]
    annotations = details.get("commonAnnotations")
    if isinstance(annotations, dict):
        for name in ("runbook_url", "dashboard_url", "grafana_url", "generatorURL"):
            if isinstance(annotations.get(name), str):
                yield name.removesuffix("_url").removesuffix("URL"), annotations[name]
    if isinstance(details.get("externalURL"), str):
        yield "alertmanager", details["externalURL"]


def alarm_details(details: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    """The first custom details of an alarm as (key, value) text: PagerDuty's custom_details, Alertmanager's
    labels and annotations (links left out), CloudWatch's alarm fields."""
    found: list[tuple[str, str]] = []
    for name, value in _candidate_details(details):
        shown_name = clean(str(name))[:KEY_LIMIT]
        if not shown_name or (isinstance(value, str) and value.startswith(("https://", "http://"))):
            continue
        text = value if isinstance(value, str) else _compact(value)
        shown = clean(text, VALUE_LIMIT * 4)
        if not shown:
            continue
        if len(shown) > VALUE_LIMIT:
            shown = shown[: VALUE_LIMIT - 1] + "…"
        found.append((shown_name, shown))
        if len(found) == DETAILS_SHOWN:
            break
    return tuple(found)


def _candidate_details(details: Mapping[str, Any]) -> Iterator[tuple[str, Any]]:
    custom = details.get("custom_details")
    if isinstance(custom, dict):
        yield from list(custom.items())[:LOOKED_AT]
    elif custom is not None:
        yield "details", custom
    for group in ("commonLabels", "commonAnnotations"):
        values = details.get(group)
        if isinstance(values, dict):
            yield from (
                (k, v) for k, v in list(values.items())[:LOOKED_AT] if k not in ("summary", "severity")
            )
    for name in ("AlarmDescription", "Region", "AWSAccountId", "component", "group", "class"):
        if name in details:
            yield name, details[name]


def _compact(value: Any) -> str:
    try:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)[: VALUE_LIMIT * 4]
    except (TypeError, ValueError):
        return str(value)[: VALUE_LIMIT * 4]
