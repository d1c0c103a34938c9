"""Versions and constraints (PARSERCRAFT.md section 8), table-driven."""

from __future__ import annotations

import pytest

from server.registry.errors import ConstraintError
from server.registry.version import parse_constraint, parse_version

ALLOWS = [
    ("^1.2.0", "1.2.0", True),
    ("^1.2.0", "1.9.9", True),
    ("^1.2.0", "2.0.0", False),
    ("^1.2.0", "1.1.9", False),
    ("^0.2.0", "0.9.0", True),  # upstream: ^ keeps the major, also for 0.x
    ("^0.2.0", "1.0.0", False),
    ("~1.2.0", "1.2.7", True),
    ("~1.2.0", "1.3.0", False),
    (">=1.2.0", "3.0.0", True),
    (">1.2.0", "1.2.0", False),
    ("<=1.2.0", "1.2.0", True),
    ("<1.2.0", "1.2.0", False),
    ("==1.2.0", "1.2.0", True),
    ("==1.2.0", "1.2.1", False),
    ("1.2.0", "1.5.0", True),  # a bare version means ^
    ("1.2.0", "2.0.0", False),
    (">=1.2.0 <2.0.0", "1.9.0", True),
    (">=1.2.0 <2.0.0", "2.0.0", False),  # upstream silently dropped the second part
    (">= 1.2.0 < 1.5.0", "1.5.0", False),
    ("*", "7.0.0", True),
    ("", "0.0.1", True),
    ("^1.0.0", "2.0.0-rc.1", False),
    ("^1.0.0", "1.1.0-rc.1", False),  # no pre-release unless asked for
    (">=1.1.0-rc.1", "1.1.0-rc.2", True),
    ("^1.0.0", "1.0.0+build.5", True),
]


@pytest.mark.parametrize(("constraint", "version", "expected"), ALLOWS)
def test_constraint_allows(constraint: str, version: str, expected: bool) -> None:
    """Each operator keeps upstream's meaning; every part of a range counts."""
    assert parse_constraint(constraint).allows(parse_version(version)) is expected


@pytest.mark.parametrize(
    ("older", "newer"),
    [
        ("1.0.0", "1.0.1"),
        ("1.0.0-alpha", "1.0.0"),
        ("1.0.0-alpha", "1.0.0-alpha.1"),
        ("1.0.0-alpha.2", "1.0.0-alpha.10"),
        ("1.0.0-beta", "1.0.0-rc"),
        ("0.9.9", "1.0.0"),
    ],
)
def test_version_order(older: str, newer: str) -> None:
    """SemVer precedence, pre-releases before the release."""
    assert parse_version(older) < parse_version(newer)


def test_build_metadata_is_ignored_for_equality() -> None:
    """1.0.0+a == 1.0.0+b, and both hash alike."""
    assert parse_version("1.0.0+a") == parse_version("1.0.0+b")
    assert len({parse_version("1.0.0+a"), parse_version("1.0.0")}) == 1


@pytest.mark.parametrize("text", ["1.2", "v1.2.3", "1.2.3junk", "01.2.3", "", "x"])
def test_invalid_versions(text: str) -> None:
    """Partial, prefixed and junk-suffixed versions are refused with the input quoted."""
    with pytest.raises(ConstraintError, match="invalid version"):
        parse_version(text)


@pytest.mark.parametrize("text", ["^1.2", "=>1.0.0", "1.0.0 || 2.0.0", "1.x", "=1.0.0"])
def test_invalid_constraints(text: str) -> None:
    """Unsupported syntax is an error naming the constraint and the bad part."""
    with pytest.raises(ConstraintError, match="invalid version constraint"):
        parse_constraint(text)


def test_best_picks_highest_allowed() -> None:
    """best() is the highest allowed version, or None."""
    versions = [parse_version(v) for v in ("1.0.0", "1.4.0", "2.0.0", "1.5.0-rc.1")]
    assert str(parse_constraint("^1.0.0").best(versions)) == "1.4.0"
    assert parse_constraint("^3.0.0").best(versions) is None
