"""Cleared matches (false positives cleared by a person, with expiry) and delta re-screening."""

from __future__ import annotations

import datetime as dt

import pytest

from exportrules._screening import ClearedMatch, ListEntry, RestrictedList, Screener


def lst(*entries: tuple[str, str], as_of: str = "2026-10-01") -> RestrictedList:
    return RestrictedList(
        id="test",
        name="test list",
        source="unit test",
        as_of=as_of,
        verified=False,
        entries=tuple(
            ListEntry(list_id="test", entry_id=i, names=(n,), alias_quality=("primary",))
            for i, n in entries
        ),
    )


BASE = lst(("E1", "Hengda Trading"), ("E2", "Hengda Tradinq"))


def clearing(entry: str = "E1", expires: dt.date = dt.date(2027, 1, 1)) -> ClearedMatch:
    return ClearedMatch(
        party_name="HENGDA TRADING CO., LTD.",
        list_id="test",
        entry_id=entry,
        cleared_by="J. Doe (compliance)",
        basis="Different company: registry no. 123 checked.",
        cleared_at=dt.datetime(2026, 11, 2, 9, 30, tzinfo=dt.UTC),
        expires=expires,
    )


def test_cleared_match_suppresses_that_entry_only() -> None:
    s = Screener([BASE], cleared=[clearing("E1")])
    hits = s.screen("Hengda Trading", as_of=dt.date(2026, 11, 27))
    assert [m.entry_id for m in hits] == ["E2"]
    # the party name is compared normalised: case, punctuation and legal form do not matter
    assert [m.entry_id for m in s.screen("hengda trading ltd", as_of=dt.date(2026, 11, 27))] == [
        "E2"
    ]
    # another party with a similar name is not cleared
    other = s.screen("Hengda Tradin", as_of=dt.date(2026, 11, 27))
    assert "E1" in [m.entry_id for m in other]


def test_cleared_match_expires() -> None:
    s = Screener([BASE], cleared=[clearing("E1", expires=dt.date(2026, 12, 1))])
    assert "E1" not in [m.entry_id for m in s.screen("Hengda Trading", as_of=dt.date(2026, 11, 30))]
    assert "E1" in [m.entry_id for m in s.screen("Hengda Trading", as_of=dt.date(2026, 12, 1))]


def test_cleared_match_does_not_poison_the_cache() -> None:
    plain = Screener([BASE])
    s = plain.with_options(cleared=[clearing("E1")])
    assert len(s.screen("Hengda Trading", as_of=dt.date(2026, 11, 27))) == 1
    assert len(plain.screen("Hengda Trading", as_of=dt.date(2026, 11, 27))) == 2
    assert len(s.screen("Hengda Trading", as_of=dt.date(2028, 1, 1))) == 2


@pytest.mark.parametrize(("who", "why"), [("", "reason"), ("J. Doe", " "), ("J. Doe", None)])
def test_cleared_match_needs_a_person_and_a_basis(who: str, why: str | None) -> None:
    with pytest.raises(ValueError, match="must"):
        ClearedMatch(
            party_name="x",
            list_id="test",
            entry_id="E1",
            cleared_by=who,
            basis=why,
            cleared_at=dt.date(2026, 11, 1),
            expires=dt.date(2027, 1, 1),
        )


def test_cleared_match_records_who_when_basis_and_expiry() -> None:
    c = clearing()
    assert c.cleared_by == "J. Doe (compliance)"
    assert c.basis == c.reason == "Different company: registry no. 123 checked."
    assert c.cleared_at == dt.datetime(2026, 11, 2, 9, 30, tzinfo=dt.UTC)
    assert c.to_dict() == {
        "party_name": "HENGDA TRADING CO., LTD.",
        "list_id": "test",
        "entry_id": "E1",
        "cleared_by": "J. Doe (compliance)",
        "cleared_at": "2026-11-02T09:30:00+00:00",
        "basis": "Different company: registry no. 123 checked.",
        "expires": "2027-01-01",
    }
    # the earlier keyword `reason` is still accepted; ISO strings are read as dates
    old = ClearedMatch(
        "x", "test", "E1", "J. Doe", reason="checked", cleared_at="2026-11-01", expires="2027-01-01"
    )
    assert old.basis == "checked" and old.expires == dt.date(2027, 1, 1)
    assert old.cleared_at == dt.date(2026, 11, 1)


def test_cleared_match_refuses_missing_or_inconsistent_dates() -> None:
    kw = {"party_name": "x", "list_id": "test", "entry_id": "E1", "cleared_by": "J. Doe"}
    with pytest.raises(TypeError, match="cleared_at"):
        ClearedMatch(**kw, basis="b", expires=dt.date(2027, 1, 1))  # type: ignore[call-arg]
    with pytest.raises(ValueError, match="expiry"):
        ClearedMatch(**kw, basis="b", cleared_at=dt.date(2026, 1, 1))
    with pytest.raises(ValueError, match="on or before"):
        ClearedMatch(**kw, basis="b", cleared_at=dt.date(2027, 1, 1), expires=dt.date(2027, 1, 1))
    with pytest.raises(ValueError, match="once"):
        ClearedMatch(
            **kw,
            basis="b",
            reason="c",
            cleared_at=dt.date(2026, 1, 1),
            expires=dt.date(2027, 1, 1),
        )


def test_screen_detailed_reports_the_clearings_applied() -> None:
    day = dt.date(2026, 11, 27)
    c = clearing("E1")
    s = Screener([BASE], cleared=[c])
    r = s.screen_detailed("Hengda Trading Ltd", as_of=day)
    assert [m.entry_id for m in r.matches] == [
        m.entry_id for m in s.screen("Hengda Trading", as_of=day)
    ]
    assert [m.entry_id for m in r.matches] == ["E2"]
    [(m, applied)] = r.cleared
    assert m.entry_id == "E1" and applied is c
    d = r.to_dict()
    assert d["cleared"][0]["clearing"]["cleared_by"] == "J. Doe (compliance)"
    assert d["cleared"][0]["match"]["entry_id"] == "E1"
    # an expired clearing is not applied, and so not reported as applied
    late = s.screen_detailed("Hengda Trading", as_of=dt.date(2027, 1, 1))
    assert late.cleared == () and {m.entry_id for m in late.matches} == {"E1", "E2"}
    # without clearings: every hit, nothing cleared
    plain = Screener([BASE]).screen_detailed("Hengda Trading", as_of=day)
    assert plain.cleared == () and len(plain.matches) == 2


def test_of_two_clearings_the_longer_one_is_reported() -> None:
    short, long = clearing("E1", dt.date(2027, 1, 1)), clearing("E1", dt.date(2028, 1, 1))
    s = Screener([BASE], cleared=[short, long])
    [(_, applied)] = s.screen_detailed("Hengda Trading", as_of=dt.date(2026, 11, 27)).cleared
    assert applied is long


def test_rescreen_delta_returns_only_changed_parties() -> None:
    old = Screener([lst(("E1", "Hengda Trading"), ("E3", "Zenit Optronics"))])
    new = Screener([lst(("E1", "Hengda Trading"), ("E4", "Acme Sensors"), as_of="2026-11-01")])
    parties = [
        ("Hengda Trading Co.", "CN"),
        ("Zenit Optronics LLC", "RU"),
        ("Acme Sensors GmbH", "DE"),
        ("Unrelated Party", None),
        ("Hengda Trading Co.", "CN"),
    ]  # duplicates are screened once
    delta = old.rescreen_delta(parties, new, as_of=dt.date(2026, 11, 27))
    assert [(d.name, d.country) for d in delta] == [
        ("Zenit Optronics LLC", "RU"),
        ("Acme Sensors GmbH", "DE"),
    ]
    removed, added = delta
    assert [m.entry_id for m in removed.old] == ["E3"] and removed.new == ()
    assert added.old == () and [m.entry_id for m in added.new] == ["E4"]
    assert added.new[0].list_as_of == "2026-11-01"
    assert added.to_dict()["new"][0]["entry_id"] == "E4"


def test_rescreen_delta_sees_level_changes() -> None:
    old = Screener([lst(("E1", "Hengda Trading"))])
    stricter = old.with_options(match_threshold=0.999, review_threshold=0.5)
    [d] = old.rescreen_delta([("Hengda Tradinq", None)], stricter)
    assert d.old[0].level == "match" and d.new[0].level == "review"
    assert old.rescreen_delta([("Hengda Trading", None)], stricter) == []
