"""`parsercraft.toml` projects and loading specs from files and presets."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

from server.errors import LanguageSpecError, ProjectError
from server.languages import load_spec
from server.project import FormatOptions, LanguageEntry, find_project, load_project

PROJECT = """\
[[language]]
name = "Pascal"
config = "langs/pascal.yaml"
extensions = [".pas"]

[[language]]
name = "Legacy"
config = "preset:basic_like"
extensions = [".bas"]
globs = ["legacy/*.pas", "old/**"]

[[language]]
name = "Teach"
config = "preset:teach_like"
extensions = [".teach", ".pas"]

[format]
indent_width = 2

[dependencies]
mathlib = "^1.2.0"
strings = ">=0.3.0"
"""

PASCAL = "name: Mini Pascal\nkeywords: {begin: BEGIN, end: END}\n"


def write(path: Path, text: str) -> Path:
    """Write a file, creating its folders."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


@pytest.fixture
def project_dir(tmp_path: Path) -> Path:
    """A project folder with a toml file and one config."""
    write(tmp_path / "parsercraft.toml", PROJECT)
    write(tmp_path / "langs" / "pascal.yaml", PASCAL)
    return tmp_path


def test_load_project_reads_every_table(project_dir: Path) -> None:
    """Languages, format options and dependencies are read as written."""
    project = load_project(project_dir / "parsercraft.toml")
    assert project.root == project_dir.absolute()
    assert project.languages[0] == LanguageEntry("Pascal", "langs/pascal.yaml", (".pas",))
    assert project.languages[1].globs == ("legacy/*.pas", "old/**")
    assert project.format == FormatOptions(indent_width=2)
    assert project.indent_width == 2
    assert project.dependencies == (("mathlib", "^1.2.0"), ("strings", ">=0.3.0"))
    assert project.warnings == ()


@pytest.mark.parametrize(
    ("relative", "language"),
    [
        ("src/main.pas", "Pascal"),
        ("legacy/old.pas", "Legacy"),
        ("old/deep/x.txt", "Legacy"),
        ("prog.bas", "Legacy"),
        ("PROG.BAS", "Legacy"),
        ("lesson.teach", "Teach"),
        ("notes.txt", None),
    ],
)
def test_language_for(project_dir: Path, relative: str, language: str | None) -> None:
    """Globs win over extensions; within each, the first matching table wins."""
    project = load_project(project_dir / "parsercraft.toml")
    entry = project.language_for(project_dir / relative)
    assert (entry.name if entry else None) == language


def test_spec_for_loads_file_and_preset(project_dir: Path) -> None:
    """spec_for resolves configs relative to the toml file, and presets by name."""
    project = load_project(project_dir / "parsercraft.toml")
    assert project.spec_for(project_dir / "a.pas").name == "Mini Pascal"
    assert project.spec_for(project_dir / "a.bas").name == "BASIC-like"


def test_spec_for_without_language_is_a_project_error(project_dir: Path) -> None:
    """A file no language covers is a ProjectError naming the file."""
    project = load_project(project_dir / "parsercraft.toml")
    with pytest.raises(ProjectError, match=r"no \[\[language\]\] covers"):
        project.spec_for(project_dir / "notes.txt")


def test_find_project_walks_up(project_dir: Path) -> None:
    """find_project finds the nearest toml above a file or a folder."""
    nested = project_dir / "src" / "deep"
    nested.mkdir(parents=True)
    found = find_project(nested / "file.pas")
    assert found is not None and found.toml_path == (project_dir / "parsercraft.toml").absolute()
    assert find_project(nested) is not None


def test_find_project_none(tmp_path: Path) -> None:
    """Without a toml anywhere above, find_project returns None."""
    assert find_project(tmp_path / "x.pas") is None


def test_find_project_nearest_wins(project_dir: Path) -> None:
    """A nested toml shadows the outer one."""
    inner = write(
        project_dir / "sub" / "parsercraft.toml",
        '[[language]]\nname = "Inner"\nconfig = "preset:lisp_like"\nextensions = [".scm"]\n',
    )
    found = find_project(project_dir / "sub" / "a.scm")
    assert found is not None and found.toml_path == inner.absolute()


def test_defaults_for_optional_tables(tmp_path: Path) -> None:
    """An empty file gives no languages, indent width 4 and no dependencies."""
    project = load_project(write(tmp_path / "parsercraft.toml", ""))
    assert (project.languages, project.format.indent_width, project.dependencies) == ((), 4, ())


def test_toml_syntax_error_has_line(tmp_path: Path) -> None:
    """A TOML syntax error names the line."""
    path = write(tmp_path / "parsercraft.toml", '[[language]]\nname = "A"\nconfig = \n')
    with pytest.raises(ProjectError) as info:
        load_project(path)
    assert info.value.line == 3
    assert "TOML syntax error" in info.value.reason


BAD_PROJECTS = [
    ("language not an array", 'language = "x"\n', "must be an array of tables"),
    (
        "missing name",
        '[[language]]\nconfig = "a.yaml"\nextensions = [".a"]\n',
        "language[0].name must be a non-empty string",
    ),
    (
        "config not a string",
        '[[language]]\nname = "A"\nconfig = 3\n',
        "language[0].config must be a non-empty string, got 3",
    ),
    (
        "extensions not a list",
        '[[language]]\nname = "A"\nconfig = "a"\nextensions = ".a"\n',
        "extensions must be a list of strings",
    ),
    (
        "globs with a number",
        '[[language]]\nname = "A"\nconfig = "a"\nglobs = [1]\n',
        "globs must be a list of strings",
    ),
    ("indent width a string", '[format]\nindent_width = "4"\n', "indent_width must be an integer"),
    ("indent width zero", "[format]\nindent_width = 0\n", "from 1 to 16"),
    ("format not a table", 'format = "x"\n', "'format' must be a table"),
    (
        "dependency not a string",
        "[dependencies]\nmathlib = 1\n",
        "dependencies.mathlib must be a version constraint",
    ),
]


@pytest.mark.parametrize(
    ("label", "text", "message"), BAD_PROJECTS, ids=[c[0] for c in BAD_PROJECTS]
)
def test_wrong_types_are_project_errors(
    tmp_path: Path, label: str, text: str, message: str
) -> None:
    """Wrong types raise ProjectError with a message naming the key."""
    path = write(tmp_path / "parsercraft.toml", text)
    with pytest.raises(ProjectError) as info:
        load_project(path)
    assert message in info.value.reason
    assert info.value.path == str(path)


def test_unknown_keys_and_odd_values_are_warnings(tmp_path: Path) -> None:
    """Unknown keys, bare extensions and unmatched tables are warnings."""
    text = (
        '[[language]]\nname = "A"\nconfig = "a"\nextensions = ["a"]\ncolour = "red"\n'
        '[[language]]\nname = "B"\nconfig = "b"\n[extra]\nx = 1\n'
    )
    project = load_project(write(tmp_path / "parsercraft.toml", text))
    assert project.languages[0].extensions == (".a",)
    assert sorted(w.key_path for w in project.warnings) == [
        "extra",
        "language[0].colour",
        "language[0].extensions",
        "language[1]",
    ]


def test_unreadable_project_file(tmp_path: Path) -> None:
    """A missing or non-UTF-8 toml file is a ProjectError."""
    with pytest.raises(ProjectError, match="cannot read project file"):
        load_project(tmp_path / "parsercraft.toml")
    path = tmp_path / "bad.toml"
    path.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(ProjectError, match="cannot read project file"):
        load_project(path)


def test_load_spec_relative_to_base_dir(tmp_path: Path) -> None:
    """A relative path is resolved against base_dir."""
    write(tmp_path / "c" / "lang.yaml", PASCAL)
    assert load_spec("c/lang.yaml", tmp_path).name == "Mini Pascal"


def test_load_spec_cache_follows_file_changes(tmp_path: Path) -> None:
    """An unchanged file is served from the cache; an edited one is reloaded."""
    path = write(tmp_path / "lang.yaml", PASCAL)
    first = load_spec(str(path))
    assert load_spec(str(path)) is first
    path.write_text("name: Renamed Language\n", encoding="utf-8")
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert load_spec(str(path)).name == "Renamed Language"


def test_load_spec_strips_bom(tmp_path: Path) -> None:
    """A UTF-8 BOM is accepted in YAML and JSON files."""
    (tmp_path / "a.json").write_bytes(b'\xef\xbb\xbf{"metadata": {"name": "Bom"}}')
    (tmp_path / "a.yaml").write_bytes(b"\xef\xbb\xbfname: Bom\n")
    assert load_spec(str(tmp_path / "a.json")).name == "Bom"
    assert load_spec(str(tmp_path / "a.yaml")).name == "Bom"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"name: \xff\xfeX\n", "not a UTF-8 text file (invalid byte 0xff at offset 6)"),
        (b"name: X\x00\x01\x02\n", "looks like a binary file"),
    ],
)
def test_load_spec_rejects_non_text(tmp_path: Path, content: bytes, message: str) -> None:
    """Non-UTF-8 and binary files are LanguageSpecErrors with a clear reason."""
    path = tmp_path / "lang.yaml"
    path.write_bytes(content)
    with pytest.raises(LanguageSpecError) as info:
        load_spec(str(path))
    assert message in info.value.reason


def test_load_spec_missing_file_and_directory(tmp_path: Path) -> None:
    """Missing files and directories are LanguageSpecErrors naming the path."""
    with pytest.raises(LanguageSpecError, match="no such file"):
        load_spec("nope.yaml", tmp_path)
    with pytest.raises(LanguageSpecError, match="is a directory"):
        load_spec(str(tmp_path))
