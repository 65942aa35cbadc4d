"""The dialplan model: Asterisk's search order, includes, realtime rows, merge and export."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dialplan_engine.model import (
    MAX_SEARCHED_CONTEXTS,
    Context,
    Dialplan,
    Extension,
    Include,
    Priority,
    RealtimeRow,
)
from dialplan_engine.parser import load_extensions_conf, parse_extensions_conf
from dialplan_engine.timespec import TimeSpec

DATA = Path(__file__).resolve().parents[1] / "data" / "dialplan"
MONDAY_10 = datetime(2024, 1, 1, 10, 0)  # 2024-01-01 is a Monday
MONDAY_20 = datetime(2024, 1, 1, 20, 0)
SUNDAY_10 = datetime(2024, 1, 7, 10, 0)


def _parse(text: str) -> Dialplan:
    return parse_extensions_conf(text, filename="x.conf")


def _landed(dialplan: Dialplan, context: str, exten: str, priority: int = 1, **kw: object) -> str:
    """``context:appdata`` of the priority found, or ``-``."""
    match = dialplan.find(context, exten, priority, **kw)  # type: ignore[arg-type]
    return "-" if match is None else f"{match.context}:{match.priority.appdata}"


def _priority(number: int, appdata: str = "", label: str | None = None) -> Priority:
    return Priority(number=number, label=label, app="NoOp", appdata=appdata, source="test")


# -- search order within a context -----------------------------------------------------------

_ORDERING_LINES = [
    "exten => _X.,1,NoOp(_X.)",
    "exten => _1X.,1,NoOp(_1X.)",
    "exten => _12.,1,NoOp(_12.)",
    "exten => 123,1,NoOp(123)",
]


@settings(max_examples=30, deadline=None)
@given(st.permutations(_ORDERING_LINES))
def test_most_specific_wins_whatever_the_definition_order(lines: list[str]) -> None:
    dialplan = _parse("[ctx]\n" + "\n".join(lines) + "\n")
    assert _landed(dialplan, "ctx", "123") == "ctx:123"
    assert _landed(dialplan, "ctx", "1234") == "ctx:_12."
    assert _landed(dialplan, "ctx", "1567") == "ctx:_1X."
    assert _landed(dialplan, "ctx", "999") == "ctx:_X."
    assert _landed(dialplan, "ctx", "9") == "-"  # '.' needs at least one more character
    assert [ext.name for ext in dialplan.contexts["ctx"].extensions] == [
        "123", "_12.", "_1X.", "_X.",
    ]  # fmt: skip


def test_a_match_without_the_priority_passes_to_the_next_match() -> None:
    dialplan = _parse(
        "[ctx]\n"
        "exten => _1X.,1,NoOp(1X one)\n"
        "exten => _X.,1,NoOp(X one)\n"
        "exten => _X.,2,NoOp(X two)\n"
    )
    assert _landed(dialplan, "ctx", "155", 1) == "ctx:1X one"
    assert _landed(dialplan, "ctx", "155", 2) == "ctx:X two"
    assert _landed(dialplan, "ctx", "155", 3) == "-"


def test_special_extensions_are_ordinary_names_and_dot_catches_them() -> None:
    dialplan = _parse("[ctx]\nexten => _.,1,NoOp(catch all)\nexten => i,1,NoOp(invalid)\n")
    assert _landed(dialplan, "ctx", "h") == "ctx:catch all"
    assert _landed(dialplan, "ctx", "t") == "ctx:catch all"
    assert _landed(dialplan, "ctx", "i") == "ctx:invalid"  # a literal sorts first
    assert _landed(dialplan, "ctx", "s") == "ctx:catch all"
    assert _landed(dialplan, "ctx", "") == "-"
    assert _landed(_parse("[ctx]\nexten => _X.,1,NoOp\n"), "ctx", "h") == "-"


def test_unknown_context_and_dash_insensitive_lookup() -> None:
    dialplan = _parse("[ctx]\nexten => 555-1234,1,NoOp(a)\nexten => _8-XXX,1,NoOp(b)\n")
    assert _landed(dialplan, "nope", "5551234") == "-"
    assert _landed(dialplan, "ctx", "5551234") == "ctx:a"
    assert _landed(dialplan, "ctx", "555-1234") == "ctx:a"
    assert _landed(dialplan, "ctx", "8-123") == "ctx:b"


def test_caller_id_qualifiers() -> None:
    dialplan = _parse(
        "[ctx]\n"
        "exten => 100,1,NoOp(anyone)\n"
        "exten => 100,2,NoOp(anyone two)\n"
        "exten => 100/_0.,1,NoOp(national)\n"
        "exten => 100/5551234,1,NoOp(boss)\n"
        "exten => 100/,1,NoOp(anonymous)\n"
    )
    names = [ext.display for ext in dialplan.contexts["ctx"].extensions]
    assert names == ["100/", "100/5551234", "100/_0.", "100"]  # qualified first
    assert _landed(dialplan, "ctx", "100", caller_id="5551234") == "ctx:boss"
    assert _landed(dialplan, "ctx", "100", caller_id="555-1234") == "ctx:boss"
    assert _landed(dialplan, "ctx", "100", caller_id="0123") == "ctx:national"
    assert _landed(dialplan, "ctx", "100", caller_id="777") == "ctx:anyone"
    assert _landed(dialplan, "ctx", "100", caller_id=None) == "ctx:anonymous"
    assert _landed(dialplan, "ctx", "100", caller_id="") == "ctx:anonymous"
    # The qualified extension lacks priority 2, so the plain one provides it.
    assert _landed(dialplan, "ctx", "100", 2, caller_id="0123") == "ctx:anyone two"


# -- includes --------------------------------------------------------------------------------


def test_includes_in_order_depth_first_after_own_extensions() -> None:
    dialplan = _parse(
        "[top]\n"
        "exten => _X,1,NoOp(top pattern)\n"
        "include => first\n"
        "include => second\n"
        "[first]\n"
        "include => deep\n"
        "exten => 11,1,NoOp(first)\n"
        "[deep]\n"
        "exten => 22,1,NoOp(deep)\n"
        "exten => 11,1,NoOp(deep 11)\n"
        "[second]\n"
        "exten => 22,1,NoOp(second)\n"
        "exten => 33,1,NoOp(second 33)\n"
    )
    assert _landed(dialplan, "top", "5") == "top:top pattern"  # own before included literals
    assert _landed(dialplan, "top", "11") == "first:first"  # own before its includes
    assert _landed(dialplan, "top", "22") == "deep:deep"  # depth first: deep before second
    assert _landed(dialplan, "top", "33") == "second:second 33"
    assert _landed(dialplan, "top", "44") == "-"


def test_include_loops_terminate() -> None:
    dialplan = _parse(
        "[a]\ninclude => b\nexten => 1,1,NoOp(a)\n"
        "[b]\ninclude => a\ninclude => b\ninclude => missing\nexten => 2,1,NoOp(b)\n"
    )
    assert _landed(dialplan, "a", "2") == "b:b"
    assert _landed(dialplan, "b", "1") == "a:a"
    assert _landed(dialplan, "a", "3") == "-"
    assert not dialplan.can_match("a", "3")
    assert not dialplan.match_more("a", "2")


def test_timed_include_only_when_open() -> None:
    dialplan = _parse(
        "[incoming]\n"
        "include => day,9:00-17:00,mon-fri,*,*\n"
        "include => night\n"
        "[day]\nexten => s,1,NoOp(reception)\n"
        "[night]\nexten => s,1,NoOp(voicemail)\n"
    )
    assert _landed(dialplan, "incoming", "s", now=MONDAY_10) == "day:reception"
    assert _landed(dialplan, "incoming", "s", now=MONDAY_20) == "night:voicemail"
    assert _landed(dialplan, "incoming", "s", now=SUNDAY_10) == "night:voicemail"
    assert dialplan.exists("incoming", "s", now=SUNDAY_10)
    assert dialplan.find_label("incoming", "s", "x", now=MONDAY_10) is None
    # Without `now`, the wall clock decides; either way something is found.
    assert dialplan.exists("incoming", "s")


def test_search_stops_after_max_contexts() -> None:
    count = MAX_SEARCHED_CONTEXTS + 10
    contexts = {
        f"c{n}": Context(
            name=f"c{n}",
            extensions=(Extension(name=f"{n}", cid=None, priorities=(_priority(1, f"{n}"),)),),
            includes=(Include(context=f"c{n + 1}"),),
        )
        for n in range(count)
    }
    dialplan = Dialplan(contexts=contexts)
    last = MAX_SEARCHED_CONTEXTS - 1
    assert _landed(dialplan, "c0", str(last)) == f"c{last}:{last}"
    assert _landed(dialplan, "c0", str(last + 1)) == "-"
    assert _landed(dialplan, "c5", str(last + 1)) == f"c{last + 1}:{last + 1}"


def test_hangup_extension_from_an_included_context() -> None:
    dialplan = _parse("[ctx]\ninclude => common\n[common]\nexten => h,1,NoOp(cleanup)\n")
    assert _landed(dialplan, "ctx", "h") == "common:cleanup"


# -- labels, digit collection ----------------------------------------------------------------


def test_find_label() -> None:
    dialplan = _parse(
        "[ctx]\n"
        "exten => 100,1(start),NoOp\n"
        "same => n(retry),NoOp\n"
        "exten => _1XX,1,NoOp\n"
        "same => n,NoOp\n"
        "same => n(only-in-pattern),NoOp\n"
        "exten => 200/_0.,1(vip),NoOp\n"
        "include => other\n"
        "[other]\nexten => 300,1,NoOp\nsame => n(there),NoOp\n"
    )
    assert dialplan.find_label("ctx", "100", "retry") == 2
    assert dialplan.find_label("ctx", "100", "Retry") is None  # labels are case-sensitive
    assert dialplan.find_label("ctx", "100", "only-in-pattern") == 3  # next matching extension
    assert dialplan.find_label("ctx", "150", "start") is None
    assert dialplan.find_label("ctx", "300", "there") == 2
    assert dialplan.find_label("ctx", "200", "vip", caller_id="0123") == 1
    assert dialplan.find_label("ctx", "200", "vip", caller_id="555") is None


def test_can_match_and_match_more_over_includes() -> None:
    dialplan = _parse(
        "[ctx]\n"
        "exten => 1,1,NoOp\n"
        "exten => 12,2,NoOp(no priority 1)\n"
        "include => more\n"
        "[more]\n"
        "exten => _9XX,1,NoOp\n"
        "exten => _8.,1,NoOp\n"
    )
    assert dialplan.can_match("ctx", "1")
    assert not dialplan.match_more("ctx", "1")  # '12' lacks priority 1
    assert dialplan.match_more("ctx", "1", 2)
    assert dialplan.can_match("ctx", "9")
    assert dialplan.match_more("ctx", "99")
    assert not dialplan.match_more("ctx", "999")
    assert dialplan.can_match("ctx", "999")
    assert not dialplan.can_match("ctx", "9999")
    assert dialplan.match_more("ctx", "8")
    assert dialplan.match_more("ctx", "8123")
    assert dialplan.can_match("ctx", "")
    assert not dialplan.can_match("ctx", "7")


def test_a_reached_bang_ends_collection_for_its_context_and_includes() -> None:
    dialplan = _parse(
        "[top]\n"
        "include => quick\n"
        "include => later\n"
        "[quick]\n"
        "exten => _91!,1,NoOp(stop here)\n"
        "include => hidden\n"
        "[hidden]\n"
        "exten => _91XX,1,NoOp\n"
        "[later]\n"
        "exten => _91XXX,1,NoOp\n"
    )
    assert not dialplan.match_more("quick", "91")  # hidden's _91XX is not even asked
    assert dialplan.match_more("quick", "9")  # the '!' is not reached yet
    assert dialplan.match_more("top", "91")  # top goes on with its next include, later
    assert dialplan.exists("top", "91")
    assert dialplan.exists("top", "915")


def test_bang_is_only_final_for_callers_it_accepts() -> None:
    # _91! sorts before _9XXX (position 2: '1' before X), so it is asked first.
    dialplan = _parse("[ctx]\nexten => _91!/555,1,NoOp\nexten => _9XXX,1,NoOp\n")
    assert not dialplan.match_more("ctx", "91", caller_id="555")
    assert dialplan.match_more("ctx", "91", caller_id="777")


def test_hint_lookup() -> None:
    dialplan = _parse(
        "[ctx]\nexten => 100,hint,PJSIP/100\ninclude => more\n"
        "[more]\nexten => _2XX,hint,PJSIP/all\n"
    )
    assert dialplan.hint("ctx", "100") == "PJSIP/100"
    assert dialplan.hint("ctx", "201") == "PJSIP/all"
    assert dialplan.hint("ctx", "300") is None


# -- the model's own rules -------------------------------------------------------------------


def test_extension_accessors() -> None:
    extension = Extension(
        name="100",
        cid=None,
        priorities=(_priority(3, "c"), _priority(1, "a", "start"), _priority(2, "b")),
    )
    assert [p.number for p in extension.priorities] == [1, 2, 3]  # sorted
    assert extension.priority(2) == _priority(2, "b")
    assert extension.priority(4) is None
    assert extension.label("start") == 1
    assert extension.next_after(1) == _priority(2, "b")
    assert extension.next_after(3) is None
    gappy = Extension(name="1", cid=None, priorities=(_priority(1), _priority(3)))
    assert gappy.next_after(1) is None  # the PBX loop only adds one


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: _priority(0), "priority number must be 1 or more, not 0"),
        (lambda: _priority(1, label=""), "label '' must be non-empty without surrounding blanks"),
        (lambda: _priority(1, label="a(b"),
         "label 'a(b' must not contain a line break, '(', ')' or ','"),
        (lambda: Priority(number=1, label=None, app="", appdata="", source="t"),
         "application name '' must be non-empty without surrounding blanks"),
        (lambda: Priority(number=1, label=None, app="NoOp", appdata="a\nb", source="t"),
         "application data 'a\\nb' must not contain a line break"),
        (lambda: Extension(name="1", cid=None, priorities=(_priority(1), _priority(1))),
         "extension '1' has a priority number twice"),
        (lambda: Extension(name="1", cid=None,
                           priorities=(_priority(1, label="a"), _priority(2, label="a"))),
         "extension '1' has a label twice"),
        (lambda: Extension(name="a,b", cid=None, priorities=()),
         "extension name 'a,b' must not contain a line break, ',' or '/'"),
        (lambda: Extension(name="1", cid=" 5", priorities=()),
         "caller ID qualifier ' 5' must not have surrounding blanks"),
        (lambda: Context(name="c", extensions=(
            Extension(name="_X.", cid=None, priorities=()),
            Extension(name="_x.", cid=None, priorities=()),
        )), "context 'c': '_X.' and '_x.' are the same extension"),
        (lambda: Dialplan(contexts={"a": Context(name="b")}),
         "context 'b' filed under the name 'a'"),
    ],
)  # fmt: skip
def test_validation(build: object, message: str) -> None:
    with pytest.raises(ValueError) as caught:
        build()  # type: ignore[operator]
    assert str(caught.value) == message


def test_equality_ignores_sources_and_warnings() -> None:
    one = _parse("[ctx]\nexten => 1,1,NoOp\nexten => 1,1,NoOp(dup)\n")
    other = _parse("\n\n[ctx]\n\nexten => 1,1,NoOp\n")
    assert one.warnings and not other.warnings
    assert one == other


# -- realtime rows ---------------------------------------------------------------------------

RING_GROUP = [
    ("Set", f"DIALGROUP(group_100,add)=PJSIP/user-{n}-domain") for n in range(101, 106)
] + [("Dial", "${DIALGROUP(group_100)},60,tT")]


def _forwarding(dial_options: str) -> list[tuple[str, str]]:
    return [
        ("NoOp", "Incoming call"),
        ("Dial", f"SIP/user-110-office,15,{dial_options}"),
        ("Dial", "SIP/81234567890@peer-71234567890-office,60"),
        ("Hangup", ""),
    ]


def _seed_rows() -> list[RealtimeRow]:
    rows: list[RealtimeRow] = []
    for context, exten, steps in (
        ("internal", "100", RING_GROUP),
        ("internal", "110", _forwarding("tT")),
        ("incoming", "110", _forwarding("t")),
    ):
        for number, (app, appdata) in enumerate(steps, start=1):
            row_id = len(rows) + 1
            rows.append(RealtimeRow(id=row_id, context=context, exten=exten, priority=number,
                                    app=app, appdata=appdata))  # fmt: skip
    return rows


def test_from_rows_with_the_evolvex_examples() -> None:
    rows = _seed_rows()
    dialplan = Dialplan.from_rows(reversed(rows), globals=[("MIXMONITOR_COMMAND", "x ${UNIQUEID}")])
    assert dialplan.warnings == ()
    assert dialplan.context_names() == ["internal", "incoming"]  # in id order
    assert dialplan.globals == (("MIXMONITOR_COMMAND", "x ${UNIQUEID}"),)
    for number, (app, appdata) in enumerate(RING_GROUP, start=1):
        match = dialplan.find("internal", "100", number)
        assert match is not None
        assert (match.priority.app, match.priority.appdata) == (app, appdata)
        assert match.priority.source == f"realtime:{number}"
        assert match.priority.label is None
    assert not dialplan.exists("internal", "100", 7)
    internal = dialplan.find("internal", "110", 2)
    incoming = dialplan.find("incoming", "110", 2)
    assert internal is not None and internal.priority.appdata == "SIP/user-110-office,15,tT"
    assert incoming is not None and incoming.priority.appdata == "SIP/user-110-office,15,t"
    assert _landed(dialplan, "internal", "110", 4) == "internal:"


def test_rows_and_the_conf_file_load_to_equal_dialplans() -> None:
    assert Dialplan.from_rows(_seed_rows()) == load_extensions_conf(DATA / "evolvex.conf")


def test_unusable_and_duplicate_rows_warn() -> None:
    def row(row_id: int, exten: str, priority: int, app: str = "NoOp") -> RealtimeRow:
        return RealtimeRow(
            id=row_id, context="c", exten=exten, priority=priority, app=app, appdata=""
        )

    dialplan = Dialplan.from_rows(
        [row(5, "5551234", 1), row(3, "555-1234", 1, app=" Dial "), row(7, "1", 0),
         row(8, "2", 1, app=""), row(9, "a,b", 1), row(10, "100/_0.", 1)]
    )  # fmt: skip
    match = dialplan.find("c", "5551234", 1)
    assert match is not None and match.priority.app == "Dial"  # lower id first, app trimmed
    assert dialplan.exists("c", "100", caller_id="0123")
    assert not dialplan.exists("c", "100", caller_id="555")
    assert dialplan.warnings == (
        "realtime:5: extension '5551234' in context 'c': priority 1 already defined at "
        "realtime:3; ignored",
        "realtime:7: row ignored: priority number must be 1 or more, not 0",
        "realtime:8: row ignored: application name '' must be non-empty without surrounding blanks",
        "realtime:9: row ignored: extension name 'a,b' must not contain a line break, ',' or '/'",
    )


def test_to_rows_drops_labels_and_keeps_caller_id_qualifiers() -> None:
    dialplan = _parse(
        "[a]\nexten => 1,1(start),NoOp(x)\nsame => n,Goto(start)\nexten => 2/_0.,1,NoOp\n"
        "exten => 3,hint,PJSIP/3\ninclude => b\n[b]\nexten => s,1,Hangup\n"
    )
    rows = dialplan.to_rows()
    assert rows == [
        RealtimeRow(id=1, context="a", exten="1", priority=1, app="NoOp", appdata="x"),
        RealtimeRow(id=2, context="a", exten="1", priority=2, app="Goto", appdata="start"),
        RealtimeRow(id=3, context="a", exten="2/_0.", priority=1, app="NoOp", appdata=""),
        RealtimeRow(id=4, context="b", exten="s", priority=1, app="Hangup", appdata=""),
    ]
    back = Dialplan.from_rows(rows)
    assert back.to_rows() == rows
    assert back.find_label("a", "1", "start") is None
    assert back.contexts["a"].includes == ()


# -- merge -----------------------------------------------------------------------------------


def test_merge_adds_or_replaces_contexts() -> None:
    base = _parse(
        "[general]\nautofallthrough=no\n[globals]\nA=1\nB=2\n"
        "[ctx]\nexten => 1,1,NoOp(base)\ninclude => x\n[keep]\nexten => k,1,NoOp\n"
    )
    extra = _parse(
        "[globals]\nB=3\nC=4\n"
        "[ctx]\nexten => 1,1,NoOp(extra)\nexten => 1,2,NoOp(extra two)\nexten => 2,1,NoOp\n"
        "include => x\ninclude => y\n[new]\nexten => n,1,NoOp\n"
    )
    merged = base.merge(extra, replace_contexts=False)
    assert merged.context_names() == ["ctx", "keep", "new"]
    assert merged.globals == (("A", "1"), ("B", "3"), ("C", "4"))
    assert merged.autofallthrough is False
    assert _landed(merged, "ctx", "1") == "ctx:base"
    assert _landed(merged, "ctx", "1", 2) == "ctx:extra two"
    assert merged.exists("ctx", "2")
    assert merged.contexts["ctx"].includes == (Include(context="x"), Include(context="y"))
    assert merged.warnings == (
        "x.conf:5: extension '1' in context 'ctx': priority 1 already defined at x.conf:7; ignored",
    )
    replaced = base.merge(extra, replace_contexts=True)
    assert replaced.contexts["ctx"] == extra.contexts["ctx"]
    assert replaced.contexts["keep"] == base.contexts["keep"]
    assert replaced.warnings == ()


# -- export ----------------------------------------------------------------------------------


def test_export_writes_explicit_numbers_and_labels() -> None:
    dialplan = _parse(
        "[general]\nautofallthrough=no\n[globals]\nT=>x\n"
        "[ctx]\nexten => 1,1(start),Set(a=b\\;c)\nsame => n,Hangup\n"
        "exten => 2/,1,NoOp\ninclude => other,9:00-17:00,mon-fri,*,*\nswitch => Realtime/db\n"
        "exten => 1,hint,PJSIP/1\n"
    )
    text = dialplan.to_extensions_conf()
    assert text == (
        "[general]\nautofallthrough=no\n\n[globals]\nT = x\n\n"
        "[ctx]\ninclude => other,9:00-17:00,mon-fri,*,*\nswitch => Realtime/db\n"
        "exten => 1,hint,PJSIP/1\n"
        "exten => 1,1(start),Set(a=b\\;c)\nexten => 1,2,Hangup()\nexten => 2/,1,NoOp()\n"
    )
    assert _parse(text) == dialplan


@pytest.mark.parametrize(
    ("dialplan", "message"),
    [
        (Dialplan(globals=(("A", " x"),)), "global A=' x' cannot be written to extensions.conf"),
        (Dialplan(globals=(("[A", "x"),)), "global [A='x' cannot be written to extensions.conf"),
        (Dialplan(globals=(("A=B", "x"),)),
         "global name 'A=B' must not contain a line break or '='"),
        (Dialplan(contexts={"General": Context(name="General")}),
         "a context cannot be called 'General' in extensions.conf"),
        (Dialplan(contexts={"a]": Context(name="a]")}),
         "context name 'a]' must not contain a line break, '[' or ']'"),
    ],
)  # fmt: skip
def test_export_refuses_what_the_syntax_cannot_hold(dialplan: Dialplan, message: str) -> None:
    with pytest.raises(ValueError) as caught:
        dialplan.to_extensions_conf()
    assert str(caught.value) == message


_NAMES = st.sampled_from(
    ["100", "101", "555-1234", "s", "h", "i", "_X.", "_x.", "_NXX", "_1!", "_[1-3]X", "_.",
     "a;b", "+7123"]
)  # fmt: skip
_TEXT = st.text(alphabet=" ,;()[]\"'\\$=abc{}|>-", max_size=12).filter(lambda t: "${" not in t)
_SPECS = st.sampled_from([None, "9:00-17:00,mon-fri,*,*", "*,sat&sun", "22:00-06:00|*|*|*"])


@st.composite
def _extensions(draw: st.DrawFn) -> Extension:
    numbers = draw(st.lists(st.integers(1, 12), min_size=1, max_size=4, unique=True))
    labels = draw(st.lists(st.sampled_from(["start", "retry", "a;b", "x y"]), unique=True))
    priorities = tuple(
        Priority(
            number=number,
            label=labels[index] if index < len(labels) else None,
            app=draw(st.sampled_from(["NoOp", "Dial", "Set", "Goto", "Hangup"])),
            appdata=draw(_TEXT),
            source="generated",
        )
        for index, number in enumerate(numbers)
    )
    cid = draw(st.sampled_from([None, None, "", "_0.", "5551234"]))
    return Extension(name=draw(_NAMES), cid=cid, priorities=priorities)


@st.composite
def _dialplans(draw: st.DrawFn) -> Dialplan:
    names = draw(st.lists(st.sampled_from(["a", "b", "internal", "from-trunk", "Ctx"]),
                          min_size=1, max_size=4, unique=True))  # fmt: skip
    contexts = {}
    for name in names:
        extensions = {ext.key: ext for ext in draw(st.lists(_extensions(), max_size=5))}
        hints = {
            hint: (hint, f"PJSIP/{hint}")
            for hint in draw(st.lists(st.sampled_from(["100", "_2XX"])))
        }
        included = draw(st.lists(st.sampled_from(names), unique=True, max_size=3))
        contexts[name] = Context(
            name=name,
            extensions=tuple(extensions.values()),
            includes=tuple(
                Include(context=other, timespec=None if spec is None else TimeSpec.parse(spec))
                for other in included
                for spec in [draw(_SPECS)]
            ),
            switches=tuple(
                draw(st.lists(st.sampled_from(["Realtime/x", "Realtime/y@t"]), unique=True))
            ),
            hints=tuple(hints.values()),
        )
    values = st.text(alphabet="abc ;=>,", max_size=6).map(str.strip)
    global_values = draw(st.dictionaries(st.sampled_from(["A", "B", "LONG_NAME"]), values))
    return Dialplan(
        contexts=contexts,
        globals=tuple(global_values.items()),
        autofallthrough=draw(st.booleans()),
    )


@settings(max_examples=60, deadline=None)
@given(_dialplans())
def test_export_parses_back_to_an_equal_dialplan(dialplan: Dialplan) -> None:
    text = dialplan.to_extensions_conf()
    back = parse_extensions_conf(text, filename="export.conf")
    assert back == dialplan
    assert back.to_extensions_conf() == text
