"""The text rules every use case shares: a NUL from a person is refused, one from another system replaced,
and Slack never gets text that reorders itself."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from opsdesk.adapters.slack.render import slack_escape
from opsdesk.domain.errors import IncidentError
from opsdesk.services.text import optional_text, required_text, without_nul


@pytest.mark.parametrize("rule", [required_text, optional_text])
def test_a_nul_from_a_person_is_refused_naming_the_field(rule: Callable[..., object]) -> None:
    with pytest.raises(IncidentError) as refused:
        rule("fail\x00over", "note", error=IncidentError)
    assert str(refused.value) == "note holds a NUL character (U+0000), which opsdesk cannot store: remove it"


def test_a_nul_from_another_system_is_replaced_in_every_string_and_key() -> None:
    document = {"a\x00": ["x\x00y", 1, None, {"k": "\x00"}], "n": 2.5}
    assert without_nul(document) == {"a\ufffd": ["x\ufffdy", 1, None, {"k": "\ufffd"}], "n": 2.5}
    assert without_nul("clean") == "clean"


def test_slack_text_keeps_its_order_and_its_right_to_left_marks() -> None:
    text = "<!channel> db-1 \u202etxt.exe\u202c \u2066x\u2069 \u05e9\u05dc\u05d5\u05dd\u200f"
    assert (
        slack_escape(text)
        == "&lt;!channel&gt; db-1 \ufffdtxt.exe\ufffd \ufffdx\ufffd \u05e9\u05dc\u05d5\u05dd\u200f"
    )
