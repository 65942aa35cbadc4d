from __future__ import annotations

from pathlib import Path

import pytest

from softswitch.asterisk_conf import AsteriskConfError, ConfSection, parse_conf, read_conf


def _by_name(sections: list[ConfSection]) -> dict[str, ConfSection]:
    return {section.name: section for section in sections}


def test_sections_options_and_comments() -> None:
    sections = parse_conf(
        "; leading comment\n"
        "\n"
        "[general]\n"
        "bindaddr = 0.0.0.0   ; trailing comment\n"
        "exten => 100,1,Dial(PJSIP/100)\n"
        "allow=ulaw\n"
        "allow = alaw\n"
        "empty =\n"
        "secret = a\\;b\n"
        'callerid = "Ann" <101>\n'
        "[other]\r\n"
        "x=1\r\n",
        filename="test.conf",
    )
    general, other = sections
    assert general.name == "general" and not general.is_template
    assert (general.filename, general.line, general.where) == ("test.conf", 3, "test.conf:3")
    assert general.items == (
        ("bindaddr", "0.0.0.0"),
        ("exten", "100,1,Dial(PJSIP/100)"),
        ("allow", "ulaw"),
        ("allow", "alaw"),
        ("empty", ""),
        ("secret", "a;b"),
        ("callerid", '"Ann" <101>'),
    )
    assert general.get("allow") == "alaw"
    assert general.get("ALLOW") == "alaw"
    assert general.get_all("allow") == ["ulaw", "alaw"]
    assert general.get("missing") is None
    assert general.get_all("missing") == []
    assert general.location_of(1) == "test.conf:5"
    assert other.items == (("x", "1"),)


def test_block_comments() -> None:
    sections = parse_conf(
        "[a]\n"
        "x = 1 ;-- inline --; y = 2\n"
        ";-- a block\n"
        "[hidden]\n"
        "z = 3\n"
        "   ;-- nested --; still hidden\n"
        "--;\n"
        "w = 4 ;-- open\n"
        "close --; v = 5\n"
    )
    (section,) = sections
    assert section.items == (("x", "1  y = 2"), ("w", "4"), ("v", "5"))


def test_templates_and_inheritance() -> None:
    sections = _by_name(
        parse_conf(
            "[base](!)\n"
            "type = endpoint\n"
            "allow = ulaw\n"
            "[nat](!)\n"
            "rtp_symmetric = yes\n"
            "[phone](!,base)\n"
            "context = internal\n"
            "[101](phone,nat)\n"
            "allow = g722\n"
            "context = office\n"
            "[plain]\n"
            "a = 1\n"
            "[copy](plain)\n"
            "b = 2\n"
        )
    )
    assert sections["base"].is_template and sections["phone"].is_template
    assert not sections["101"].is_template
    assert sections["101"].templates == ("phone", "nat")
    assert sections["101"].items == (
        ("type", "endpoint"),
        ("allow", "ulaw"),
        ("context", "internal"),
        ("rtp_symmetric", "yes"),
        ("allow", "g722"),
        ("context", "office"),
    )
    assert sections["101"].get("context") == "office"
    assert sections["101"].get_all("allow") == ["ulaw", "g722"]
    assert sections["101"].location_of(0) == "<string>:2"
    assert sections["copy"].items == (("a", "1"), ("b", "2"))


def test_same_name_sections_and_append() -> None:
    sections = parse_conf("[101]\ntype = endpoint\n[101]\ntype = auth\n[101](+)\npassword = x\n")
    assert [s.items for s in sections] == [
        (("type", "endpoint"),),
        (("type", "auth"), ("password", "x")),
    ]


def test_inheritance_takes_the_first_section_of_that_name() -> None:
    sections = parse_conf("[t]\na = 1\n[t]\na = 2\n[x](t)\n")
    assert sections[-1].items == (("a", "1"),)


def test_includes(tmp_path: Path) -> None:
    (tmp_path / "conf.d").mkdir()
    (tmp_path / "conf.d" / "b.conf").write_text("[b]\nfrom = b\n")
    (tmp_path / "conf.d" / "a.conf").write_text("[a]\nfrom = a\n#include ../extra.conf\n")
    (tmp_path / "extra.conf").write_text("more = yes\n")
    (tmp_path / "in-section.conf").write_text("added = 1\n")
    main = tmp_path / "main.conf"
    main.write_text(
        "[top]\n"
        '#include "in-section.conf"\n'
        "after = 2\n"
        "#include conf.d/*.conf\n"
        "#tryinclude <absent.conf>\n"
        "#include nothing-matches-*.conf\n"
    )
    sections = _by_name(read_conf(main))
    assert sections["top"].items == (("added", "1"), ("after", "2"))
    assert sections["top"].location_of(0) == f"{tmp_path / 'in-section.conf'}:1"
    assert list(sections) == ["top", "a", "b"]
    assert sections["a"].items == (("from", "a"), ("more", "yes"))


def test_include_relative_to_the_given_filename(tmp_path: Path) -> None:
    (tmp_path / "inc.conf").write_text("[inc]\n")
    sections = parse_conf("#include inc.conf\n", filename=str(tmp_path / "virtual.conf"))
    assert [s.name for s in sections] == ["inc"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("x = 1\n", "t.conf:1: option 'x' outside of any section"),
        ("[a]\njunk line\n", "t.conf:2: expected 'key = value', got 'junk line'"),
        ("[a]\n= 5\n", "t.conf:2: expected 'key = value'"),
        ("[a\n", "t.conf:1: missing ']' in section header"),
        ("[]\n", "t.conf:1: empty section name"),
        ("[a] x\n", "t.conf:1: unexpected 'x' after section header"),
        ("[a](nope)\n", "t.conf:1: section 'a' inherits from unknown section 'nope'"),
        ("[a](+)\n", "t.conf:1: '[a](+)' adds to no earlier section"),
        ("[a]\n[a](+,!)\n", "t.conf:2: '(+)' cannot be combined"),
        ("[a]\n;-- never\nclosed\n", "t.conf:2: block comment ';--' never closed"),
        ("#exec /bin/date\n", "t.conf:1: unsupported directive '#exec'"),
        ("#include\n", "t.conf:1: #include needs a file name"),
        ('#include ""\n', "t.conf:1: #include needs a file name"),
    ],
)
def test_errors_say_where(text: str, message: str) -> None:
    with pytest.raises(AsteriskConfError) as caught:
        parse_conf(text, filename="t.conf")
    assert str(caught.value).startswith(message)


def test_include_errors(tmp_path: Path) -> None:
    main = tmp_path / "main.conf"
    main.write_text("[a]\n#include missing.conf\n")
    with pytest.raises(AsteriskConfError, match=r"main\.conf:2: cannot include .*missing\.conf"):
        read_conf(main)
    loop = tmp_path / "loop.conf"
    loop.write_text("[a]\n#include loop.conf\n")
    with pytest.raises(AsteriskConfError, match=r"loop\.conf:2: .*loop\.conf includes itself"):
        read_conf(loop)
    bad = tmp_path / "bad.conf"
    bad.write_text("[a]\nb = 1\n")
    (tmp_path / "inner.conf").write_text("[x]\nno equals here\n")
    bad.write_text("[a]\n#include inner.conf\n")
    with pytest.raises(AsteriskConfError, match=r"inner\.conf:2: expected 'key = value'"):
        read_conf(bad)


def test_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(AsteriskConfError, match=r"absent\.conf: cannot read"):
        read_conf(tmp_path / "absent.conf")
    binary = tmp_path / "binary.conf"
    binary.write_bytes(b"[a]\nx = \xff\n")
    with pytest.raises(AsteriskConfError, match=r"binary\.conf: not UTF-8 text"):
        read_conf(binary)
