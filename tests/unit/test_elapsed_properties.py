"""Properties of the cover clock, for the built-in policy and for any policy another team might write."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from opsdesk.domain.elapsed import add_elapsed, elapsed
from opsdesk.domain.hours import Cover, CoverEngine
from tests.unit.test_hours_properties import ANCHORS, engines

FIRST = datetime(2026, 1, 1, tzinfo=UTC)
YEARS = 4 * 366 * 86_400 * 1_000_000  # microseconds
ONE_MICROSECOND = timedelta(microseconds=1)

# Anywhere in four years to the microsecond, or within days of a clock change or a bank holiday.
instants = st.one_of(
    st.integers(0, YEARS).map(lambda us: FIRST + timedelta(microseconds=us)),
    st.builds(
        lambda anchor, seconds: anchor + timedelta(seconds=seconds),
        st.sampled_from(ANCHORS),
        st.integers(-3 * 86_400, 4 * 86_400),
    ),
)
three_instants = st.lists(instants, min_size=3, max_size=3).map(sorted)


def check_clock(engine: CoverEngine, a: datetime, b: datetime, c: datetime) -> None:
    total = timedelta(0)
    for cover in Cover:
        whole = elapsed(engine, a, c, cover)
        assert whole == elapsed(engine, a, b, cover) + elapsed(engine, b, c, cover)
        assert timedelta(0) <= whole <= c - a
        total += whole
        due = add_elapsed(engine, a, whole, cover)
        assert due is not None
        assert a <= due <= c
        assert elapsed(engine, a, due, cover) == whole
        if whole:  # the first instant at which that much has passed: a microsecond before, less had
            assert elapsed(engine, a, due - ONE_MICROSECOND, cover) < whole
    assert total == c - a, "the three covers tile the period"


@given(three=three_instants)
def test_the_clock_adds_up_on_the_built_in_policy(three: list[datetime], engine: CoverEngine) -> None:
    check_clock(engine, *three)


@given(engines(), three_instants)
def test_the_clock_adds_up_for_any_policy(engine: CoverEngine, three: list[datetime]) -> None:
    check_clock(engine, *three)


@given(start=instants, minutes=st.integers(0, 400 * 60))
def test_an_amount_added_is_the_amount_that_elapses(
    start: datetime, minutes: int, engine: CoverEngine
) -> None:
    amount = timedelta(minutes=minutes)
    due = add_elapsed(engine, start, amount)
    assert due is not None
    assert elapsed(engine, start, due) == amount
    assert due == start or engine.cover_at(due - ONE_MICROSECOND).cover is Cover.SUPPORT
