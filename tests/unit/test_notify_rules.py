"""Engineers' notification rules (`engineers[].notify`) and webhook (`engineers[].webhook`) in the policy:
read into the rota's engineers; a rule set that cannot work is refused naming the engineer's field and
saying what to write instead. And the notifier's route for a `webhook` page."""

from __future__ import annotations

import pytest

from opsdesk.adapters.slack.render import SlackRenderer
from opsdesk.adapters.webhook_render import WebhookRenderer
from opsdesk.domain.errors import PolicyError
from opsdesk.domain.incidents.paging import NotifyRule
from opsdesk.domain.notices import Page
from opsdesk.domain.people import People
from opsdesk.domain.rota import Engineer, EngineerId
from opsdesk.services.notifier import Notifier, Renderer
from tests.builders import policy_from_yaml

ALICE = 'id: alice, name: Alice, email: alice@example.org, slack: UALICE, phone: "+44 7911 123456"'


def _policy(notify: str, alice: str = ALICE) -> str:
    return f"engineers:\n  - {{{alice}, {notify}}}\nrota:\n  on-call: []\n"


def _refused(notify: str, alice: str = ALICE) -> str:
    with pytest.raises(PolicyError) as caught:
        policy_from_yaml(_policy(notify, alice))
    return str(caught.value)


def test_rules_are_read_in_order_with_their_delays() -> None:
    policy = policy_from_yaml(
        _policy(
            "notify: [{by: [slack, sms]}, {by: [voice], after-minutes: 2}, {by: [voice], after-minutes: 7}]"
        )
    )
    (alice,) = policy.rota.engineers
    assert alice.notify == (
        NotifyRule(("slack", "sms"), 0),
        NotifyRule(("voice",), 2),
        NotifyRule(("voice",), 7),  # a method again in a later rule: a second call
    )


def test_an_engineer_without_rules_keeps_the_services_paging_ways() -> None:
    (alice,) = policy_from_yaml(_policy("manager: false")).rota.engineers
    assert alice.notify == ()
    assert alice.webhook is None
    (alice,) = policy_from_yaml(_policy("notify: []")).rota.engineers
    assert alice.notify == ()


def test_a_webhook_name_is_kept_for_the_webhook_method() -> None:
    (alice,) = policy_from_yaml(_policy("webhook: alice-pager, notify: [{by: [webhook]}]")).rota.engineers
    assert alice.webhook == "alice-pager"
    assert alice.notify == (NotifyRule(("webhook",)),)


@pytest.mark.parametrize(
    ("notify", "alice", "where", "said"),
    [
        ("notify: [{by: [fax]}]", ALICE, "engineers[0].notify[0].by[0]", "Input should be 'slack'"),
        ("notify: [{by: []}]", ALICE, "engineers[0].notify[0].by", "at least 1 item"),
        ("notify: [{by: [sms, sms]}]", ALICE, "engineers[0].notify[0].by", "list each once in a rule"),
        (
            "notify: [{by: [slack]}, {by: [sms], after-minutes: 5}, {by: [voice], after-minutes: 5}]",
            ALICE,
            "engineers[0].notify[2].after-minutes",
            "each rule comes later than the one before (5 minutes); give more than 5",
        ),
        (
            "notify: [{by: [slack], after-minutes: 3}]",
            ALICE,
            "engineers[0].notify[0].after-minutes",
            "the first rule is sent with the page: leave out its after-minutes",
        ),
        (
            "notify: [{by: [slack]}, {by: [voice], after-minutes: 121}]",
            ALICE,
            "engineers[0].notify[1].after-minutes",
            "less than or equal to 120",
        ),
        (
            "notify: [{by: [slack]}, {by: [voice], after-minutes: -1}]",
            ALICE,
            "engineers[0].notify[1].after-minutes",
            "greater than or equal to 0",
        ),
        (
            "notify: [" + ", ".join(f"{{by: [slack], after-minutes: {n}}}" for n in range(11)) + "]",
            ALICE,
            "engineers[0].notify",
            "at most 10 items",
        ),
        (
            "notify: [{by: [sms]}]",
            "id: alice, name: Alice, email: alice@example.org",
            "engineers[0].notify[0].by",
            "sms needs the engineer's `phone`: add `phone: +44 7911 123456` to alice, or take sms out",
        ),
        (
            "notify: [{by: [email]}, {by: [voice], after-minutes: 2}]",
            "id: alice, name: Alice, email: alice@example.org",
            "engineers[0].notify[1].by",
            "voice needs the engineer's `phone`",
        ),
        (
            "notify: [{by: [slack]}]",
            "id: alice, name: Alice, email: alice@example.org",
            "engineers[0].notify[0].by",
            "slack needs the engineer's `slack`: add `slack: U0123ABCD` to alice",
        ),
        (
            "notify: [{by: [webhook]}]",
            ALICE,
            "engineers[0].notify[0].by",
            "webhook needs the engineer's `webhook`: add `webhook: alice-pager (a name in OPSDESK_WEBHOOKS)`",
        ),
        ("webhook: 'Alice Pager\\u202e'", ALICE, "engineers[0].webhook", "should match pattern"),
        (
            "notify: [{by: [slack], every: 2}]",
            ALICE,
            "engineers[0].notify[0].every",
            "unknown key 'every'; expected one of: by, after-minutes",
        ),
        ("notify: [{by: ['sms\\u0000']}]", ALICE, "engineers[0].notify[0].by[0]", "Input should be"),
    ],
    ids=[
        "unknown-method",
        "no-method",
        "twice-in-a-rule",
        "not-increasing",
        "first-delayed",
        "over-120",
        "negative",
        "eleven-rules",
        "sms-no-phone",
        "voice-no-phone",
        "slack-no-id",
        "webhook-no-name",
        "hostile-webhook",
        "unknown-key",
        "nul-method",
    ],
)
def test_rules_that_cannot_work_are_refused_naming_the_field(
    notify: str, alice: str, where: str, said: str
) -> None:
    message = _refused(notify, alice)
    assert where in message
    assert said in message


def test_a_webhook_page_goes_to_the_engineers_webhook_in_json() -> None:
    people = People.of(
        [
            Engineer(EngineerId("alice"), "Alice", "alice@example.org", webhook="alice-pager"),
            Engineer(EngineerId("chen"), "Chen", "chen@example.org"),
        ]
    )
    renderers: dict[str, Renderer] = {"slack": SlackRenderer(), "webhook": WebhookRenderer()}
    notifier = Notifier(frozenset({"log", "webhook"}), renderers, people)

    def page(engineer: str) -> Page:
        stem = "page:4:c1s1:r1"
        return Page(
            EngineerId(engineer), "primary", 4, "platform", "Disk full", 1, 1, ("webhook",), stem, "s", "t"
        )

    (message,) = notifier.messages(page("alice"))
    assert (message.channel, message.destination, message.idempotency_key) == (
        "webhook",
        "alice-pager",
        "page:4:c1s1:r1:webhook",
    )
    assert message.payload["type"] == "page"
    assert (message.payload["incident"], message.payload["engineer"]) == (4, "alice")
    # Chen has no webhook: the page still shows in the log.
    (logged,) = notifier.messages(page("chen"))
    assert (logged.channel, logged.destination) == ("log", "chen")
    # A deployment without the webhook set up: the log too.
    plain = Notifier(frozenset({"log"}), renderers, people)
    assert [m.channel for m in plain.messages(page("alice"))] == ["log"]
