"""The live layer's own parts (tools/check_live.py), without a browser.

The layer itself runs in ``make test-live``, with its guard notebooks; these
tests check what it reads: kernel websocket frames in the three encodings,
the errors it counts (a traceback on stderr, not a progress bar), the figure
cells it finds in the chapters, and that every guard has an expectation.
"""

from __future__ import annotations

import json

import pytest

from conftest import CHAPTERS, ROOT, load_tool

live = load_tool("check_live")
GUARD_DIR = ROOT / "tests" / "guards" / "live_guards"


def message(msg_type, content, parent="p-1", msg_id="m-1"):
    return {
        "header": {"msg_id": msg_id, "msg_type": msg_type},
        "parent_header": {"msg_id": parent},
        "metadata": {},
        "content": content,
    }


def v1_frame(msg, channel="iopub", buffers=()):
    """Encode as jupyter_server 2 does (v1.kernel.websocket.jupyter.org)."""
    parts = [json.dumps(msg[k]).encode() for k in live.V1_PARTS] + list(buffers)
    chunks = [channel.encode(), *parts]
    offsets = [8 * (len(chunks) + 2)]
    for chunk in chunks:
        offsets.append(offsets[-1] + len(chunk))
    head = len(offsets).to_bytes(8, "little")
    return head + b"".join(o.to_bytes(8, "little") for o in offsets) + b"".join(chunks)


def legacy_binary_frame(msg, buffers):
    """The JSON protocol's form of a message with binary buffers."""
    body = json.dumps({**msg, "channel": "iopub"}).encode()
    pieces = [body, *buffers]
    offsets, at = [], 4 * (len(pieces) + 1)
    for piece in pieces:
        offsets.append(at)
        at += len(piece)
    head = len(pieces).to_bytes(4, "big")
    return head + b"".join(o.to_bytes(4, "big") for o in offsets) + b"".join(pieces)


def test_v1_frame_is_decoded():
    msg = message("status", {"execution_state": "idle"})
    decoded = live.decode_frame(v1_frame(msg, buffers=[b"\x00\x01binary"]))
    assert decoded["channel"] == "iopub"
    assert decoded["header"]["msg_type"] == "status"
    assert decoded["parent_header"]["msg_id"] == "p-1"
    assert decoded["content"] == {"execution_state": "idle"}


def test_v1_frame_matches_jupyter_servers_own_encoder():
    base = pytest.importorskip("jupyter_server.services.kernels.connection.base")
    msg = message("execute_request", {"code": "1 + 1"})
    frame = base.serialize_msg_to_ws_v1(
        msg, "shell", pack=lambda d: json.dumps(d).encode()
    )
    assert frame == v1_frame(msg, channel="shell")
    assert live.decode_frame(frame)["content"] == {"code": "1 + 1"}


def test_json_and_legacy_binary_frames_are_decoded():
    msg = message("comm_msg", {"data": {"method": "update"}})
    assert live.decode_frame(json.dumps({**msg, "channel": "shell"}))["channel"] == (
        "shell"
    )
    decoded = live.decode_frame(legacy_binary_frame(msg, [b"\xff\xfe buffer"]))
    assert decoded["header"]["msg_type"] == "comm_msg"


@pytest.mark.parametrize(
    "payload",
    ['{"schema_id": "events", "action": "get"}', "not json", b"\x00\x01\x02", b""],
)
def test_frames_that_are_not_kernel_messages_give_none(payload):
    assert live.decode_frame(payload) is None


def test_kernel_log_tracks_cells_redraws_and_errors():
    log = live.KernelLog()
    log.sent(v1_frame(message("execute_request", {}, msg_id="e1"), "shell"))
    log.sent(v1_frame(message("comm_msg", {}, msg_id="c1"), "shell"))
    log.received(v1_frame(message("execute_reply", {"status": "ok"}, parent="e1")))
    log.received(v1_frame(message("status", {"execution_state": "idle"}, parent="c1")))
    assert log.executes == ["e1"] and log.replies == {"e1": "ok"}
    assert log.comm_msgs == ["c1"] and "c1" in log.idle
    assert log.take_errors() == []


def test_a_traceback_counts_as_an_error_and_a_progress_bar_does_not():
    log = live.KernelLog()
    bar = {"name": "stderr", "text": "training: 100%|##########| 300/300 [00:01]"}
    log.received(v1_frame(message("stream", bar)))
    log.received(v1_frame(message("stream", {"name": "stdout", "text": "Traceback"})))
    assert log.take_errors() == []
    logged = {
        "name": "stderr",
        "text": "Exception in comm_msg for abc\nTraceback (most recent call last):\n"
        '  File "x.py", line 1\nRuntimeError: boom\n',
    }
    log.received(v1_frame(message("stream", logged)))
    error = {"ename": "AssertionError", "evalue": "wrong", "traceback": []}
    log.received(v1_frame(message("error", error)))
    errors = log.take_errors()
    assert len(errors) == 2 and "RuntimeError: boom" in errors[0]
    assert errors[1] == "AssertionError: wrong"
    assert log.take_errors() == [], "each error is reported once"


def test_every_guard_notebook_has_an_expectation_and_one_is_the_control():
    names = {p.name for p in GUARD_DIR.glob("*.ipynb")}
    assert names == set(live.GUARDS)
    assert [n for n, why in live.GUARDS.items() if why is None] == ["control.ipynb"]


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_every_chapter_has_a_figure_widget_the_layer_finds(path):
    n_code, figures = live.figure_cells(path)
    assert figures and n_code > len(figures)


def test_allow_lists_give_reasons_and_stay_narrow():
    for pattern, reason in [*live.ALLOWED_CONSOLE, *live.ALLOWED_REQUESTS]:
        assert len(reason) > 40, f"{pattern}: say why it is allowed"
    base = "http://127.0.0.1:8888"
    assert live.allowed(
        f"404 {base}/static/components/codemirror/mode/%7Bprf:proof%7D/x.js",
        live.ALLOWED_REQUESTS,
    )
    for url in ["/static/widgets.js", "/nbextensions/jupyter-js-widgets/extension.js"]:
        assert not live.allowed(f"404 {base}{url}", live.ALLOWED_REQUESTS)
    assert not live.allowed("uncaught: Error: x", live.ALLOWED_CONSOLE)


def test_run_all_waits_for_a_settled_kernel_connection(monkeypatch):
    clock = [100.0]
    monkeypatch.setattr(live.time, "monotonic", lambda: clock[0])
    log = live.KernelLog()
    clock[0] += 10
    assert not log.settled(), "no kernel_info_reply yet"
    log.sent(v1_frame(message("kernel_info_request", {}, msg_id="k1"), "shell"))
    reply = message("kernel_info_reply", {"status": "ok"}, parent="k1")
    log.received(v1_frame(reply, "shell"))
    assert log.connected and not log.settled(), "a message was just sent"
    clock[0] += live.SETTLE / 2
    log.sent(v1_frame(message("comm_info_request", {}, msg_id="c1"), "shell"))
    clock[0] += live.SETTLE * 0.9
    assert not log.settled(), "the quiet time restarts with every message sent"
    clock[0] += live.SETTLE * 0.2
    assert log.settled()


def test_the_debugger_allowance_is_that_one_message():
    message_text = (
        "Could not restore the debugger state: Canceled future for debug_request "
        "message before replies were done"
    )
    assert live.allowed(message_text, live.ALLOWED_CONSOLE)
    assert not live.allowed(
        "Could not restore the debugger state: TypeError: x", live.ALLOWED_CONSOLE
    )
    assert not live.allowed(
        "Canceled future for execute_request message before replies were done",
        live.ALLOWED_CONSOLE,
    )
