"""Versions `MAJOR.MINOR.PATCH[-pre][+build]` and constraints (PARSERCRAFT.md section 8).

Constraints keep upstream's meaning: `^v` is at least v with the same major (also for 0.x),
`~v` at least v with the same major.minor, `>=`, `>`, `<=`, `<`, `==` compare, and a bare
version means `^`. Unlike upstream, a space-separated range such as `>=1.2.0 <2.0.0` evaluates
every part, and `*` (or an empty string) accepts any version.
"""

from __future__ import annotations

import re
from functools import total_ordering
from typing import TYPE_CHECKING, Literal, cast

import attrs

from server.registry.errors import ConstraintError

if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = ["Constraint", "Requirement", "Version", "parse_constraint", "parse_version"]

_VERSION = re.compile(
    r"(?P<major>0|[1-9]\d*)\.(?P<minor>0|[1-9]\d*)\.(?P<patch>0|[1-9]\d*)"
    r"(?:-(?P<pre>[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+(?P<build>[0-9A-Za-z.-]+))?"
)
_OPERATOR = re.compile(r"(\^|~|>=|<=|==|>|<)?\s*(.*)")

Op = Literal["^", "~", ">=", ">", "<=", "<", "=="]


def _pre_key(pre: str) -> tuple[tuple[int, int | str], ...]:
    """SemVer precedence of pre-release identifiers: numeric ones compare as numbers, first."""
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in pre.split("."))


@total_ordering
@attrs.frozen(eq=False)
class Version:
    """A parsed version; a pre-release sorts before its release, build metadata is ignored."""

    major: int
    minor: int
    patch: int
    pre: str = ""
    build: str = ""

    def _key(self) -> tuple[int, int, int, int, tuple[tuple[int, int | str], ...]]:
        return (self.major, self.minor, self.patch, 0 if self.pre else 1, _pre_key(self.pre))

    def __eq__(self, other: object) -> bool:
        """Equal when major, minor, patch and pre-release are; build metadata does not count."""
        return isinstance(other, Version) and self._key() == other._key()

    def __lt__(self, other: Version) -> bool:
        """SemVer precedence."""
        return self._key() < other._key()

    def __hash__(self) -> int:
        """Consistent with equality."""
        return hash(self._key())

    def __str__(self) -> str:
        """The canonical spelling."""
        text = f"{self.major}.{self.minor}.{self.patch}"
        text += f"-{self.pre}" if self.pre else ""
        return text + (f"+{self.build}" if self.build else "")

    @property
    def is_prerelease(self) -> bool:
        """True for `1.0.0-rc.1` and the like."""
        return bool(self.pre)

    @property
    def release(self) -> tuple[int, int, int]:
        """(major, minor, patch)."""
        return (self.major, self.minor, self.patch)


def parse_version(text: str) -> Version:
    """Parse a whole version string; ConstraintError quotes what is wrong with it."""
    match = _VERSION.fullmatch(text.strip())
    if match is None:
        raise ConstraintError(f"invalid version {text!r}: expected MAJOR.MINOR.PATCH[-pre][+build]")
    return Version(
        int(match["major"]),
        int(match["minor"]),
        int(match["patch"]),
        match["pre"] or "",
        match["build"] or "",
    )


@attrs.frozen
class Requirement:
    """One comparison such as `^1.2.0`."""

    op: Op
    version: Version

    def allows(self, v: Version) -> bool:
        """True when `v` satisfies this comparison."""
        base = self.version
        if self.op == "^":
            return v >= base and v.major == base.major
        if self.op == "~":
            return v >= base and (v.major, v.minor) == (base.major, base.minor)
        if self.op == ">=":
            return v >= base
        if self.op == ">":
            return v > base
        if self.op == "<=":
            return v <= base
        if self.op == "<":
            return v < base
        return v == base

    def __str__(self) -> str:
        """The canonical spelling."""
        return f"{self.op}{self.version}"


@attrs.frozen
class Constraint:
    """Space-separated requirements that must all hold; none at all accepts any version."""

    text: str
    requirements: tuple[Requirement, ...] = ()

    def allows(self, v: Version) -> bool:
        """True when every requirement holds; a pre-release only when a requirement names one
        with the same major.minor.patch (so `^1.0.0` never picks `2.0.0-rc.1`)."""
        if v.is_prerelease and not any(
            r.version.is_prerelease and r.version.release == v.release for r in self.requirements
        ):
            return False
        return all(r.allows(v) for r in self.requirements)

    def best(self, versions: Iterable[Version]) -> Version | None:
        """The highest allowed version, or None."""
        allowed = [v for v in versions if self.allows(v)]
        return max(allowed) if allowed else None

    def __str__(self) -> str:
        """The text as written."""
        return self.text


def parse_constraint(text: str) -> Constraint:
    """Parse `^1.2.0`, `~1.2.0`, `>=1.2.0 <2.0.0`, `1.2.0`, `*`; ConstraintError quotes it."""
    stripped = text.strip()
    if stripped in ("", "*"):
        return Constraint(stripped or "*")
    parts = re.sub(r"(\^|~|>=|<=|==|>|<)\s+", r"\1", stripped).split()
    requirements = []
    for part in parts:
        match = _OPERATOR.fullmatch(part)
        assert match is not None  # the pattern accepts any string
        op, rest = match.group(1), match.group(2)
        try:
            version = parse_version(rest)
        except ConstraintError:
            raise ConstraintError(
                f"invalid version constraint {text!r}: {part!r} is not an operator "
                "(^ ~ >= > <= < ==) followed by MAJOR.MINOR.PATCH"
            ) from None
        requirements.append(Requirement(cast("Op", op or "^"), version))
    return Constraint(stripped, tuple(requirements))
