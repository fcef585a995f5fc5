"""The policy file: defaults, another team's own hours, and a clear message for every kind of mistake."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from opsdesk.config.defaults import DEFAULT_HOURS
from opsdesk.config.loading import load_policy
from opsdesk.config.policy import default_policy
from opsdesk.config.policy_model import PolicyModel, json_schema_text
from opsdesk.config.settings import Settings
from opsdesk.domain.errors import PolicyError
from opsdesk.domain.hours import Cover, DayKind, LocalWindow
from tests.builders import engine_for, policy_from_yaml, utc

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "schema" / "opsdesk-policy.schema.json"


def problems(text: str) -> list[str]:
    with pytest.raises(PolicyError) as caught:
        policy_from_yaml(text)
    return [str(p) for p in caught.value.problems]


def test_an_empty_file_means_the_built_in_defaults() -> None:
    assert policy_from_yaml("") == default_policy().__class__(
        hours=default_policy().hours, bank_holidays=default_policy().bank_holidays, source="opsdesk.yaml"
    )


def test_the_model_defaults_are_the_written_hours() -> None:
    policy, problems = PolicyModel().to_policy(source="x", base_dir=Path())
    assert problems == []
    assert policy.hours == default_policy().hours
    assert policy.hours.timezone.key == "Europe/London"
    assert [str(w) for w in policy.hours.working_day] == [
        "on-call 07:00-09:00",
        "support 09:00-16:00",
        "on-call 16:00-22:00",
    ]
    assert [str(w) for w in policy.hours.weekend] == ["on-call 07:00-22:00"]
    assert [str(w) for w in policy.hours.bank_holiday] == ["on-call 07:00-22:00"]
    assert set(DEFAULT_HOURS) == set(DayKind)


def test_no_file_at_the_default_path_uses_the_defaults(tmp_path: Path) -> None:
    settings = Settings(tmp_path / "opsdesk.yaml", policy_path_explicit=False, cache_dir=None)
    assert load_policy(settings) == default_policy()


def test_a_named_file_that_is_missing_is_an_error(tmp_path: Path) -> None:
    settings = Settings(tmp_path / "team.yaml", policy_path_explicit=True, cache_dir=None)
    with pytest.raises(PolicyError, match="no such file"):
        load_policy(settings)


ANOTHER_TEAM = """
# A team in New York with support 08:00-18:00 and on-call late evenings, Sunday to Thursday.
timezone: America/New_York
working-days: [sunday, monday, tuesday, wednesday, thursday]
hours:
  working-day:
    support: ["08:00-18:00"]
    on-call: ["18:00-24:00"]
  weekend: {}
  bank-holiday:
    on-call: ["10:00-14:00"]
bank-holidays:
  division: scotland
  extra:
    - {date: 2027-02-10, name: Team day}
  removed: [2027-01-04]
"""


def test_another_team_describes_its_own_pattern_without_code(cache_dir: Path) -> None:
    policy = policy_from_yaml(ANOTHER_TEAM)
    engine = engine_for(policy, cache_dir)
    sunday_noon = engine.cover_at(utc("2027-02-07 17:00"))  # 12:00 EST
    assert (sunday_noon.cover, sunday_noon.day) == (Cover.SUPPORT, DayKind.WORKING_DAY)
    friday_noon = engine.cover_at(utc("2027-02-05 17:00"))
    assert (friday_noon.cover, friday_noon.day) == (Cover.NONE, DayKind.WEEKEND)
    late = engine.cover_at(utc("2027-02-08 04:59"))  # Sunday 23:59 EST
    assert late.cover is Cover.ON_CALL
    assert late.until == utc("2027-02-08 05:00")
    team_day = engine.cover_at(utc("2027-02-10 16:00"))
    assert (team_day.day, team_day.holiday, team_day.cover) == (
        DayKind.BANK_HOLIDAY,
        "Team day",
        Cover.ON_CALL,
    )
    # Scotland's substitute for 2 January is removed by the policy: an ordinary Monday.
    assert engine.cover_at(utc("2027-01-04 16:00")).day is DayKind.WORKING_DAY
    assert engine.cover_at(utc("2027-01-01 16:00")).holiday == "New Year's Day"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("timezone: Europe/Lundon", ["line 1: timezone: got 'Europe/Lundon': not a known IANA time zone"]),
        (
            "timezone: ../../etc/passwd",
            ["line 1: timezone: got '../../etc/passwd': not a known IANA time zone"],
        ),
        (
            "hours:\n  working-day: {}\n  weekend: {}\n  bank-holiday: {}\n  weekday: {}\n",
            [
                "line 5: hours.weekday: unknown key 'weekday'; expected one of: working-day, weekend, bank-holiday"
            ],
        ),
        (
            "hours:\n  working-day:\n    support: ['09:00-16:00']\n    on-call: ['07:00-09:30']\n"
            "  weekend: {}\n  bank-holiday: {}\n",
            [
                "line 2: hours.working-day: got a mapping: on-call 07:00-09:30 overlaps support 09:00-16:00; "
                "the windows of one day must not overlap"
            ],
        ),
        (
            "hours:\n  working-day:\n    support: ['9-16']\n  weekend: {}\n  bank-holiday: {}\n",
            [
                "line 3: hours.working-day.support[0]: got '9-16': expected \"HH:MM-HH:MM\" with the start before the end"
            ],
        ),
        (
            "hours:\n  working-day:\n    support: ['16:00-09:00']\n  weekend: {}\n  bank-holiday: {}\n",
            [
                "line 3: hours.working-day.support[0]: got '16:00-09:00': expected \"HH:MM-HH:MM\" with the start"
            ],
        ),
        (
            "hours:\n  weekend: {}\n",
            [
                "line 1: hours.working-day: required; add this key",
                "line 1: hours.bank-holiday: required; add this key",
            ],
        ),
        (
            "hours:\n  working-day: {oncall: []}\n  weekend: {}\n  bank-holiday: {}\n",
            ["line 2: hours.working-day.oncall: unknown key 'oncall'; expected one of: support, on-call"],
        ),
        (
            "tiemzone: UTC",
            [
                "line 1: tiemzone: unknown key 'tiemzone'; expected one of: timezone, working-days, "
                "hours, bank-holidays"
            ],
        ),
        (
            "bank-holidays:\n  division: wales\n",
            [
                "line 2: bank-holidays.division: got 'wales': Input should be "
                "'england-and-wales', 'scotland' or 'northern-ireland'"
            ],
        ),
        (
            "bank-holidays:\n  removed: [20261228]\n",
            ["line 2: bank-holidays.removed[0]: got 20261228: expected a date as YYYY-MM-DD"],
        ),
        (
            "bank-holidays:\n  extra: [{date: 2027-01-04, name: X}]\n  removed: [2027-01-04]\n",
            [
                "line 1: bank-holidays: got a mapping: 2027-01-04 is both an extra and a removed day; keep it in one list"
            ],
        ),
        (
            "working-days: [monday, funday]",
            ["line 1: working-days[1]: got 'funday': Input should be 'monday'"],
        ),
        (
            "- just\n- a list\n",
            ["line 1: (top level): expected a mapping of settings at the top level, got a list"],
        ),
        ("timezone: [unclosed\n", ["line 2: (top level): not valid YAML"]),
        ("timezone: UTC\ntimezone: UTC\n", ["line 2: (top level): not valid YAML"]),
    ],
)
def test_each_mistake_names_the_key_path_the_bad_value_and_what_is_expected(
    text: str, expected: list[str]
) -> None:
    found = problems(text)
    assert len(found) == len(expected), found
    for message, start in zip(found, expected, strict=True):
        assert message.startswith(start), message


def test_every_problem_is_reported_at_once_and_nothing_runs() -> None:
    with pytest.raises(PolicyError) as caught:
        policy_from_yaml("timezone: Mars/Olympus\nworking-days: []\nbank-holidays: {division: moon}\n")
    message = str(caught.value)
    assert message.startswith("opsdesk.yaml: 3 problems; nothing was run:")
    assert "timezone" in message and "working-days" in message and "bank-holidays.division" in message


def test_an_alias_bomb_is_refused() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 7)]
    assert problems("\n".join(lines)) == [
        "(top level): the document expands to more than 100000 values (too many aliases?)"
    ]


def test_a_file_that_is_not_text_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "opsdesk.yaml"
    path.write_bytes(b"\xff\xfe\x00binary")
    with pytest.raises(PolicyError, match="not UTF-8 text"):
        load_policy(Settings(path, policy_path_explicit=True, cache_dir=None))


def test_the_bank_holiday_file_is_read_from_the_policy_folder(tmp_path: Path) -> None:
    policy = policy_from_yaml("bank-holidays:\n  file: data/bank-holidays.json\n", base_dir=tmp_path)
    assert policy.bank_holidays.file == tmp_path / "data" / "bank-holidays.json"


def test_windows_parse_strictly() -> None:
    assert LocalWindow.parse("00:00-24:00", Cover.ON_CALL) == LocalWindow(0, 1440, Cover.ON_CALL)
    for bad in ["24:00-24:00", "10:00-10:00", "10:60-11:00", "1000-1100", "10:00", "aa:bb-cc:dd"]:
        with pytest.raises(ValueError, match="HH:MM-HH:MM"):
            LocalWindow.parse(bad, Cover.ON_CALL)


def test_the_published_json_schema_is_the_models_schema() -> None:
    assert SCHEMA_FILE.read_text(encoding="utf-8") == json_schema_text(), (
        "schema/opsdesk-policy.schema.json is stale: run `opsdesk policy schema > schema/opsdesk-policy.schema.json`"
    )
    schema = json.loads(json_schema_text())
    assert set(schema["properties"]) == {
        "timezone",
        "working-days",
        "hours",
        "bank-holidays",
        "engineers",
        "rota",
        "leave",
        "overrides",
        "handover",
        "service",
        "services",
        "changes",
        "support",
        "announcements",
        "email",
        "ask",
    }
