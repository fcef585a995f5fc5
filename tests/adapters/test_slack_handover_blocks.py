"""The Acknowledge button on a briefing's Slack message: only where the Slack app answers it, only on a
briefing its receivers acknowledge; and the message rewritten once acknowledged."""

from __future__ import annotations

from opsdesk.adapters.slack.render import SlackRenderer
from opsdesk.domain.notices import MessageUpdate
from tests.adapters.briefing_cases import CASES, PEOPLE, notice


def actions(payload: dict[str, object]) -> list[object]:
    blocks = payload["blocks"]
    assert isinstance(blocks, list)
    return [b for b in blocks if b["type"] == "actions"]


def test_the_button_only_where_the_slack_app_is_set_up() -> None:
    briefing = notice(CASES["wednesday-handover"]())
    with_app = SlackRenderer(buttons=True).render(briefing, PEOPLE)
    without = SlackRenderer(buttons=False).render(briefing, PEOPLE)
    assert actions(with_app) == [
        {
            "type": "actions",
            "block_id": "handover:12",
            "elements": [
                {
                    "type": "button",
                    "action_id": "handover:acknowledge",
                    "text": {"type": "plain_text", "text": "Acknowledge"},
                    "value": "12",
                    "style": "primary",
                }
            ],
        }
    ]
    assert actions(without) == []
    assert [b for b in with_app["blocks"] if b["type"] != "actions"] == without["blocks"]


def test_a_digest_has_no_button() -> None:
    digest = SlackRenderer(buttons=True).render(notice(CASES["digest-github-ok"]()), PEOPLE)
    assert actions(digest) == []


def test_the_rewrite_says_who_acknowledged_in_place_of_the_button() -> None:
    briefing = notice(CASES["hand-back"]())
    said = "The hand-back #12 was acknowledged by Chen at 09:04 (slack)."
    update = MessageUpdate("D0CHEN", "1733.0001", said, "update:handover:12", briefing=briefing)
    payload = SlackRenderer(buttons=True).render(update, PEOPLE)
    sent = SlackRenderer(buttons=True).render(briefing, PEOPLE)
    assert (payload["text"], payload["update_ts"]) == (said, "1733.0001")
    assert actions(payload) == []
    assert payload["blocks"][-2] == {
        "type": "section",
        "text": {"type": "mrkdwn", "text": f"*{said}*", "verbatim": True},
    }
    assert payload["blocks"][:-2] == sent["blocks"][:-2]
