"""The /rawman, /mxml and /manager bodies made from a reply's AMI bytes (no I/O)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from http_api.ami.formats import Field, Format, blocks, render, to_html, to_xml, xml_name

PING = (b"Response: Success\r\nActionID: 7\r\nPing: Pong\r\n"
        b"Timestamp: 1700000000.123456\r\n\r\n")
COMMAND = (b"Response: Error\r\nMessage: Command output follows\r\n"
           b"Output: No such command 'x <a&'b\">'\r\nOutput: second\r\nOutput: third\r\n\r\n"
           b"Event: FullyBooted\r\nPrivilege: system,all\r\nCause-txt: ok\r\n1st: x\r\n\r\n")


def test_ping_as_in_the_reference() -> None:
    assert to_xml(PING) == (
        "<ajax-response>\n"
        "<response type='object' id='unknown'><generic response='Success' actionid='7'"
        " ping='Pong' timestamp='1700000000.123456' /></response>\n"
        "</ajax-response>\n"
    )


def test_escaping_repeats_and_names() -> None:
    text = to_xml(COMMAND)
    assert ("<generic response='Error' message='Command output follows'"
            " output='No such command &apos;x &lt;a&amp;&apos;b&quot;&gt;&apos;'"
            " output-2='second' output-3='third' />") in text
    assert "<generic event='FullyBooted' privilege='system,all' cause_txt='ok' _1st='x' />" in text
    root = ET.fromstring(text)
    first, second = (response[0] for response in root)
    assert first.attrib["output"] == "No such command 'x <a&'b\">'"
    assert second.attrib["_1st"] == "x"


def test_ajaxdest_and_objtype_replace_the_defaults() -> None:
    body = render(Format.XML, PING, [("action", "ping"), ("AjaxDest", "pane"),
                                     ("ajaxobjtype", "pong")]).decode()
    assert "<response type='object' id='pane'><pong response='Success'" in body


def test_lines_without_colon_become_opaque_data_to_the_end_of_the_block() -> None:
    data = b"Response: Follows\r\nfree text\r\nmore: text\r\n\r\nEvent: X\r\n\r\n"
    assert blocks(data) == [
        [Field("Response", "Follows"), Field("Opaque-data", "free text\nmore: text")],
        [Field("Event", "X")],
    ]
    assert "opaque_data='free text\nmore: text'" in to_xml(data)


def test_blocks_tolerate_bare_lf_and_a_missing_final_blank_line() -> None:
    assert blocks(b"A: 1\nB:2\n\n\nC: 3") == [[Field("A", "1"), Field("B", "2")],
                                            [Field("C", "3")]]
    assert blocks(b"") == []


@pytest.mark.parametrize(("name", "expected"), [
    ("ActionID", "actionid"), ("Cause-txt", "cause_txt"), ("CID-CallingPres", "cid_callingpres"),
    ("1x", "_1x"), ("Ä b", "__b"), ("", "_"),
])
def test_xml_names(name: str, expected: str) -> None:
    assert xml_name(name) == expected


def test_html_rows_and_rules() -> None:
    page = to_html(COMMAND)
    assert page.startswith("<title>")
    assert '<form action="manager" method="post">' in page
    assert "<tr><td>Response</td><td>Error</td></tr>\n" in page
    assert ("<tr><td>Output</td><td>No such command &apos;x &lt;a&amp;&apos;b&quot;&gt;"
            "&apos;</td></tr>\n<tr><td>Output-2</td><td>second</td></tr>\n") in page
    assert page.count('<tr><td colspan="2"><hr></td></tr>\r\n') == 2
    assert page.endswith("</table></body>\r\n")


def test_raw_is_the_bytes_themselves() -> None:
    assert render(Format.RAW, COMMAND, [("ajaxdest", "x")]) == COMMAND
    assert [fmt.content_type for fmt in Format] == ["text/plain", "text/html", "text/xml"]
