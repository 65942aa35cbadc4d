"""Gosub, GosubIf, Return, StackPop; LOCAL, LOCAL_PEEK, STACK_PEEK; hangup handlers."""

from __future__ import annotations

import logging

import pytest

from tests.dialplan.fake_channel import Switch

_SUB = (
    "[sub]\n"
    "exten => s,1,Set(SEEN=${ARGC}:${ARG1}:${ARG2}:${ARG3})\n"
    " same => n,Return(${ARG1}-done)\n"
)


async def test_gosub_passes_arguments_and_return_continues_after_it() -> None:
    switch = Switch.from_conf(
        "[c]\nexten => s,1,Gosub(sub,s,1(a,\"b,c\"))\n"
        " same => n,Set(AFTER=${GOSUB_RETVAL}|${ARG1}|${ARGC})\n" + _SUB
    )
    channel = await switch.call("c")
    # Arguments keep their quotes (Asterisk splits them raw) and vanish on Return.
    assert channel.var("SEEN") == '2:a:"b,c":'
    assert channel.var("AFTER") == "a-done||"
    assert switch.executed() == ["s@c:1 Gosub", "s@sub:1 Set", "s@sub:2 Return", "s@c:2 Set"]


async def test_gosub_takes_goto_addresses_and_labels() -> None:
    switch = Switch.from_conf(
        "[c]\nexten => s,1,Gosub(later)\n same => n,Gosub(100,1)\n same => n,Hangup()\n"
        " same => n(later),Set(A=${EXTEN})\n same => n,Return()\n"
        "exten => 100,1,Set(B=${EXTEN})\n same => n,Return()\n"
    )
    channel = await switch.call("c")
    assert (channel.var("A"), channel.var("B")) == ("s", "100")
    assert channel.calls == [("hangup", None)]


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("sub,nolabel", "Gosub address is invalid: 'sub,nolabel'"),
        ("sub,s,7", "Attempt to reach a non-existent destination for Gosub: "
                    "(Context:sub, Extension:s, Priority:7)"),
        ("nosuch,s,1", "(Context:nosuch, Extension:s, Priority:1)"),
    ],
)
async def test_gosub_to_nowhere_fails_and_hangs_up(
    target: str, message: str, caplog: pytest.LogCaptureFixture
) -> None:
    switch = Switch.from_conf(
        f"[c]\nexten => s,1,Gosub({target})\n same => n,Set(AFTER=1)\n"
        "exten => h,1,Set(H=${CONTEXT})\n" + _SUB
    )
    channel = await switch.call("c")
    assert channel.var("AFTER") is None
    # The location was put back, so h of the calling context runs.
    assert channel.var("H") == "c"
    assert message in caplog.text


async def test_gosub_without_an_argument_fails(caplog: pytest.LogCaptureFixture) -> None:
    switch = Switch.from_conf("[c]\nexten => s,1,Gosub()\n same => n,Set(AFTER=1)\n")
    channel = await switch.call("c")
    assert channel.var("AFTER") is None
    assert "Gosub requires an argument" in caplog.text


async def test_nested_gosub_masks_the_outer_arguments() -> None:
    switch = Switch.from_conf(
        "[c]\nexten => s,1,Gosub(outer,s,1(x,y,z))\n"
        "[outer]\nexten => s,1,Gosub(inner,s,1(only))\n"
        " same => n,Set(OUTER=${ARGC}:${ARG1}${ARG2}${ARG3}:${GOSUB_RETVAL})\n"
        " same => n,Return()\n"
        "[inner]\nexten => s,1,Set(INNER=${ARGC}:${ARG1}|${ARG2}|${ARG3})\n"
        " same => n,Return(in)\n"
    )
    channel = await switch.call("c")
    assert channel.var("INNER") == "1:only||"
    assert channel.var("OUTER") == "3:xyz:in"


async def test_return_without_gosub_hangs_up(caplog: pytest.LogCaptureFixture) -> None:
    switch = Switch.from_conf("[c]\nexten => s,1,Return(x)\n same => n,Set(AFTER=1)\n")
    channel = await switch.call("c")
    assert channel.var("AFTER") is None
    assert "Return without Gosub: stack is empty" in caplog.text


async def test_return_keeps_commas_of_its_value() -> None:
    switch = Switch.from_conf(
        "[c]\nexten => s,1,Gosub(r,s,1)\n same => n,Set(V=${GOSUB_RETVAL})\n"
        "[r]\nexten => s,1,Return(a,b)\n"
    )
    channel = await switch.call("c")
    assert channel.var("V") == "a,b"


@pytest.mark.parametrize(
    ("condition", "expected"), [("1", "yes"), ("0", "no"), ("", "no"), ("abc", "yes")]
)
async def test_gosubif_calls_the_chosen_branch(condition: str, expected: str) -> None:
    switch = Switch.from_conf(
        f"[c]\nexten => s,1,GosubIf({condition}?yes,s,1(a:b):no,s,1)\n"
        " same => n,Set(BACK=${GOSUB_RETVAL})\n"
        "[yes]\nexten => s,1,Return(yes:${ARG1})\n"
        "[no]\nexten => s,1,Return(no)\n"
    )
    channel = await switch.call("c")
    # The ':' inside the parentheses does not split the branches.
    assert channel.var("BACK") == ("yes:a:b" if expected == "yes" else "no")


async def test_gosubif_without_a_branch_or_a_question_mark_continues(
    caplog: pytest.LogCaptureFixture,
) -> None:
    switch = Switch.from_conf(
        "[c]\nexten => s,1,GosubIf(0?yes,s,1)\n same => n,GosubIf(1)\n"
        " same => n,GosubIf(1?:yes,s,1)\n same => n,Set(AFTER=1)\n"
        "[yes]\nexten => s,1,Set(CALLED=1)\n same => n,Return()\n"
    )
    channel = await switch.call("c")
    assert (channel.var("AFTER"), channel.var("CALLED")) == ("1", None)
    assert "GosubIf requires an argument" in caplog.text


async def test_local_variables_get_their_old_values_back_on_return() -> None:
    switch = Switch.from_conf(
        "[c]\nexten => s,1,Set(X=outer)\n same => n,Gosub(sub,s,1)\n"
        " same => n,Set(AFTER=${X}|${Y}|${LOCAL(X)})\n"
        "[sub]\nexten => s,1,Set(LOCAL(X)=inner)\n same => n,Set(LOCAL(Y)=new)\n"
        " same => n,Set(X=${X}2)\n"
        " same => n,Set(INSIDE=${X}|${LOCAL(X)}|${LOCAL(Z)}|${LOCAL_PEEK(1,X)})\n"
        " same => n,Return()\n"
    )
    channel = await switch.call("c")
    assert channel.var("INSIDE") == "inner2|inner2||outer"
    assert channel.var("AFTER") == "outer||"
    # The switch heard the values come back (it mirrors variables for AGI and AMI).
    assert ("X", "outer") in channel.variable_log[-4:]


async def test_local_outside_gosub_is_an_error(caplog: pytest.LogCaptureFixture) -> None:
    switch = Switch.from_conf(
        "[c]\nexten => s,1,Set(LOCAL(X)=1)\n same => n,Set(R=${X}|${LOCAL(X)})\n"
    )
    channel = await switch.call("c")
    assert channel.var("R") == "|"
    assert "Tried to set LOCAL(X), but we aren't within a Gosub routine" in caplog.text


async def test_local_peek_looks_through_nested_frames() -> None:
    switch = Switch.from_conf(
        "[c]\nexten => s,1,Set(V=0)\n same => n,Gosub(a,s,1)\n"
        "[a]\nexten => s,1,Set(LOCAL(V)=1)\n same => n,Gosub(b,s,1)\n same => n,Return()\n"
        "[b]\nexten => s,1,Set(LOCAL(V)=2)\n"
        " same => n,Set(P=${LOCAL_PEEK(0,V)}${LOCAL_PEEK(1,V)}${LOCAL_PEEK(2,V)}"
        "[${LOCAL_PEEK(3,V)}][${LOCAL_PEEK(-1,V)}])\n"
        " same => n,Return()\n"
    )
    channel = await switch.call("c")
    assert channel.var("P") == "210[][2]"


async def test_stack_peek_names_where_each_frame_was_called_from(
    caplog: pytest.LogCaptureFixture,
) -> None:
    switch = Switch.from_conf(
        "[c]\nexten => 5,1,NoOp()\n same => n,Gosub(a,s,1)\n"
        "[a]\nexten => s,1,Gosub(b,s,1)\n same => n,Return()\n"
        "[b]\nexten => s,1,Set(L=${STACK_PEEK(1,l)}|${STACK_PEEK(2,label)})\n"
        " same => n,Set(P=${STACK_PEEK(2,c)}/${STACK_PEEK(2,e)}/${STACK_PEEK(2,p)})\n"
        " same => n,Set(Q=[${STACK_PEEK(3,c,yes)}][${STACK_PEEK(0,c)}][${STACK_PEEK(1,x)}])\n"
        " same => n,Return()\n"
    )
    channel = await switch.call("c", "5")
    assert channel.var("L") == "a,s,1|c,5,2"
    assert channel.var("P") == "c/5/2"
    assert channel.var("Q") == "[][][]"
    assert "STACK_PEEK must be called with a positive peek value" in caplog.text
    assert "Unknown argument 'x' to STACK_PEEK" in caplog.text
    assert "more stack frames" not in caplog.text


async def test_stackpop_forgets_the_return_address() -> None:
    switch = Switch.from_conf(
        "[c]\nexten => s,1,Gosub(a,s,1)\n same => n,Set(BACK_IN_C=1)\n"
        "[a]\nexten => s,1,Gosub(b,s,1)\n same => n,Set(BACK_IN_A=${ARG1})\n"
        " same => n,Return()\n"
        "[b]\nexten => s,1,StackPop()\n same => n,Return()\n"
    )
    channel = await switch.call("c")
    # b's Return goes back past b's own frame, to a's caller.
    assert (channel.var("BACK_IN_C"), channel.var("BACK_IN_A")) == ("1", None)


async def test_stackpop_on_an_empty_stack_warns_and_continues(
    caplog: pytest.LogCaptureFixture,
) -> None:
    switch = Switch.from_conf("[c]\nexten => s,1,StackPop()\n same => n,Set(AFTER=1)\n")
    channel = await switch.call("c")
    assert channel.var("AFTER") == "1"
    assert "StackPop called with an empty gosub stack" in caplog.text


async def test_hangup_in_a_subroutine_runs_h_of_its_context_with_locals_intact() -> None:
    switch = Switch.from_conf(
        "[c]\nexten => s,1,Gosub(sub,s,1(arg))\nexten => h,1,Set(H_C=1)\n"
        "[sub]\nexten => s,1,Set(LOCAL(L)=here)\n same => n,Hangup()\n"
        "exten => h,1,Set(H_SUB=${EXTEN}:${ARG1}:${L})\n"
    )
    channel = await switch.call("c")
    assert (channel.var("H_SUB"), channel.var("H_C")) == ("h:arg:here", None)


# -- hangup handlers -----------------------------------------------------------------------


_HANDLERS = (
    "[handlers]\n"
    "exten => s,1,Set(RAN=${RAN}[${ARG1}@${CHANNEL(checkhangup)}])\n"
    " same => n,Return()\n"
    "exten => fail,1,Set(RAN=${RAN}[fail])\n"
    " same => n,Wait(1)\n"
    " same => n,Set(RAN=${RAN}[never])\n"
)


async def test_hangup_handlers_run_after_h_the_last_pushed_first() -> None:
    switch = Switch.from_conf(
        "[c]\nexten => s,1,Set(CHANNEL(hangup_handler_push)=handlers,s,1(one))\n"
        " same => n,Set(CHANNEL(hangup_handler_push)=handlers,s,1(two))\n"
        " same => n,Hangup()\n"
        "exten => h,1,Set(RAN=${RAN}[h])\n" + _HANDLERS
    )
    channel = await switch.call("c")
    assert channel.var("RAN") == "[h][two@1][one@1]"
    # Each handler came back to where the channel was, and said nothing more.
    assert switch.states[0].location.exten == "h"


async def test_hangup_handler_pop_and_wipe_change_the_list() -> None:
    switch = Switch.from_conf(
        "[c]\nexten => s,1,Set(CHANNEL(hangup_handler_push)=handlers,s,1(a))\n"
        " same => n,Set(CHANNEL(hangup_handler_push)=handlers,s,1(b))\n"
        " same => n,Set(CHANNEL(hangup_handler_pop)=)\n"
        " same => n,Set(CHANNEL(hangup_handler_pop)=handlers,s,1(c))\n"
        " same => n,Set(CHANNEL(hangup_handler_push)=handlers,s,1(d))\n"
        " same => n,Set(CHANNEL(hangup_handler_wipe)=handlers,s,1(e))\n"
        " same => n,Set(CHANNEL(hangup_handler_push)=handlers,s,1(f))\n" + _HANDLERS
    )
    channel = await switch.call("c")
    assert channel.var("RAN") == "[f@1][e@1]"


async def test_hangup_handler_addresses_are_completed_when_pushed() -> None:
    switch = Switch.from_conf(
        "[c]\nexten => s,1,Set(CHANNEL(hangup_handler_push)=later(x))\n"
        " same => n,Goto(other,s,1)\n"
        " same => n(later),Set(WHERE=${CONTEXT}:${ARG1})\n same => n,Return()\n"
        "[other]\nexten => s,1,Set(CHANNEL(hangup_handler_push)=h2,1)\n"
        " same => n,Hangup()\n"
        "exten => h2,1,Set(SECOND=${CONTEXT}${EXTEN})\n same => n,Return()\n"
    )
    channel = await switch.call("c")
    assert switch.states[0].hangup_handlers == []
    assert (channel.var("WHERE"), channel.var("SECOND")) == ("c:x", "otherh2")


async def test_a_hangup_handler_that_fails_or_never_returns_is_abandoned(
    caplog: pytest.LogCaptureFixture,
) -> None:
    switch = Switch.from_conf(
        "[c]\nexten => s,1,Set(CHANNEL(hangup_handler_push)=handlers,s,1(last))\n"
        " same => n,Set(CHANNEL(hangup_handler_push)=handlers,fail,1)\n"
        " same => n,Set(CHANNEL(hangup_handler_push)=nosuch,s,1)\n" + _HANDLERS
    )
    with caplog.at_level(logging.INFO):
        channel = await switch.call("c")
    # Media fails on the hung-up channel; the next handler still runs, from the start.
    assert channel.var("RAN") == "[fail][last@1]"
    assert channel.var("GOSUB_RETVAL") == ""
    assert switch.states[0].frames == ()
    assert "Abnormal 'Gosub(handlers,fail,1)' exit" in caplog.text
    assert "(Context:nosuch, Extension:s, Priority:1)" in caplog.text


async def test_a_hangup_handler_may_push_another_which_runs_next() -> None:
    switch = Switch.from_conf(
        "[c]\nexten => s,1,Set(CHANNEL(hangup_handler_push)=chain,s,1)\n"
        "[chain]\nexten => s,1,Set(CHANNEL(hangup_handler_push)=chain,next,1)\n"
        " same => n,Set(RAN=${RAN}[first])\n same => n,Return()\n"
        "exten => next,1,Set(RAN=${RAN}[next])\n same => n,Return()\n"
    )
    channel = await switch.call("c")
    assert channel.var("RAN") == "[first][next]"


async def test_stackpop_cannot_drop_a_hangup_handlers_own_frame() -> None:
    switch = Switch.from_conf(
        "[c]\nexten => s,1,Set(CHANNEL(hangup_handler_push)=hh,s,1)\n"
        "[hh]\nexten => s,1,StackPop()\n same => n,Set(AFTER=1)\n same => n,Return()\n"
    )
    channel = await switch.call("c")
    assert channel.var("AFTER") is None
    assert switch.states[0].frames == ()


async def test_hangup_handlers_run_after_an_originated_application() -> None:
    switch = Switch.from_conf(_HANDLERS)
    channel = switch.channel()
    await switch.interpreter.run_application(
        channel, "Set", "CHANNEL(hangup_handler_push)=handlers,s,1(app)"
    )
    assert channel.var("RAN") == "[app@1]"
