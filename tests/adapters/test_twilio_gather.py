"""A voice page's TwiML: read out three times; with opsdesk's public address, inside a <Gather> of one key
that posts to the voice webhook, then a last word when no key was pressed."""

from __future__ import annotations

from opsdesk.adapters.twilio.channel import twiml


def test_without_a_webhook_the_page_is_only_read_out() -> None:
    assert twiml("Page for alice") == (
        '<?xml version="1.0" encoding="UTF-8"?><Response><Say loop="3">Page for alice</Say></Response>'
    )


def test_with_a_webhook_the_call_takes_one_key() -> None:
    url = "https://opsdesk.example.org/api/v1/twilio/voice?key=page:4:c1s1:voice"
    said = "<Say>Page for alice &amp; co</Say><Say>Press 1 to acknowledge.</Say>"
    assert twiml("Page for alice & co", url) == (
        '<?xml version="1.0" encoding="UTF-8"?><Response>'
        f'<Gather action="{url}" actionOnEmptyResult="true" method="POST" numDigits="1" timeout="5">'
        f"{said * 3}</Gather>"
        "<Say>No key pressed: opsdesk will page again.</Say></Response>"
    )
