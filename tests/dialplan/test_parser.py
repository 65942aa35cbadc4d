"""extensions.conf syntax: every construct of dialplan.md section 1, and every error."""

from __future__ import annotations

from pathlib import Path

import pytest

from dialplan_engine.errors import DialplanSyntaxError
from dialplan_engine.model import Dialplan, Extension, Include
from dialplan_engine.parser import Loader, load_extensions_conf, parse_extensions_conf
from dialplan_engine.timespec import TimeSpec

DATA = Path(__file__).resolve().parents[1] / "data" / "dialplan"


def _parse(text: str) -> Dialplan:
    return parse_extensions_conf(text, filename="x.conf")


def _extension(dialplan: Dialplan, context: str, name: str, cid: str | None = None) -> Extension:
    found = [
        ext for ext in dialplan.contexts[context].extensions if (ext.name, ext.cid) == (name, cid)
    ]
    assert len(found) == 1, f"{name}/{cid} not in {context}"
    return found[0]


def _steps(extension: Extension) -> list[tuple[int, str | None, str, str]]:
    return [(p.number, p.label, p.app, p.appdata) for p in extension.priorities]


# -- sections ------------------------------------------------------------------------------


def test_general_globals_and_contexts() -> None:
    dialplan = _parse(
        "[general]\n"
        "autofallthrough = no\n"
        "clearglobalvars = yes\n"
        "[globals]\n"
        "A = 1\n"
        "B => ${A}2\n"
        "C = ${B}-${UNIQUEID}-${LATER}\n"
        "LATER = x\n"
        "[internal]\n"
        "exten => 100,1,NoOp(hello)\n"
    )
    assert dialplan.autofallthrough is False
    assert dialplan.globals == (
        ("A", "1"),
        ("B", "12"),
        ("C", "12-${UNIQUEID}-${LATER}"),
        ("LATER", "x"),
    )
    assert dialplan.context_names() == ["internal"]
    assert _steps(_extension(dialplan, "internal", "100")) == [(1, None, "NoOp", "hello")]
    assert dialplan.warnings == ()


@pytest.mark.parametrize(
    ("value", "expected"),
    [("yes", True), ("no", False), ("true", True), ("1", True), ("on", True), ("0", False),
     ("off", False), ("maybe", False), ("YES", True)],
)  # fmt: skip
def test_autofallthrough_values(value: str, expected: bool) -> None:
    assert _parse(f"[general]\nautofallthrough={value}\n").autofallthrough is expected


def test_autofallthrough_defaults_to_yes() -> None:
    assert _parse("[ctx]\n").autofallthrough is True


def test_special_section_names_ignore_case_contexts_do_not() -> None:
    dialplan = _parse("[General]\nautofallthrough=no\n[GLOBALS]\nX=1\n[Foo]\n[foo]\n")
    assert dialplan.autofallthrough is False
    assert dialplan.globals == (("X", "1"),)
    assert dialplan.context_names() == ["Foo", "foo"]


def test_a_repeated_global_keeps_its_place_and_takes_the_new_value() -> None:
    assert _parse("[globals]\nA=1\nB=2\nA=3\n").globals == (("A", "3"), ("B", "2"))


def test_extension_names_substitute_globals_defined_anywhere() -> None:
    dialplan = _parse(
        "[ctx]\nexten => ${OPERATOR},1,NoOp\ninclude => ${OTHER}\n[globals]\nOPERATOR=0\nOTHER=o\n"
    )
    assert _steps(_extension(dialplan, "ctx", "0")) == [(1, None, "NoOp", "")]
    assert dialplan.contexts["ctx"].includes == (Include(context="o"),)


def test_repeated_context_sections_merge_and_the_counter_restarts() -> None:
    dialplan = _parse(
        "[ctx]\nexten => 1,1,NoOp(a)\n[other]\n[ctx]\nexten => 1,2,NoOp(b)\nexten => 2,1,NoOp(c)\n"
    )
    assert dialplan.context_names() == ["ctx", "other"]
    assert _steps(_extension(dialplan, "ctx", "1")) == [
        (1, None, "NoOp", "a"),
        (2, None, "NoOp", "b"),
    ]
    with pytest.raises(DialplanSyntaxError) as caught:
        _parse("[ctx]\nexten => 1,1,NoOp\n[ctx]\nexten => 2,n,NoOp\n")
    assert (
        str(caught.value) == "x.conf:4: priority 'n' before any numbered priority in context 'ctx'"
    )


def test_unknown_general_option_is_a_warning() -> None:
    dialplan = _parse("[general]\nfoo = bar\nextenpatternmatchnew = yes\n")
    assert dialplan.warnings == (
        "x.conf:2: unknown [general] option 'foo'; ignored",
        "x.conf:3: extenpatternmatchnew is not supported; ignored",
    )


def test_templates_inheritance_and_appending() -> None:
    dialplan = _parse(
        "[common](!)\n"
        "exten => i,1,Playback(invalid)\n"
        "[a](common)\n"
        "exten => 1,1,NoOp(a)\n"
        "[b]\n"
        "[a](+)\n"
        "exten => 1,n,NoOp(a2)\n"
    )
    assert dialplan.context_names() == ["a", "b"]  # a template is not a context
    assert _steps(_extension(dialplan, "a", "i")) == [(1, None, "Playback", "invalid")]
    # (+) continues the same section, so 'n' goes on from its last number.
    assert _steps(_extension(dialplan, "a", "1")) == [
        (1, None, "NoOp", "a"),
        (2, None, "NoOp", "a2"),
    ]


# -- exten lines ---------------------------------------------------------------------------


def test_both_separators_and_keywords_in_any_case() -> None:
    dialplan = _parse("[ctx]\nexten = 1,1,NoOp(a)\nExten=>2,1,NoOp(b)\nSAME => n,NoOp(c)\n")
    assert _steps(_extension(dialplan, "ctx", "1")) == [(1, None, "NoOp", "a")]
    assert _steps(_extension(dialplan, "ctx", "2")) == [
        (1, None, "NoOp", "b"),
        (2, None, "NoOp", "c"),
    ]


def test_priority_words_and_offsets() -> None:
    dialplan = _parse(
        "[ctx]\n"
        "exten => 1,1,NoOp(one)\n"
        "same => next,NoOp(two)\n"
        "same => n+2,NoOp(five)\n"
        "same => s+1,NoOp(six)\n"
        "exten => 2,s,NoOp(six-again)\n"
        "exten => 2,same+1,NoOp(seven)\n"
        "exten => 2,1+2,NoOp(three)\n"
    )
    assert [p.number for p in _extension(dialplan, "ctx", "1").priorities] == [1, 2, 5, 6]
    assert [p.number for p in _extension(dialplan, "ctx", "2").priorities] == [3, 6, 7]


def test_n_counts_across_extensions() -> None:
    # dialplan.md edge case 1: 'n' is the previous line's number + 1, whatever its extension.
    dialplan = _parse("[ctx]\nexten => 1,1,NoOp\nexten => 2,n,NoOp\n")
    two = _extension(dialplan, "ctx", "2")
    assert [p.number for p in two.priorities] == [2]
    assert not dialplan.exists("ctx", "2")
    assert dialplan.exists("ctx", "2", 2)


def test_labels_and_priorities_named_by_label() -> None:
    dialplan = _parse(
        "[ctx]\n"
        "exten => 1,1(start),NoOp\n"
        "same => n(retry),Dial(PJSIP/1)\n"
        "same => n( spaced ),NoOp\n"
        "same => n(),NoOp(empty label is none)\n"
        "exten => 1,start+5,NoOp(six)\n"
        "exten => 1,retry+5,NoOp(seven)\n"
    )
    one = _extension(dialplan, "ctx", "1")
    assert [(p.number, p.label) for p in one.priorities] == [
        (1, "start"), (2, "retry"), (3, "spaced"), (4, None), (6, None), (7, None),
    ]  # fmt: skip
    assert one.label("retry") == 2
    assert one.label("Retry") is None


def test_caller_id_qualifier_and_same_keeps_it() -> None:
    dialplan = _parse(
        "[ctx]\n"
        "exten => 100/_0.,1,NoOp(from 0)\n"
        "same => n,NoOp(still from 0)\n"
        "exten => 100,1,NoOp(anyone)\n"
        "exten => 100/,1,NoOp(no caller id)\n"
        "exten => 200 / 555-1234 ,1,NoOp\n"
    )
    assert _steps(_extension(dialplan, "ctx", "100", "_0.")) == [
        (1, None, "NoOp", "from 0"), (2, None, "NoOp", "still from 0"),
    ]  # fmt: skip
    assert _steps(_extension(dialplan, "ctx", "100")) == [(1, None, "NoOp", "anyone")]
    assert _extension(dialplan, "ctx", "100", "").priorities[0].appdata == "no caller id"
    assert _extension(dialplan, "ctx", "200", "555-1234").name == "200"


@pytest.mark.parametrize(
    ("application", "app", "appdata"),
    [
        ("NoOp(hello)", "NoOp", "hello"),
        ("Hangup", "Hangup", ""),
        ("Hangup()", "Hangup", ""),
        ("Set(x=$[(1+2)*3])", "Set", "x=$[(1+2)*3]"),  # arguments run to the LAST ')'
        ("NoOp(a) trailing", "NoOp", "a"),
        ("NoOp(a(b)c", "NoOp", "a(b"),
        ("NoOp(unclosed", "NoOp", "unclosed"),  # no ')': to the end of the line
        (" NoOp ( x ) ", "NoOp", " x "),
        ("Dial(PJSIP/1,20,tT)", "Dial", "PJSIP/1,20,tT"),
        ('Set(a="b,c")', "Set", 'a="b,c"'),
        ("Noop,foo", "Noop,foo", ""),  # no '(': all of it is the name
    ],
)
def test_application_and_arguments(application: str, app: str, appdata: str) -> None:
    dialplan = _parse(f"[ctx]\nexten => 1,1,{application}\n")
    priority = _extension(dialplan, "ctx", "1").priorities[0]
    assert (priority.app, priority.appdata) == (app, appdata)


def test_sources_are_file_and_line() -> None:
    dialplan = _parse("[ctx]\n\n; comment\nexten => 1,1,NoOp\n same => n,NoOp\n")
    assert [p.source for p in _extension(dialplan, "ctx", "1").priorities] == [
        "x.conf:4",
        "x.conf:5",
    ]


def test_hints_are_kept_apart_and_not_executable() -> None:
    dialplan = _parse(
        "[ctx]\nexten => 100,hint,PJSIP/100&PJSIP/101\nexten => 100,1,Dial(PJSIP/100)\n"
        "exten => 200,hint,PJSIP/200,CustomPresence:200\n"
    )
    context = dialplan.contexts["ctx"]
    assert context.hints == (
        ("100", "PJSIP/100&PJSIP/101"),
        ("200", "PJSIP/200,CustomPresence:200"),
    )
    assert [p.number for p in _extension(dialplan, "ctx", "100").priorities] == [1]
    assert not dialplan.exists("ctx", "200")
    assert dialplan.hint("ctx", "100") == "PJSIP/100&PJSIP/101"


def test_n_after_only_a_hint_is_an_error() -> None:
    with pytest.raises(DialplanSyntaxError) as caught:
        _parse("[ctx]\nexten => 100,hint,PJSIP/100\nsame => n,Dial(PJSIP/100)\n")
    assert (
        str(caught.value) == "x.conf:3: priority 'n' before any numbered priority in context 'ctx'"
    )


def test_dashes_make_the_same_extension() -> None:
    dialplan = _parse("[ctx]\nexten => 555-1234,1,NoOp(a)\nexten => 5551234,2,NoOp(b)\n")
    (only,) = dialplan.contexts["ctx"].extensions
    assert only.name == "555-1234"
    assert [p.number for p in only.priorities] == [1, 2]


def test_include_switch_and_ignorepat() -> None:
    dialplan = _parse(
        "[globals]\nDB=pbx\n"
        "[ctx]\n"
        "include => plain\n"
        "include => timed,9:00-17:00,mon-fri,*,*\n"
        "include => old|9:00-17:00|mon-fri|*|*\n"
        "include => zoned , 9:00-17:00 , * , * , * , Europe/Moscow\n"
        "include => trailing,\n"
        "switch => Realtime/${DB}@extensions\n"
        "lswitch => Realtime/local\n"
        "eswitch => IAX2/${DB}\n"
        "ignorepat => 9\n"
    )
    context = dialplan.contexts["ctx"]
    office = TimeSpec.parse("9:00-17:00,mon-fri,*,*")
    assert context.includes == (
        Include(context="plain"),
        Include(context="timed", timespec=office),
        Include(context="old", timespec=office),
        Include(context="zoned", timespec=TimeSpec.parse("9:00-17:00,*,*,*,Europe/Moscow")),
        Include(context="trailing"),
    )
    # eswitch is evaluated per lookup in Asterisk, so its text is kept unsubstituted.
    assert context.switches == ("Realtime/pbx@extensions", "Realtime/local", "IAX2/${DB}")


# -- comments ------------------------------------------------------------------------------


def test_comments_escapes_and_blocks() -> None:
    dialplan = _parse(
        "; a comment\n"
        "[ctx] ; after a header\n"
        "exten => 1,1,NoOp(a\\;b) ; trailing\n"
        "exten => 2,1,NoOp(x) ;-- a block\n"
        "exten => 3,1,NoOp(hidden)\n"
        "  ;-- nested --; still comment\n"
        "--; exten => 4,1,NoOp(after block)\n"
        "exten => 5,1,NoOp(y) ;-- inline --; ; then a comment\n"
        "exten => 6,1,NoOp(a\\\\;b)\n"
        "exten => 7,1,NoOp(a\\;--b)\n"
    )
    names = [ext.name for ext in dialplan.contexts["ctx"].extensions]
    assert names == ["1", "2", "4", "5", "6", "7"]
    assert _extension(dialplan, "ctx", "1").priorities[0].appdata == "a;b"
    assert _extension(dialplan, "ctx", "4").priorities[0].appdata == "after block"
    assert _extension(dialplan, "ctx", "6").priorities[0].appdata == "a\\;b"
    assert _extension(dialplan, "ctx", "7").priorities[0].appdata == "a;--b"


def test_unclosed_block_comment_is_a_warning() -> None:
    dialplan = _parse("[ctx]\nexten => 1,1,NoOp\n;-- never\nexten => 2,1,NoOp\n")
    assert [ext.name for ext in dialplan.contexts["ctx"].extensions] == ["1"]
    assert dialplan.warnings == ("x.conf:3: block comment ';--' is never closed",)


def test_crlf_and_byte_order_mark() -> None:
    dialplan = _parse("\ufeff[ctx]\r\nexten => 1,1,NoOp(a)\r\n")
    assert _extension(dialplan, "ctx", "1").priorities[0].appdata == "a"


# -- warnings ------------------------------------------------------------------------------


def test_duplicates_warn_and_the_first_wins() -> None:
    dialplan = _parse(
        "[ctx]\n"
        "exten => 1,1(a),NoOp(first)\n"
        "exten => 1,1,NoOp(second)\n"
        "exten => 1,2(a),NoOp(label taken)\n"
        "include => other\n"
        "include => other,9:00-17:00\n"
        "exten => 1,hint,PJSIP/1\n"
        "exten => 1,hint,PJSIP/2\n"
    )
    assert _steps(_extension(dialplan, "ctx", "1")) == [
        (1, "a", "NoOp", "first"), (2, None, "NoOp", "label taken"),
    ]  # fmt: skip
    assert dialplan.contexts["ctx"].includes == (Include(context="other"),)
    assert dialplan.contexts["ctx"].hints == (("1", "PJSIP/1"),)
    assert dialplan.warnings == (
        "x.conf:3: extension '1' in context 'ctx': priority 1 already defined at x.conf:2; ignored",
        "x.conf:4: extension '1' in context 'ctx': label 'a' already names priority 1; "
        "label ignored",
        "x.conf:6: context 'other' already included in 'ctx'; ignored",
        "x.conf:8: extension '1' in context 'ctx' already has a hint; ignored",
    )


def test_catch_all_extension_warns_once() -> None:
    dialplan = _parse("[ctx]\nexten => _.,1,NoOp\nsame => n,NoOp\nexten => _X.,1,NoOp\n")
    assert dialplan.warnings == (
        "x.conf:2: '_.' in context 'ctx' also matches 'h', 'i', 't' and the other special "
        "extensions; '_X.' is safer",
    )


# -- errors --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[ctx]\nsame => n,NoOp\n", "x.conf:2: 'same' before any 'exten' in context 'ctx'"),
        ("[ctx]\nexten => 1,1,NoOp\n[ctx]\nsame => n,NoOp\n",
         "x.conf:4: 'same' before any 'exten' in context 'ctx'"),
        ("[ctx]\nexten => 1,n,NoOp\n",
         "x.conf:2: priority 'n' before any numbered priority in context 'ctx'"),
        ("[ctx]\nexten => 1,next,NoOp\n",
         "x.conf:2: priority 'next' before any numbered priority in context 'ctx'"),
        ("[ctx]\nexten => 1,s,NoOp\n",
         "x.conf:2: priority 's' before any numbered priority in context 'ctx'"),
        ("[ctx]\nexten => 1,0,NoOp\n", "x.conf:2: bad priority '0'"),
        ("[ctx]\nexten => 1,-1,NoOp\n", "x.conf:2: bad priority '-1': no such label"),
        ("[ctx]\nexten => 1,nope,NoOp\n", "x.conf:2: bad priority 'nope': no such label"),
        ("[ctx]\nexten => 1,N,NoOp\n", "x.conf:2: bad priority 'N': no such label"),
        ("[ctx]\nexten => 1,1(a,NoOp\n", "x.conf:2: bad priority '1(a'"),
        ("[ctx]\nexten => 1,1(a)x,NoOp\n", "x.conf:2: bad priority '1(a)x'"),
        ("[ctx]\nexten => 1,1+x,NoOp\n", "x.conf:2: bad priority '1+x'"),
        ("[ctx]\nexten => 1,(a),NoOp\n", "x.conf:2: bad priority '(a)'"),
        ("[ctx]\nexten => 1,hint+1,PJSIP/1\n", "x.conf:2: bad priority 'hint+1'"),
        ("[ctx]\nexten => 1,hint(a),PJSIP/1\n", "x.conf:2: bad priority 'hint(a)'"),
        ("[ctx]\nexten => 1,1(a(b)),NoOp\n", "x.conf:2: bad priority '1(a(b))'"),
        ("[ctx]\nexten => 1,1,\n", "x.conf:2: missing application"),
        ("[ctx]\nexten => 1,1\n", "x.conf:2: missing application"),
        ("[ctx]\nexten => 1,1,(args)\n", "x.conf:2: missing application"),
        ("[ctx]\nexten => 1,hint,\n", "x.conf:2: missing device for hint"),
        ("[ctx]\nexten => 1\n", "x.conf:2: missing priority"),
        ("[ctx]\nexten => 1,,NoOp\n", "x.conf:2: missing priority"),
        ("[ctx]\nexten => ,1,NoOp\n", "x.conf:2: missing extension"),
        ("[ctx]\nexten => /123,1,NoOp\n", "x.conf:2: missing extension"),
        ("[globals]\nX=1,2\n[ctx]\nexten => ${X},1,NoOp\n",
         "x.conf:4: extension name '1,2' must not contain a line break, ',' or '/'"),
        ("[ctx]\nfoo => bar\n", "x.conf:2: unknown directive 'foo' in context 'ctx'"),
        ("[ctx]\nNAME=value\n", "x.conf:2: unknown directive 'NAME' in context 'ctx'"),
        ("[ctx]\ninclude =>\n", "x.conf:2: 'include' needs a context name"),
        ("[ctx]\ninclude => ,9:00-17:00\n", "x.conf:2: 'include' needs a context name"),
        ("[ctx]\ninclude => a,25:00-26:00,*,*,*\n",
         "x.conf:2: bad time spec '25:00-26:00,*,*,*': "
         "bad time range '25:00-26:00' (hours 0-23, minutes 0-59)"),
        ("[ctx]\ninclude => a,*,funday\n",
         "x.conf:2: bad time spec '*,funday': bad weekday 'funday'"),
        ("[ctx]\nswitch =>\n", "x.conf:2: 'switch' needs a value"),
        ("[ctx]\neswitch => \n", "x.conf:2: 'eswitch' needs a value"),
        ("[ctx\n", "x.conf:1: bad section header: missing ']'"),
        ("[]\n", "x.conf:1: bad section header: empty name"),
        ("[  ]\n", "x.conf:1: bad section header: empty name"),
        ("[ctx] junk\n", "x.conf:1: bad section header: unexpected 'junk' after ']'"),
        ("[ctx](!\n", "x.conf:1: bad section header: unexpected '(!' after ']'"),
        ("[ctx](nosuch)\n", "x.conf:1: bad section header: no section 'nosuch' to inherit from"),
        ("[ctx](+)\n",
         "x.conf:1: bad section header: '(+)' needs an earlier [ctx] and no other flag"),
        ("[ctx]\n[ctx](+,!)\n",
         "x.conf:2: bad section header: '(+)' needs an earlier [ctx] and no other flag"),
        ("exten => 1,1,NoOp\n", "x.conf:1: 'exten' outside any section"),
        ("\n; comment\nX=1\n[ctx]\n", "x.conf:3: 'X' outside any section"),
        ("[ctx]\ngarbage\n", "x.conf:2: expected 'name => value', not 'garbage'"),
        ("[ctx]\n=> 1,1,NoOp\n", "x.conf:2: expected 'name => value', not '=> 1,1,NoOp'"),
        ("#exec /bin/true\n", "x.conf:1: #exec is not supported"),
        ("#define X\n", "x.conf:1: unknown directive '#define'"),
        ("#\n", "x.conf:1: unknown directive '#'"),
        ("#include\n", "x.conf:1: #include needs a file name"),
        ('#include ""\n', "x.conf:1: #include needs a file name"),
    ],
)  # fmt: skip
def test_malformed(text: str, message: str) -> None:
    with pytest.raises(DialplanSyntaxError) as caught:
        _parse(text)
    assert str(caught.value) == message
    filename, line, rest = message.split(":", 2)
    assert (caught.value.filename, caught.value.line, caught.value.message) == (
        filename, int(line), rest.removeprefix(" "),
    )  # fmt: skip


def test_an_error_after_good_lines_returns_nothing() -> None:
    text = "[ctx]\n" + "".join(f"exten => {n},1,NoOp\n" for n in range(100)) + "same => x,NoOp\n"
    with pytest.raises(DialplanSyntaxError, match=r"^x\.conf:102: bad priority 'x'"):
        _parse(text)


def test_syntax_error_is_a_value_error() -> None:
    assert issubclass(DialplanSyntaxError, ValueError)
    error = DialplanSyntaxError("a.conf", 3, "boom")
    assert (str(error), error.filename, error.line, error.message) == (
        "a.conf:3: boom",
        "a.conf",
        3,
        "boom",
    )


# -- #include ------------------------------------------------------------------------------


def _loader(files: dict[str, str]) -> Loader:
    def load(name: str) -> tuple[str, str]:
        if name not in files:
            raise FileNotFoundError(2, "No such file or directory", name)
        return files[name], name

    return load


def test_include_continues_the_section_and_the_includer_resumes() -> None:
    files = {
        "more.conf": "exten => 2,n,NoOp(in more)\n[other]\nexten => 9,1,NoOp(other)\n",
    }
    dialplan = parse_extensions_conf(
        "[ctx]\nexten => 1,1,NoOp\n#include more.conf\nexten => 3,n,NoOp(back)\n",
        loader=_loader(files),
    )
    assert dialplan.context_names() == ["ctx", "other"]
    assert [p.source for p in _extension(dialplan, "ctx", "2").priorities] == ["more.conf:1"]
    assert [p.number for p in _extension(dialplan, "ctx", "2").priorities] == [2]
    # Back in [ctx]: same section, so 'n' follows the included line's 2.
    assert [(p.number, p.source) for p in _extension(dialplan, "ctx", "3").priorities] == [
        (3, "extensions.conf:4"),
    ]
    assert _steps(_extension(dialplan, "other", "9")) == [(1, None, "NoOp", "other")]


@pytest.mark.parametrize("written", ['"a.conf"', "<a.conf>", "a.conf", ' "a.conf" '])
def test_include_file_name_forms(written: str) -> None:
    dialplan = parse_extensions_conf(
        f"#include {written}\n", loader=_loader({"a.conf": "[a]\nexten => 1,1,NoOp\n"})
    )
    assert dialplan.context_names() == ["a"]


def test_errors_and_warnings_in_included_files_say_which_file() -> None:
    files = {
        "a.conf": "[a]\n#include b.conf\n",
        "b.conf": "; b\nexten => 1,1,NoOp\nexten => 1,1,NoOp\n",
    }
    dialplan = parse_extensions_conf("#include a.conf\n", loader=_loader(files))
    assert dialplan.warnings == (
        "b.conf:3: extension '1' in context 'a': priority 1 already defined at b.conf:2; ignored",
    )
    files["b.conf"] = "; b\n\nexten => 1,1\n"
    with pytest.raises(DialplanSyntaxError) as caught:
        parse_extensions_conf("#include a.conf\n", loader=_loader(files))
    assert str(caught.value) == "b.conf:3: missing application"


def test_missing_include_and_tryinclude() -> None:
    with pytest.raises(DialplanSyntaxError) as caught:
        parse_extensions_conf("[a]\n#include nope.conf\n", loader=_loader({}))
    assert (
        str(caught.value)
        == "extensions.conf:2: cannot include 'nope.conf': No such file or directory"
    )
    dialplan = parse_extensions_conf("[a]\n#tryinclude nope.conf\n", loader=_loader({}))
    assert dialplan.context_names() == ["a"]


def test_include_cycles_are_errors() -> None:
    files = {"a.conf": "[a]\n#include b.conf\n", "b.conf": "\n\n#include a.conf\n"}
    with pytest.raises(DialplanSyntaxError) as caught:
        parse_extensions_conf("#include a.conf\n", loader=_loader(files))
    assert str(caught.value) == "b.conf:3: #include cycle: a.conf -> b.conf -> a.conf"
    with pytest.raises(DialplanSyntaxError) as caught:
        parse_extensions_conf("#include extensions.conf\n", loader=_loader({"extensions.conf": ""}))
    assert (
        str(caught.value) == "extensions.conf:1: #include cycle: extensions.conf -> extensions.conf"
    )


def test_the_same_file_twice_is_not_a_cycle() -> None:
    files = {"common.conf": "exten => i,1,Hangup\n"}
    dialplan = parse_extensions_conf(
        "[a]\n#include common.conf\n[b]\n#include common.conf\n", loader=_loader(files)
    )
    assert all(dialplan.exists(name, "i") for name in ("a", "b"))


def test_files_beside_the_including_one() -> None:
    dialplan = load_extensions_conf(DATA / "main.conf")
    assert dialplan.context_names() == ["office", "outbound"]
    office = [ext.name for ext in dialplan.contexts["office"].extensions]
    assert office == ["100", "101", "102"]
    assert dialplan.contexts["office"].includes == (Include(context="outbound"),)
    match = dialplan.find("office", "81234567890", 1)
    assert match is not None
    assert (match.context, match.priority.appdata) == ("outbound", "SIP/${EXTEN}@${TRUNK},60")
    assert match.priority.source == f"{DATA / 'routes.conf'}:5"


def test_default_loader_reports_unreadable_files(tmp_path: Path) -> None:
    main = tmp_path / "main.conf"
    main.write_text("[a]\n#include missing.conf\n")
    with pytest.raises(DialplanSyntaxError) as caught:
        load_extensions_conf(main)
    assert (
        str(caught.value) == f"{main}:2: cannot include 'missing.conf': No such file or directory"
    )
    (tmp_path / "latin1.conf").write_bytes(b"[a]\n; comment\nexten => 1,1,NoOp(caf\xe9)\n")
    main.write_text("#include latin1.conf\n")
    with pytest.raises(DialplanSyntaxError) as caught:
        load_extensions_conf(main)
    assert str(caught.value) == f"{tmp_path / 'latin1.conf'}:3: not UTF-8 text"
    with pytest.raises(FileNotFoundError):
        load_extensions_conf(tmp_path / "absent.conf")


def test_absolute_include_path(tmp_path: Path) -> None:
    other = tmp_path / "elsewhere.conf"
    other.write_text("[far]\nexten => 1,1,NoOp\n")
    main = tmp_path / "sub" / "main.conf"
    main.parent.mkdir()
    main.write_text(f'#include "{other}"\n')
    assert load_extensions_conf(main).context_names() == ["far"]


def test_evolvex_sample_file() -> None:
    dialplan = load_extensions_conf(DATA / "evolvex.conf")
    assert dialplan.warnings == ()
    ring = _extension(dialplan, "internal", "100")
    assert [p.app for p in ring.priorities] == ["Set"] * 5 + ["Dial"]
    assert ring.priorities[-1].appdata == "${DIALGROUP(group_100)},60,tT"
    forward = _extension(dialplan, "incoming", "110")
    assert _steps(forward) == [
        (1, None, "NoOp", "Incoming call"),
        (2, None, "Dial", "SIP/user-110-office,15,t"),
        (3, None, "Dial", "SIP/81234567890@peer-71234567890-office,60"),
        (4, None, "Hangup", ""),
    ]
