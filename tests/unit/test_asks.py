"""The ask channel's decision, worked out by hand on the built-in hours (Europe/London, support 09:00-16:00
on working days): when a question is reminded, what is said out of hours, what is ignored; and the
`ask:` policy section."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from opsdesk.config.policy_model import PolicyModel
from opsdesk.domain.asks import (
    DEFAULT_OUT_OF_HOURS_TEXT,
    AskPolicy,
    Meaning,
    decide,
    message_of,
    reminded_engineer,
    reminder_text,
    support_periods,
    support_resumes,
    topic_text,
)
from opsdesk.domain.hours import CoverEngine
from opsdesk.domain.instants import parse_instant
from opsdesk.domain.rota import Engineer, EngineerId, Leave, Override, Role, Rota, SupportAssignment

LONDON = ZoneInfo("Europe/London")
ASK = "C0ASK00001"
POLICY = AskPolicy(channel=ASK, out_of_hours_text="Critical? Email incidents@example.org.")
TEAM = frozenset({"UALICE", "UBILAL"})


def at(text: str) -> datetime:
    return parse_instant(text, LONDON)


def event(user: str = "UASKER", ts: str = "1733400000.000100", **more: object) -> dict[str, object]:
    return {"type": "message", "channel": ASK, "user": user, "text": "hello?", "ts": ts, **more}


# (asked at, reminded at): 30 minutes of support hours later, across weekends, a bank holiday and the
# two DST Sundays (support hours are wall-clock 09:00-16:00 whatever the offset).
REMINDERS = [
    ("2026-12-04T15:50", "2026-12-07T09:20"),  # Friday to Monday: nothing over the weekend
    ("2026-12-02T10:00", "2026-12-02T10:30"),
    ("2026-12-02T09:00", "2026-12-02T09:30"),
    ("2027-03-25T15:45", "2027-03-30T09:15"),  # Easter and the spring change (Sunday 28 March)
    ("2027-10-29T15:45", "2027-11-01T09:15"),  # Friday before the autumn change (Sunday 31 October)
    ("2027-05-28T15:40", "2027-06-01T09:10"),  # the late-May bank holiday (Monday 31 May) has no support
]


@pytest.mark.parametrize(("asked", "due"), REMINDERS)
def test_a_question_in_support_hours_is_reminded_after_30_minutes_of_support(
    engine: CoverEngine, asked: str, due: str
) -> None:
    message = message_of(event())
    assert message is not None
    decision = decide(message, POLICY, TEAM, engine, at(asked))
    assert decision.meaning is Meaning.QUESTION
    assert decision.remind_at == at(due)
    assert decision.out_of_hours is None


# (asked at, when support resumes, when the support engineer is reminded if the team has not answered):
# the wait is counted in support hours, so from when support resumes.
OUT_OF_HOURS = [
    ("2026-12-04T16:00", "Mon 7 Dec at 09:00", "2026-12-07T09:30"),
    ("2026-12-05T10:00", "Mon 7 Dec at 09:00", "2026-12-07T09:30"),
    ("2026-12-02T08:59", "Wed 2 Dec at 09:00", "2026-12-02T09:30"),
    ("2026-12-02T23:30", "Thu 3 Dec at 09:00", "2026-12-03T09:30"),
    ("2027-03-28T00:30", "Tue 30 Mar at 09:00", "2027-03-30T09:30"),  # the spring change, Easter Monday
    ("2027-10-31T01:30", "Mon 1 Nov at 09:00", "2027-11-01T09:30"),  # the autumn change's repeated hour
    ("2027-05-29T12:00", "Tue 1 Jun at 09:00", "2027-06-01T09:30"),  # over the bank holiday weekend
]


@pytest.mark.parametrize(("asked", "resumes", "due"), OUT_OF_HOURS)
def test_a_question_out_of_hours_is_answered_critical_first_and_reminded_once_support_resumes(
    engine: CoverEngine, asked: str, resumes: str, due: str
) -> None:
    message = message_of(event())
    assert message is not None
    decision = decide(message, POLICY, TEAM, engine, at(asked))
    assert decision.meaning is Meaning.QUESTION
    assert decision.out_of_hours == (
        f"Critical? Email incidents@example.org. Otherwise, support resumes {resumes} and your question "
        "will be answered then in this thread."
    )
    assert decision.remind_at == at(due)


def test_the_default_text_reads_well_before_otherwise(engine: CoverEngine) -> None:
    message = message_of(event())
    assert message is not None
    decision = decide(message, AskPolicy(channel=ASK), TEAM, engine, at("2026-12-05T10:00"))
    assert decision.out_of_hours == (
        "If it is critical (a service down, or data at risk), do not wait: raise an incident now by email to "
        "the team's incident address, and the engineer on call is paged. Otherwise, support resumes Mon 7 Dec "
        "at 09:00 and your question will be answered then in this thread."
    )


def test_support_resumes_now_within_support_hours(engine: CoverEngine) -> None:
    assert support_resumes(engine, at("2026-12-02T10:00")) == at("2026-12-02T10:00")


def test_a_team_engineers_reply_answers_and_their_own_post_is_no_question(engine: CoverEngine) -> None:
    now = at("2026-12-02T10:00")
    reply = message_of(event("UBILAL", "1733400100.000200", thread_ts="1733400000.000100"))
    post = message_of(event("UBILAL"))
    assert reply is not None and post is not None
    assert decide(reply, POLICY, TEAM, engine, now).meaning is Meaning.ANSWER
    assert decide(post, POLICY, TEAM, engine, now).meaning is Meaning.IGNORED


def test_more_from_the_asker_in_the_thread_is_answered_only_out_of_hours(engine: CoverEngine) -> None:
    more = message_of(event(ts="1733400100.000200", thread_ts="1733400000.000100"))
    assert more is not None
    in_hours = decide(more, POLICY, TEAM, engine, at("2026-12-02T10:00"))
    assert (in_hours.meaning, in_hours.remind_at, in_hours.out_of_hours) == (Meaning.FOLLOW_UP, None, None)
    out = decide(more, POLICY, TEAM, engine, at("2026-12-05T10:00"))
    assert out.meaning is Meaning.FOLLOW_UP and out.out_of_hours is not None
    assert out.remind_at is None  # the question's own reminder stands


@pytest.mark.parametrize(
    "shape",
    [
        {"channel": "C0OTHER001"},
        {"bot_id": "B1"},
        {"subtype": "bot_message"},
        {"subtype": "message_changed"},
        {"subtype": "channel_join"},
        {"subtype": "message_deleted"},
        {"user": None},
    ],
)
def test_other_channels_bots_edits_and_joins_are_ignored(
    engine: CoverEngine, shape: dict[str, object]
) -> None:
    message = message_of(event(**shape))
    assert message is not None
    assert decide(message, POLICY, TEAM, engine, at("2026-12-02T10:00")).meaning is Meaning.IGNORED


@pytest.mark.parametrize(
    "shape",
    [
        {"channel": ["C1"]},
        {"ts": "not a ts"},
        {"ts": None},
        {"thread_ts": "<!channel>"},
        {"channel": "c\x00"},
    ],
)
def test_an_event_not_shaped_as_slack_sends_it_is_no_message(shape: dict[str, object]) -> None:
    assert message_of(event(**shape)) is None


def test_a_disabled_policy_or_a_channel_given_by_name_hears_nothing(engine: CoverEngine) -> None:
    message = message_of(event())
    assert message is not None
    now = at("2026-12-02T10:00")
    assert (
        decide(message, AskPolicy(enabled=False, channel=ASK), TEAM, engine, now).meaning is Meaning.IGNORED
    )
    assert decide(message, AskPolicy(channel="#ask-platform"), TEAM, engine, now).meaning is Meaning.IGNORED


def test_the_ask_section_defaults_to_the_changes_ask_channel(tmp_path: Path) -> None:
    policy, problems = PolicyModel.model_validate({"changes": {"ask-channel": ASK}}).to_policy("t", tmp_path)
    assert problems == []
    assert policy.ask == AskPolicy(True, ASK, timedelta(minutes=30), DEFAULT_OUT_OF_HOURS_TEXT)
    document = {"ask": {"channel": "C0OWN0001", "remind-after-minutes": 45, "out-of-hours-text": "Page us."}}
    own, _ = PolicyModel.model_validate(document).to_policy("t", tmp_path)
    assert own.ask == AskPolicy(True, "C0OWN0001", timedelta(minutes=45), "Page us.")


@pytest.mark.parametrize(
    "section",
    [
        {"remind-after-minutes": 0},
        {"remind-after-minutes": 0.5},  # whole minutes: a reminder never says "0 minutes"
        {"out-of-hours-text": ""},
        {"out-of-hours-text": "bad\x00text"},
        {"channel": "not a channel!"},
        {"unknown": 1},
    ],
)
def test_a_wrong_ask_section_is_refused(section: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        PolicyModel.model_validate({"ask": section})


def test_the_reminder_names_the_engineer_first_and_never_says_0_minutes() -> None:
    assert reminder_text(POLICY, mentioned=True) == (
        "this question has had no answer from the team for 30 minutes of support hours: please answer it "
        "in this thread."
    )
    half = AskPolicy(channel=ASK, remind_after=timedelta(seconds=30))
    assert "for 1 minute of support hours" in reminder_text(half, mentioned=True)
    assert reminder_text(POLICY, mentioned=False, name="Chen").startswith(
        "Chen (support engineer): this question has had no answer"
    )
    assert reminder_text(POLICY, mentioned=False).startswith("To the team (nobody holds the support duty): ")


def person(name: str) -> Engineer:
    return Engineer(EngineerId(name), name.title(), f"{name}@example.org")


# Friday 4 December 2026 is alice's support day, Monday 7 December dana's; support 09:00-16:00.
SUPPORT_DAYS = (
    SupportAssignment(at("2026-12-04T00:00").date(), EngineerId("alice")),
    SupportAssignment(at("2026-12-07T00:00").date(), EngineerId("dana")),
)
AFTERNOON = Override(Role.SUPPORT, EngineerId("bilal"), at("2026-12-04T12:00"), at("2026-12-04T16:00"))
HOUR = Override(Role.SUPPORT, EngineerId("chen"), at("2026-12-04T14:00"), at("2026-12-04T15:00"))
ALICE_AWAY = Leave(EngineerId("alice"), SUPPORT_DAYS[0].day, SUPPORT_DAYS[0].day)


# (overrides, leave, due, who is named): whoever holds support when the reminder fell due, however late
# its job runs; at 16:00 (support's end) whoever held it just before; else the next to hold it.
REMINDED = [
    ((), (), "2026-12-04T15:00", "alice"),
    ((), (), "2026-12-04T16:00", "alice"),
    ((AFTERNOON,), (), "2026-12-04T16:00", "bilal"),  # the afternoon's override, not the day's assignee
    ((AFTERNOON,), (), "2026-12-04T11:59", "alice"),
    ((), (ALICE_AWAY,), "2026-12-04T16:00", "dana"),  # a vacancy: Monday's engineer, the next to hold it
    ((HOUR,), (ALICE_AWAY,), "2026-12-04T10:00", "chen"),  # the next: an override later that day
    ((HOUR,), (ALICE_AWAY,), "2026-12-04T15:30", "dana"),
    ((), (), "2026-12-05T10:00", "dana"),  # due out of hours (a hand-made job): the next support day
]


@pytest.mark.parametrize(("overrides", "leave", "due", "named"), REMINDED)
def test_the_reminder_names_who_held_support_when_it_fell_due(
    engine: CoverEngine,
    overrides: tuple[Override, ...],
    leave: tuple[Leave, ...],
    due: str,
    named: str,
) -> None:
    people = tuple(person(n) for n in ("alice", "bilal", "chen", "dana"))
    rota = Rota(engineers=people, support=SUPPORT_DAYS, overrides=overrides, leave=leave)
    assert reminded_engineer(rota, engine, at(due)) == named


def test_nobody_is_named_when_nobody_holds_support_for_a_month(engine: CoverEngine) -> None:
    rota = Rota(engineers=(person("alice"),), support=SUPPORT_DAYS)
    assert reminded_engineer(rota, engine, at("2026-12-08T10:00")) is None


# -- The channel's topic ----------------------------------------------------------------------------------


def test_support_periods_are_the_working_days_support_hours_across_a_dst_sunday(engine: CoverEngine) -> None:
    periods = support_periods(engine, at("2027-03-26T10:00"), at("2027-04-01T00:00"))
    starts = [
        (s.astimezone(LONDON).strftime("%a %d %H:%M"), e and e.astimezone(LONDON).strftime("%H:%M"))
        for s, e in periods
    ]
    # Good Friday 26 March (a bank holiday) and Easter Monday have no support; the clocks change on the
    # Sunday between; a period under way at `since` is not one that starts in the range
    assert starts == [("Tue 30 09:00", "16:00"), ("Wed 31 09:00", "16:00")]


def test_the_topic_says_who_and_until_when() -> None:
    start, end = at("2026-12-03T09:00"), at("2026-12-03T16:00")
    assert topic_text("Dana", start, end, LONDON) == (
        "Support engineer: Dana (Thu 3 Dec 09:00-16:00). Questions here are answered in support hours."
    )
    assert topic_text(None, start, at("2026-12-07T09:00"), LONDON) == (
        "Support engineer: nobody holds the support duty (Thu 3 Dec 09:00 to Mon 7 Dec 09:00). "
        "Questions here are answered in support hours."
    )
    assert "(Thu 3 Dec 09:00 until further notice)" in topic_text("Dana", start, None, LONDON)
    assert len(topic_text("x" * 10_000, start, end, LONDON)) <= 250
