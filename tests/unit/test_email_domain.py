"""Critical-incident email in the domain: the channel a sender names, when a reply is never sent, and the
reply's first sentence in each kind of cover."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from opsdesk.domain.hours import Cover
from opsdesk.domain.incidents.email import EmailPolicy, IncidentEmail, named_channel, why_silent
from opsdesk.domain.incidents.email_reply import Situation, reply_id, reply_subject, reply_text, shown_channel
from opsdesk.domain.incidents.routing import Routing
from opsdesk.domain.rota import Holding, Role

NOW = datetime(2026, 12, 2, 21, 30, tzinfo=UTC)
POLICY = EmailPolicy(replies_per_hour=2)


@pytest.mark.parametrize(
    ("text", "channel"),
    [
        ("We talk in #payments-incident.", "payments-incident"),
        ("see https://govuk.slack.com/archives/C0123ABCDEF/p1 for more", "C0123ABCDEF"),
        ("slack://channel?team=T012&id=G0123ABCD9", "G0123ABCD9"),
        ("channel id C0ABCDEF12 please", "C0ABCDEF12"),
        ("Slack channel: team-outage", "team-outage"),
        ("channel C0123ABCDEF", "C0123ABCDEF"),
        ("Slack channel ID: C0123ABCDEF", "C0123ABCDEF"),
        ("our slack channel is ops_2", "ops_2"),
        ("Incident #12 again, nothing else", None),
        ("write to ops#team@dept.gov.uk or C# code", None),
        ("", None),
        # Look-alikes: upper-case words, a word and a number, plain words after "Slack channel", colours.
        ("ERROR: CONNECTION REFUSED", None),
        ("GATEWAY502 errors", None),
        ("errors in GATEWAY502", None),
        ("channel CONNECTION", None),
        ("Our slack channel is unavailable", None),
        ("join the Slack channel we opened", None),
        ("color #fff", None),
        ("#ff0000", None),
        ("color #fff; talk in #web-outage", "web-outage"),
    ],
)
def test_the_channel_a_sender_names(text: str, channel: str | None) -> None:
    assert named_channel(text) == channel


def test_the_body_is_read_before_the_subject() -> None:
    assert named_channel("in #from-body", "Outage #from-subject") == "from-body"
    assert named_channel("no channel", "Outage, #from-subject") == "from-subject"


def email(**changes: object) -> IncidentEmail:
    values: dict[str, object] = {
        "message_id": "<a@dept.gov.uk>",
        "sender": "ops@dept.gov.uk",
        "author": "ops@dept.gov.uk",
        "subject": "Payments down",
        "facts": "502s",
    }
    return IncidentEmail(**(values | changes))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "sent", "why"),
    [
        ({}, 0, None),
        ({}, 2, "2 replies to ops@dept.gov.uk in the last hour already"),
        ({"sender": ""}, 0, "the null sender (a bounce)"),
        ({"automatic": "Precedence: bulk"}, 0, "Precedence: bulk"),
        ({"author": "", "sender": "relay@dept.gov.uk"}, 0, None),
    ],
)
def test_when_no_reply_is_sent(changes: dict[str, object], sent: int, why: str | None) -> None:
    assert why_silent(email(**changes), sent, POLICY) == why


def situation(cover: Cover, routing: Routing, support: str | None = "#platform-support") -> Situation:
    return Situation(7, cover, routing, NOW, "Thu 03 Dec 07:00", support)


PRIMARY = Holding(Role.PRIMARY, "alice")


@pytest.mark.parametrize(
    ("situation_", "first"),
    [
        (
            situation(Cover.ON_CALL, Routing(True, None, NOW, "on-call", PRIMARY)),
            "Incident #7 is open, and the on-call engineer has been paged.",
        ),
        (
            situation(Cover.NONE, Routing(True, None, NOW + timedelta(hours=8), "held", PRIMARY)),
            "Incident #7 is recorded, but nobody is on call now. The on-call engineer will be paged when "
            "cover starts, at Thu 03 Dec 07:00, unless it is resolved first.",
        ),
        (
            situation(Cover.SUPPORT, Routing(True, "chen", None, "support")),
            "Incident #7 is open. It is support hours: the support engineer has been told. Talk to them in "
            "#platform-support on Slack.",
        ),
        (
            situation(Cover.SUPPORT, Routing(True, None, None, "support"), support=None),
            "Incident #7 is open. It is support hours, but nobody holds support right now.",
        ),
        (
            situation(Cover.NONE, Routing(True, None, None, "none ahead")),
            "Incident #7 is recorded, but nobody is on call now. The team will pick it up when cover starts, "
            "at Thu 03 Dec 07:00.",
        ),
    ],
)
def test_the_reply_says_what_happens_next_first(situation_: Situation, first: str) -> None:
    assert reply_text(email(channel="payments"), situation_).splitlines()[0] == first


def test_the_reply_names_the_channel_or_asks_for_one() -> None:
    paged = situation(Cover.ON_CALL, Routing(True, None, NOW, "on-call", PRIMARY))
    assert "The engineer will answer in the Slack channel C0123ABCDEF on Slack." in reply_text(
        email(channel="C0123ABCDEF"), paged
    )
    assert "Which Slack channel will you talk in?" in reply_text(email(), paged)
    assert reply_text(email(), paged).endswith("opsdesk (sent automatically)")


def test_the_reply_subject_and_message_id() -> None:
    assert reply_subject(7, "Payments down") == "Re: Payments down [incident #7]"
    assert len(reply_subject(7, "x" * 5000)) < 230
    assert reply_id("email:abc:reply", "oncall@platform.gov.uk").endswith(".reply@platform.gov.uk>")
    assert reply_id("k", "oncall@platform.gov.uk") == reply_id("k", "oncall@platform.gov.uk")
    assert (shown_channel("payments"), shown_channel("C0123ABCDEF")) == (
        "#payments",
        "the Slack channel C0123ABCDEF",
    )
