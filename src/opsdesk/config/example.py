"""The commented example policy that `opsdesk init` writes: a team of six, rota from this week on."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import date, timedelta

from opsdesk.domain.rota import SupportLimit

ENGINEERS = ("alice", "bilal", "chen", "dana", "eve", "femi")
# Pairs (primary, secondary) that keep every rule: eve is new and always has an experienced secondary,
# nobody is on call two weeks running, nobody holds both roles.
PAIRS = (
    ("alice", "bilal"),
    ("chen", "dana"),
    ("eve", "alice"),
    ("bilal", "femi"),
    ("dana", "chen"),
    ("femi", "eve"),
)
HEADER = """\
# opsdesk policy: the team's hours, people and rota, as code.
# Check it with `opsdesk check` and `opsdesk rota check`; see who is on duty with `opsdesk who`.
# Editor support: point YAML tooling at schema/opsdesk-policy.schema.json (`opsdesk policy schema`).

timezone: Europe/London          # hours below are wall-clock times here, DST included
working-days: [monday, tuesday, wednesday, thursday, friday]

hours:                           # per kind of day, windows per cover; anything else has no cover
  working-day:
    support: ["09:00-16:00"]     # in hours: the support engineer
    on-call: ["07:00-09:00", "16:00-22:00"]
  weekend:
    on-call: ["07:00-22:00"]
  bank-holiday:                  # England and Wales bank holidays take weekend hours
    on-call: ["07:00-22:00"]

bank-holidays:
  division: england-and-wales
  # file: bank-holidays.json     # GOV.UK's JSON, authoritative for the years it holds
  extra: []                      # one-off days, e.g. {date: 2027-06-07, name: Extra bank holiday}
  removed: []

engineers:                       # slack, github and pagerduty are optional
  - {id: alice, name: Alice Adeyemi, email: alice@example.org, slack: U01ALICE01, github: alice-a}
  - {id: bilal, name: Bilal Khan, email: bilal@example.org, slack: U01BILAL01}
  - {id: chen, name: Chen Wei, email: chen@example.org}
  - {id: dana, name: Dana Murphy, email: dana@example.org}
  - {id: eve, name: Eve Jones, email: eve@example.org, experienced: false}   # new to the rota
  - {id: femi, name: Femi Okafor, email: femi@example.org, manager: true}   # a duty manager

rota:
  turn: {starts: monday, at: "07:00"}          # weekly on-call turns hand over Monday 07:00
  support-duty: {max-days-per-sprint: 3, sprint-days: 14, first-sprint: 2026-01-05}
  fatigue:                       # kept by `opsdesk rota generate`, reported by `opsdesk rota check`
    max-weeks-running: 1         # on-call turns in a row, primary or secondary: 1 = never two running
    support-on-call-same-day: false   # true lets the support engineer be on call the same day
    rest-after-weekend-days: 1   # no support duty the day after a weekend or bank-holiday day on call
  on-call:
"""
FOOTER = """\

leave: []                        # e.g. {engineer: chen, from: 2026-12-21, to: 2027-01-01, note: Christmas}
overrides: []                    # e.g. {role: primary, engineer: dana, from: "2026-12-02T16:00", to: "2026-12-02T22:00", reason: swap}

services:                        # alarm sources; `opsdesk service key` makes a key and the digest to list here
  - id: platform
    name: Platform
    mode: page                   # page: pages the rota in on-call hours; notify: posts to its channel only
    channel: "#platform-alerts"
    integration-keys: []         # e.g. ["sha256:<digest>"]; monitors send the key itself
    paging: [slack, email]       # or pagerduty, with OPSDESK_PAGERDUTY_ROUTING_KEY set
    escalation:                  # the default: primary, secondary 20 min later, primary again 10 min after
      cycles: 9
      steps:
        - {role: primary, wait-minutes: 20}
        - {role: secondary, wait-minutes: 10}
      final: manager             # after the last cycle, page every `manager: true` (or a list of ids)
  - id: high-priority-alerts
    name: High-priority alerts
    mode: notify                 # needs attention in support hours, never pages
    channel: "#platform-alerts"

changes:                         # out-of-hours change requests
  notice-hours: 48               # from submission to the window's start
  longest-window-hours: 24
  monitoring-hours: 24           # watched from completion, and listed for the handover
  start-tolerance-minutes: 15    # a change may start this long before its window opens, no earlier
  checklist:                     # ticked by the assigned engineer (or an admin), each phase in its turn
    before:                      # once approved; all of them before the change starts
      - stakeholders informed
      - backup and rollback verified
    during:                      # once started; all of them before it is completed
      - assigned engineer available
      - updates posted in the designated channel
    after:                       # once completed or rolled back, while it is monitored
      - success confirmed in the designated channel

handover:                        # 16:00 handover, 09:00 hand-back and digest, Monday turn change
  channel: "#platform-team"      # where briefings are posted; receivers also get a direct message
  acknowledge-minutes: 30        # unacknowledged this long: both receivers reminded
  tell-giver-minutes: 30         # and this long after that: whoever handed over is told
  late-limit-minutes: 120        # opsdesk down at 16:00: sent late up to 2 hours, else recorded as missed
  repositories: []               # owner/name: Dependabot pull requests and failed runs in the digest

support:                         # the support board: user requests from GitHub issues, the API and the CLI
  label: support-request         # an issue with this label is a request (a change-request form never is)
  triage-hours: 1                # targets, in support hours: triaged within one,
  first-response-hours: 4        # answered by an engineer other than the requester within four,
  done-hours: 35                 # and done within five support days
announcements:                   # scheduled work, maintenance and incident updates (`opsdesk announce`)
  update-channel: "#platform-updates"  # posted here, then forwarded to the ask channel, linked
  ask-channel: "#ask-platform"
  channel-mention-for: [P1]      # @channel only on an incident update on a P1 incident
  here-per-week: 2               # @here at most twice a week, Monday to Sunday
  reminders-before-hours: [24, 1]  # scheduled work is announced again this long before it starts
  update-grace-minutes: 10       # a promised update this late is overdue (shown in the handover)

email:                           # critical-incident email (`opsdesk smtp`, or `serve` when enabled)
  enabled: false                 # true: `opsdesk serve` listens for mail on host:port
  service: platform              # the incidents email opens are this service's
  addresses: [oncall@platform.example.gov.uk]
  sender-domains: [example.gov.uk]  # mail only from these domains (and their subdomains)
  port: 2525
  replies-per-hour: 5            # to one sender; automatic mail is never answered
"""


def example_policy(today: date, weeks: int = 6, is_working_day: Callable[[date], bool] | None = None) -> str:
    """The example file, with on-call weeks and support days (working days only) from this week's Monday."""
    working = is_working_day or (lambda day: day.weekday() < 5)
    monday = today - timedelta(days=today.weekday())
    lines = [HEADER]
    for index in range(weeks):
        primary, secondary = PAIRS[index % len(PAIRS)]
        week = monday + timedelta(weeks=index)
        lines.append(f"    - {{week: {week}, primary: {primary}, secondary: {secondary}}}\n")
    lines.append("  support:                     # one engineer per working day, not on call that week\n")
    limit = SupportLimit()
    used: Counter[tuple[str, date]] = Counter()
    for offset in range(weeks * 7):
        day = monday + timedelta(days=offset)
        if not working(day):
            continue
        turn = offset // 7
        busy = set(PAIRS[turn % len(PAIRS)])
        if day.weekday() == 0 and turn > 0:
            busy |= set(PAIRS[(turn - 1) % len(PAIRS)])  # on call at the weekend: a day's rest
        free = [e for e in ENGINEERS if e not in busy]
        engineer = min(free, key=lambda e: (used[(e, limit.sprint_of(day))], ENGINEERS.index(e)))
        used[(engineer, limit.sprint_of(day))] += 1
        lines.append(f"    - {{date: {day}, engineer: {engineer}}}\n")
    lines.append(FOOTER)
    return "".join(lines)
