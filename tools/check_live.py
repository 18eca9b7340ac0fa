"""Run chapters in a real notebook front end and move every widget control.

What a student does on Colab or in JupyterLab, done by headless Chromium
(Playwright) against a notebook server started on a free localhost port:

1. open the notebook (a copy in a scratch folder, so autosave never touches
   the repository) and, once its kernel connection has settled, click *Run
   All* (again if the front end did not send every code cell);
2. wait until the kernel has answered every cell, and fail on any cell that
   did not finish ``ok``;
3. find each interactive figure (a cell that calls ``interactive_figure(``):
   its controls must be rendered by the front end's widget manager, with the
   figure below them;
4. move every control through its whole range: a slider to its maximum and
   then to its minimum by keyboard (End, Home), a dropdown through every
   option in turn; after each move that changes the value, wait until the
   kernel is idle again and check that the figure's image changed (a figure
   that breaks only at one end of a slider, or at one option, is caught);
5. fail on any error the kernel sent (an ``error`` message, or a traceback on
   stderr, which is where ipykernel logs an exception raised in a widget
   callback) and on any JavaScript error in the browser console.

Screenshots of each figure cell's output before and after every change go to
``_build/screenshots/live/<front end>/<notebook>/``.
A notebook that fails also leaves ``failure.png`` (the whole page) and
``kernel-messages.txt`` (one line per kernel message, in order) there.

Two front ends (``--frontend``):

``lab``
    JupyterLab 4 with the book's pinned ipywidgets 8 (``.venv``).
``classic``
    The classic Notebook 6.5 with the Colab-like environment (``.venv-colab``,
    ipywidgets 7.7.1), the front end closest to Colab's.

``--guards DIR`` also runs the guard notebooks of DIR in the same server: the
control notebook must pass, and every other one must fail with the reason
``GUARDS`` names (a callback that raises; a figure that never redraws; a
figure that raises only at a slider's minimum, or only at a dropdown's last
option), so the
layer is shown to be able to fail. Kernel messages are read from the
notebook's websocket (both the JSON protocol and the binary v1 protocol of
jupyter_server 2); see :func:`decode_frame`.

Usage: ``python tools/check_live.py --frontend lab chapters/*.ipynb``
(``make test-live`` runs both front ends and the guards).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from check_html import find_browser  # noqa: E402

#: Guard notebooks (tests/guards/live_guards) and the problem each must cause;
#: ``None``: the notebook must pass (the control that shows the others fail
#: for their fault, not for the set-up).
GUARDS: dict[str, str | None] = {
    "control.ipynb": None,
    "callback_raises.ipynb": "traceback after changing",
    "never_redraws.ipynb": "figure did not change",
    "cell_fails.ipynb": "cells did not finish ok",
    "javascript_error.ipynb": "JavaScript error: ",
    "fails_at_minimum.ipynb": "traceback after changing",
    "fails_at_last_option.ipynb": "traceback after changing",
}

#: Browser console errors and failed requests that are not faults of the book
#: (regular expression, reason). Every other console error, and every request
#: that fails or answers 4xx/5xx, fails the notebook. (Chrome's generic
#: "Failed to load resource" console line is not matched here: the request
#: itself is checked, with its URL.)
_MYST_FENCE = (
    "the classic Notebook highlights a fenced block by loading the CodeMirror "
    "mode its info string names; a MyST directive fence ({prf:theorem}, "
    "{exercise-start}, ...) names none, so the request 404s and the block shows "
    "as plain text, as on Colab"
)
_MATHJAX2_FONT = (
    "the classic Notebook's MathJax 2 probes web fonts with an about:blank URL, "
    "which Chromium refuses"
)
_LAB_DEBUGGER = (
    "JupyterLab may replace its first kernel connection while a notebook loads "
    "(seen on a busy machine); its debugger extension then logs that the debug "
    "request it had sent on the old connection was cancelled"
)
ALLOWED_CONSOLE: list[tuple[str, str]] = [
    (r"^Refused to execute script from '[^']*/codemirror/mode/%7B", _MYST_FENCE),
    (r"^Access to font at 'about:blank'", _MATHJAX2_FONT),
    (
        r"^Could not restore the debugger state: Canceled future for debug_request "
        r"message before replies were done$",
        _LAB_DEBUGGER,
    ),
]
_MATHJAX2_TEX_FONTS = (
    "the classic Notebook ships MathJax 2 with the STIX-Web fonts only; MathJax "
    "asks for its TeX fonts first (404) and then uses STIX-Web"
)
ALLOWED_REQUESTS: list[tuple[str, str]] = [
    (r"^(404|net::ERR_ABORTED) \S*/codemirror/mode/%7B", _MYST_FENCE),
    (
        r"^(404|net::ERR_ABORTED) \S*/static/components/MathJax/fonts/HTML-CSS/TeX/",
        _MATHJAX2_TEX_FONTS,
    ),
    (r"^net::ERR_FAILED about:blank$", _MATHJAX2_FONT),
]

#: A code cell holds an interactive figure when its source calls this helper.
FIGURE_CALL = "interactive_figure("

#: Seconds to wait: for the server, for a whole notebook, for one redraw.
SERVER_TIMEOUT = 90
#: Seconds with no message to the kernel, after its first kernel_info_reply,
#: before *Run All* is clicked. JupyterLab may replace its first kernel
#: connection while the notebook loads; cells sent in between are lost.
SETTLE = 2.0
#: Seconds for *Run All* to send every code cell; fewer, and it is clicked again.
SEND_TIMEOUT = 20
NOTEBOOK_TIMEOUT = 600
REDRAW_TIMEOUT = 120


@dataclass
class FrontEnd:
    """How to start one front end's server and find things in its page."""

    name: str
    python: Path
    module: str
    url: str  # notebook URL, with {name} and {ws}
    cell: str  # every cell (markdown and code), in notebook order
    output_area: str  # a cell's output area
    output: str  # one output of a cell

    def server_args(self, port: int, token: str, root: Path, home: Path) -> list:
        common = ["--no-browser", "--allow-root"]
        if self.module == "jupyterlab":
            return [
                *common,
                "--ServerApp.ip=127.0.0.1",
                f"--ServerApp.port={port}",
                "--ServerApp.port_retries=0",
                f"--IdentityProvider.token={token}",
                f"--ServerApp.root_dir={root}",
                f"--LabApp.user_settings_dir={home / 'settings'}",
                f"--LabApp.workspaces_dir={home / 'workspaces'}",
            ]
        return [
            *common,
            "--NotebookApp.ip=127.0.0.1",
            f"--NotebookApp.port={port}",
            "--NotebookApp.port_retries=0",
            f"--NotebookApp.token={token}",
            f"--NotebookApp.notebook_dir={root}",
        ]


FRONT_ENDS = {
    "lab": FrontEnd(
        name="lab",
        python=ROOT / ".venv" / "bin" / "python",
        module="jupyterlab",
        url="/lab/workspaces/{ws}/tree/{name}?reset",
        cell=".jp-Notebook .jp-Cell",
        output_area=".jp-Cell-outputArea",
        output=".jp-OutputArea-child",
    ),
    "classic": FrontEnd(
        name="classic",
        python=ROOT / ".venv-colab" / "bin" / "python",
        module="notebook",
        url="/notebooks/{name}",
        cell="#notebook-container > .cell",
        output_area=".output_wrapper",
        output=".output_area",
    ),
}

#: JupyterLab settings for the test: every cell stays in the page (no
#: windowing); the notebook's kernel starts without the *Select Kernel* dialog
#: (JupyterLab sometimes asks when two notebooks open at once; a student
#: clicks *Select*); no news or update pop-up covers the notebook.
LAB_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker": {
        "windowingMode": "none",
        "autoStartDefaultKernel": True,
    },
    "@jupyterlab/apputils-extension/notification": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
}

CONTROLS = ".widget-hslider, .widget-dropdown"
SLIDER_HANDLE = ".noUi-handle, .ui-slider-handle"


# --------------------------------------------------------------------- messages


def decode_frame(payload: str | bytes) -> dict | None:
    """A kernel websocket frame as a Jupyter message dict, or ``None``.

    Parameters
    ----------
    payload : str or bytes
        A text frame (the JSON protocol: one message with its ``channel``) or
        a binary frame: the v1 protocol of jupyter_server 2
        (``v1.kernel.websocket.jupyter.org``: a count and offsets as 8-byte
        little-endian integers, then channel, header, parent header, metadata,
        content and buffers), or the legacy binary form of a message with
        buffers (a 4-byte big-endian count and offsets, then the JSON message).

    Returns
    -------
    dict or None
        ``channel``, ``header``, ``parent_header`` and ``content``; ``None``
        for a frame that is not a kernel message.
    """
    try:
        if isinstance(payload, str):
            msg = json.loads(payload)
        else:
            msg = _decode_binary(bytes(payload))
    except (ValueError, UnicodeDecodeError, IndexError):
        return None
    if not isinstance(msg, dict) or "header" not in msg:
        return None
    return {
        "channel": msg.get("channel", ""),
        "header": msg.get("header") or {},
        "parent_header": msg.get("parent_header") or {},
        "content": msg.get("content") or {},
    }


#: The JSON parts of a v1 frame, in order, after the channel.
V1_PARTS = ("header", "parent_header", "metadata", "content")


def _decode_binary(data: bytes) -> dict:
    count = int.from_bytes(data[:8], "little")
    if 2 <= count <= 1024 and len(data) >= 8 * (count + 1):
        offsets = [
            int.from_bytes(data[8 * (i + 1) : 8 * (i + 2)], "little")
            for i in range(count)
        ]
        if offsets[0] == 8 * (count + 1) and offsets == sorted(offsets):
            parts = [data[a:b] for a, b in zip(offsets, offsets[1:], strict=False)]
            msg = {
                key: json.loads(part.decode("utf-8"))
                for key, part in zip(V1_PARTS, parts[1:5], strict=True)
            }
            return {"channel": parts[0].decode("utf-8"), **msg}
    count = int.from_bytes(data[:4], "big")
    offsets = [
        int.from_bytes(data[4 * (i + 1) : 4 * (i + 2)], "big") for i in range(count)
    ]
    end = offsets[1] if count > 1 else len(data)
    return json.loads(data[offsets[0] : end].decode("utf-8"))


TRACEBACK = re.compile(r"Traceback \(most recent call last\)|Exception in comm_msg")


@dataclass
class KernelLog:
    """What one page's notebook sent to and received from its kernel."""

    executes: list[str] = field(default_factory=list)  # execute_request ids
    replies: dict[str, str] = field(default_factory=dict)  # id -> status
    comm_msgs: list[str] = field(default_factory=list)  # comm_msg ids sent
    idle: set[str] = field(default_factory=set)  # parents of status: idle
    errors: list[str] = field(default_factory=list)  # error texts, in order
    taken: int = 0  # errors already reported
    trace: list[str] = field(default_factory=list)  # one line per message
    start: float = field(default_factory=time.monotonic)
    last_sent: float = field(default_factory=time.monotonic)  # clock, last sent
    connected: bool = False  # a kernel_info_reply has arrived

    def settled(self) -> bool:
        """Connected, and nothing sent to the kernel for ``SETTLE`` seconds."""
        return self.connected and time.monotonic() - self.last_sent > SETTLE

    def mark(self, text: str) -> None:
        """Add a timed line to the trace written next to a failure's screenshot."""
        self.trace.append(f"{time.monotonic() - self.start:8.2f} {text}")

    def note(self, direction: str, msg: dict) -> None:
        """Trace one kernel message: direction, type, status, ids."""
        kind = msg["header"].get("msg_type")
        own, parent = msg["header"].get("msg_id"), msg["parent_header"].get("msg_id")
        content = msg.get("content") or {}
        extra = content.get("status") or content.get("execution_state") or ""
        self.mark(f"{direction} {kind} {extra} id={own} parent={parent}")

    def sent(self, payload: str | bytes) -> None:
        msg = decode_frame(payload)
        if msg is None:
            return
        self.note(">", msg)
        self.last_sent = time.monotonic()
        kind, msg_id = msg["header"].get("msg_type"), msg["header"].get("msg_id")
        if kind == "execute_request":
            self.executes.append(msg_id)
        elif kind == "comm_msg":
            self.comm_msgs.append(msg_id)

    def received(self, payload: str | bytes) -> None:
        msg = decode_frame(payload)
        if msg is None:
            return
        self.note("<", msg)
        kind = msg["header"].get("msg_type")
        parent = msg["parent_header"].get("msg_id")
        content = msg["content"]
        if kind == "execute_reply":
            self.replies[parent] = content.get("status", "?")
        elif kind == "kernel_info_reply":
            self.connected = True
        elif kind == "status" and content.get("execution_state") == "idle":
            self.idle.add(parent)
        elif kind == "error":
            self.errors.append(f"{content.get('ename')}: {content.get('evalue')}")
        elif kind == "stream" and content.get("name") == "stderr":
            text = content.get("text", "")
            if TRACEBACK.search(text):
                self.errors.append(text.strip()[-600:])

    def take_errors(self) -> list[str]:
        """The errors received since the last call."""
        new = self.errors[self.taken :]
        self.taken = len(self.errors)
        return new


# ----------------------------------------------------------------------- server


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A notebook server on a free localhost port, stopped on exit."""

    def __init__(self, front: FrontEnd, root: Path, home: Path):
        self.front, self.root, self.home = front, root, home
        self.token = secrets.token_hex(16)
        self.process: subprocess.Popen | None = None
        self.log = home / "server.log"

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        for var, sub in [
            ("JUPYTER_CONFIG_DIR", "config"),
            ("JUPYTER_DATA_DIR", "data"),
            ("JUPYTER_RUNTIME_DIR", "runtime"),
        ]:
            env[var] = str(self.home / sub)
        env.setdefault("GENTHEORY_THREADS", "1")
        env.setdefault("OMP_NUM_THREADS", "1")
        env.setdefault("MKL_NUM_THREADS", "1")
        return env

    def start(self) -> None:
        if not self.front.python.is_file():
            raise SystemExit(
                f"{self.front.python} not found: the {self.front.name} front end "
                "runs in that environment (make test-live creates it)"
            )
        for name, values in LAB_SETTINGS.items():
            path = self.home / "settings" / f"{name}.jupyterlab-settings"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(values))
        for _attempt in range(5):
            self.port = free_port()
            args = self.front.server_args(self.port, self.token, self.root, self.home)
            with open(self.log, "ab") as log:
                self.process = subprocess.Popen(
                    [str(self.front.python), "-m", self.front.module, *args],
                    cwd=self.root,
                    env=self.env(),
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            if self._wait_ready():
                return
            self.stop()
        raise SystemExit(f"the {self.front.name} server did not start: see {self.log}")

    def _wait_ready(self) -> bool:
        url = f"{self.base}/api/status?token={self.token}"
        deadline = time.monotonic() + SERVER_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False  # e.g. the port was taken meanwhile
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        return True
            except OSError:
                pass
            time.sleep(0.5)
        return False

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


# ------------------------------------------------------------------------ pages


def figure_cells(notebook: Path) -> tuple[int, list[int]]:
    """(number of code cells to run, indices of the cells with a figure widget)."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    code = [
        i
        for i, c in enumerate(cells)
        if c["cell_type"] == "code" and "".join(c["source"]).strip()
    ]
    figures = [i for i in code if FIGURE_CALL in "".join(cells[i]["source"])]
    return len(code), figures


OUTPUT_IMAGE_JS = """(cell, [controls, output]) => {
  // The first image in the outputs after the one that holds the controls.
  const outputs = Array.from(cell.querySelectorAll(output));
  const at = outputs.findIndex(o => o.querySelector(controls));
  if (at < 0) return null;
  for (const o of outputs.slice(at + 1)) {
    const img = o.querySelector('img');
    if (img) return img.getAttribute('src');
  }
  return null;
}"""


async def control_label(control) -> str:
    label = control.locator("label, .widget-label").first
    text = (await label.inner_text()).strip() if await label.count() else ""
    return text or "control"


async def control_value(control) -> str:
    select = control.locator("select")
    if await select.count():
        return await select.input_value()
    readout = control.locator(".widget-readout").first
    if await readout.count():
        tag = await readout.evaluate("e => e.tagName")
        if tag == "INPUT":
            return await readout.input_value()
        return (await readout.inner_text()).strip()
    return ""


async def control_moves(control) -> list[str]:
    """The moves that take a control through its whole range.

    A slider: its maximum, then its minimum (the keys End and Home). A
    dropdown: every other option in turn, starting after the current one.
    """
    select = control.locator("select")
    if await select.count():
        values = await select.evaluate("s => Array.from(s.options).map(o => o.value)")
        start = values.index(await select.input_value())
        return [
            f"option:{values[(start + k) % len(values)]}" for k in range(1, len(values))
        ]
    return ["key:End", "key:Home"]


async def change_control(page, control, move: str) -> str:
    """Make one move (see :func:`control_moves`) as a user would; the new value."""
    kind, _, what = move.partition(":")
    if kind == "option":
        select = control.locator("select")
        await select.select_option(value=what)
        return await select.evaluate("s => s.options[s.selectedIndex].text")
    handle = control.locator(SLIDER_HANDLE).first
    await handle.focus()
    await page.keyboard.press(what)
    await page.wait_for_timeout(200)
    return await control_value(control)


@dataclass
class Result:
    notebook: str
    problems: list[str] = field(default_factory=list)
    changes: list[dict] = field(default_factory=list)
    run_s: float = 0.0
    total_s: float = 0.0
    allowed: list[str] = field(default_factory=list)  # allow-listed messages


async def check_notebook(
    browser, server: Server, notebook: Path, shots: Path
) -> Result:
    front = server.front
    result = Result(notebook.name)
    start = time.monotonic()
    n_code, figures = figure_cells(notebook)
    context = await browser.new_context(viewport={"width": 1280, "height": 1000})
    page = await context.new_page()
    log, console = KernelLog(), []
    page.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: console.append(f"uncaught: {e}"))
    requests: list[str] = []
    page.on(
        "response",
        lambda r: requests.append(f"{r.status} {r.url}") if r.status >= 400 else None,
    )
    page.on("requestfailed", lambda r: requests.append(f"{r.failure} {r.url}"))

    def on_websocket(ws):
        if "/channels" in ws.url:
            log.mark("websocket open")
            ws.on("framesent", log.sent)
            ws.on("framereceived", log.received)
            ws.on("close", lambda _: log.mark("websocket closed"))

    page.on("websocket", on_websocket)
    try:
        url = front.url.format(name=notebook.name, ws=notebook.stem.replace("_", "-"))
        sep = "&" if "?" in url else "?"
        await page.goto(f"{server.base}{url}{sep}token={server.token}")
        base = await run_all(page, front, log, n_code)
        run = log.executes[base:]
        done = await wait_for(
            lambda: all(m in log.replies for m in run), NOTEBOOK_TIMEOUT
        )
        result.run_s = time.monotonic() - start
        failed = {m: s for m, s in log.replies.items() if s != "ok"}
        if not done:
            answered = sum(m in log.replies for m in run)
            result.problems.append(
                f"Run All did not finish in {NOTEBOOK_TIMEOUT} s: "
                f"{answered} of {n_code} cells answered"
            )
        if failed:
            result.problems.append(f"{len(failed)} cells did not finish ok")
        result.problems += [f"kernel error: {e}" for e in log.take_errors()]
        if not result.problems:
            await check_figures(page, front, log, figures, notebook, shots, result)
            await asyncio.sleep(1)  # anything the kernel still had to say
            result.problems += [f"kernel error: {e}" for e in log.take_errors()]
    except Exception as exc:  # a timeout or a vanished element is a failure too
        result.problems.append(f"{type(exc).__name__}: {str(exc)[:300]}")
    finally:
        if result.problems:  # what the student would have seen
            folder = shots / front.name / notebook.stem
            folder.mkdir(parents=True, exist_ok=True)
            await page.screenshot(path=str(folder / "failure.png"), full_page=True)
            (folder / "kernel-messages.txt").write_text("\n".join(log.trace) + "\n")
        result.problems += [
            f"JavaScript error: {m[:300]}"
            for m in console
            if not m.startswith("Failed to load resource")
            and not allowed(m, ALLOWED_CONSOLE)
        ]
        result.problems += [
            f"request failed: {r[:300]}"
            for r in requests
            if not allowed(r, ALLOWED_REQUESTS)
        ]
        result.allowed = sorted(
            {m[:120] for m in [*console, *requests] if allowed(m, ALLOWED_CONSOLE)}
            | {r[:120] for r in requests if allowed(r, ALLOWED_REQUESTS)}
        )
        result.total_s = time.monotonic() - start
        await context.close()
    return result


def allowed(message: str, patterns: list[tuple[str, str]]) -> bool:
    return any(re.search(pattern, message) for pattern, _ in patterns)


async def run_all(page, front: FrontEnd, log: KernelLog, n_code: int) -> int:
    """Click *Run All* once the kernel connection has settled.

    Clicked again (at most three times in all) when it did not send every code
    cell within ``SEND_TIMEOUT`` seconds: the front end lost some, as when
    JupyterLab replaces a kernel connection under the click. Returns the index
    in ``log.executes`` of the first cell of the click that sent them all.
    """
    for _attempt in range(3):
        await wait_for(log.settled, SERVER_TIMEOUT)
        base = len(log.executes)
        await click_run_all(page, front)
        if await wait_for(
            lambda base=base: len(log.executes) - base >= n_code, SEND_TIMEOUT
        ):
            return base
        log.mark(f"Run All sent {len(log.executes) - base} of {n_code} cells")
    raise RuntimeError(
        f"Run All did not send the notebook's {n_code} code cells in three clicks"
    )


async def click_run_all(page, front: FrontEnd) -> None:
    if front.name == "lab":
        await page.wait_for_selector(
            ".jp-Notebook-ExecutionIndicator[data-status='idle']",
            state="attached",
            timeout=SERVER_TIMEOUT * 1000,
        )
        await page.click(".lm-MenuBar-item:has-text('Run')")
        await page.click(".lm-Menu-item:has-text('Run All Cells')")
    else:
        await page.wait_for_selector(
            "#kernel_indicator_icon.kernel_idle_icon", timeout=SERVER_TIMEOUT * 1000
        )
        await page.click("#celllink")
        await page.click("#run_all_cells")


async def check_figures(page, front, log, figures, notebook, shots, result) -> None:
    """Change every control of every figure widget; record what happened."""
    cells = page.locator(front.cell)
    folder = shots / front.name / notebook.stem
    folder.mkdir(parents=True, exist_ok=True)
    for index in figures:
        cell = cells.nth(index)
        controls = cell.locator(CONTROLS)
        try:
            await controls.first.wait_for(state="visible", timeout=30_000)
        except Exception:
            result.problems.append(
                f"cell {index}: no widget controls rendered (is the widget "
                "manager loaded?)"
            )
            continue
        stop = False
        for k in range(await controls.count()):
            for move in await control_moves(controls.nth(k)):
                problems = await change_one(
                    page,
                    front,
                    log,
                    cell,
                    controls.nth(k),
                    move,
                    folder,
                    index,
                    k,
                    result,
                )
                result.problems += problems
                stop = any("no figure" in p for p in problems)
                if stop:
                    break
            if stop:
                break


async def change_one(page, front, log, cell, control, move, folder, index, k, result):
    """Make one move of one control; the problems seen (no redraw, a traceback)."""
    label = await control_label(control)
    slug = re.sub(r"[^a-z0-9]+", "-", f"{label} {move}".lower()).strip("-")
    name = f"cell{index:02d}-{k}-{slug}"
    area = cell.locator(front.output_area)

    async def image() -> str | None:
        return await cell.evaluate(OUTPUT_IMAGE_JS, [CONTROLS, front.output])

    before = await image()
    stray = [f"kernel error: {e}" for e in log.take_errors()]
    if before is None or stray:
        return stray or [f"cell {index}: no figure below the controls"]
    await area.screenshot(path=str(folder / f"{name}-before.png"))
    sent, start = len(log.comm_msgs), time.monotonic()
    value_before = await control_value(control)
    value = await change_control(page, control, move)
    what = f"cell {index}, {label!r} -> {value}"
    if value == value_before:  # already at that end of the slider: nothing to redraw
        result.changes.append(
            {"cell": index, "control": label, "value": value, "redraw_s": None}
        )
        return []
    if not await wait_for(lambda: len(log.comm_msgs) > sent, 10):
        return [f"{what}: the change never reached the kernel"]
    idle = await wait_for(
        lambda: all(m in log.idle for m in log.comm_msgs[sent:]), REDRAW_TIMEOUT
    )
    changed = idle and await wait_for(lambda: image(), 5, accept=lambda s: s != before)
    seconds = time.monotonic() - start
    await area.screenshot(path=str(folder / f"{name}-after.png"))
    result.changes.append(
        {"cell": index, "control": label, "value": value, "redraw_s": round(seconds, 2)}
    )
    problems = [f"traceback after changing {what}: {e}" for e in log.take_errors()]
    if not idle:
        problems.append(f"{what}: the kernel was still busy after {REDRAW_TIMEOUT} s")
    elif not changed:
        problems.append(f"{what}: figure did not change")
    return problems


async def wait_for(check, timeout: float, accept=bool, step: float = 0.25) -> bool:
    """Poll ``check()`` (a function or a coroutine function) until ``accept``."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if asyncio.iscoroutine(value):
            value = await value
        if accept(value):
            return True
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(step)


# ------------------------------------------------------------------------- main


async def run(front: FrontEnd, notebooks: list[Path], shots: Path, jobs: int) -> list:
    from playwright.async_api import async_playwright

    home = Path(tempfile.mkdtemp(prefix=f"gentheory-live-{front.name}-"))
    work = home / "notebooks"
    work.mkdir()
    for nb in notebooks:
        shutil.copy(nb, work / nb.name)
    server = Server(front, work, home)
    server.start()
    print(f"{front.name}: server on {server.base} ({front.python})", flush=True)
    try:
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(
                executable_path=find_browser(), args=["--no-sandbox", "--disable-gpu"]
            )
            gate = asyncio.Semaphore(jobs)

            async def one(nb: Path) -> Result:
                async with gate:
                    result = await check_notebook(
                        browser, server, work / nb.name, shots
                    )
                    report(front, result)
                    return result

            results = await asyncio.gather(*(one(nb) for nb in notebooks))
            await browser.close()
    finally:
        server.stop()
        shutil.rmtree(home, ignore_errors=True)
    return list(results)


def report(front: FrontEnd, result: Result) -> None:
    status = "ok  " if not result.problems else "FAIL"
    print(
        f"{status} {front.name} {result.notebook}: ran in {result.run_s:.0f} s, "
        f"{len(result.changes)} controls changed, {result.total_s:.0f} s in all",
        flush=True,
    )
    for p in result.problems:
        print(f"       {p}", flush=True)
    if result.allowed:
        print(
            f"       {len(result.allowed)} allow-listed messages, e.g. "
            f"{result.allowed[0]}",
            flush=True,
        )


def judge_guards(results: list[Result]) -> list[str]:
    """Problems with the guards: the control must pass, the others fail as named."""
    problems = []
    for r in results:
        expected = GUARDS.get(r.notebook, "?")
        if expected is None and r.problems:
            problems.append(f"guard control {r.notebook} failed: {r.problems}")
        elif expected is not None and not any(expected in p for p in r.problems):
            problems.append(
                f"guard {r.notebook} did not fail with {expected!r}: {r.problems}"
            )
        else:
            verdict = "passes" if expected is None else "fails"
            print(f"guard {r.notebook}: {verdict}, as it should")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument("--frontend", choices=sorted(FRONT_ENDS), required=True)
    parser.add_argument("--python", type=Path, default=None)
    parser.add_argument("--guards", type=Path, default=None)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument(
        "--screenshots", type=Path, default=ROOT / "_build" / "screenshots" / "live"
    )
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    # Stopped from outside (CI's timeout, Ctrl-C): unwind, so the server stops.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    front = FRONT_ENDS[args.frontend]
    if args.python:
        front.python = args.python
    guards = sorted(args.guards.glob("*.ipynb")) if args.guards else []
    unknown = [g.name for g in guards if g.name not in GUARDS]
    if unknown:
        parser.error(f"guards without an expectation in GUARDS: {unknown}")
    names = [nb.name for nb in [*args.notebooks, *guards]]
    if len(set(names)) != len(names) or not names:
        parser.error("give notebooks with distinct file names")
    started = time.monotonic()
    results = asyncio.run(
        run(front, [*args.notebooks, *guards], args.screenshots, args.jobs)
    )
    chapters = [r for r in results if r.notebook not in {g.name for g in guards}]
    failed = [r for r in chapters if r.problems]
    guard_problems = judge_guards([r for r in results if r not in chapters])
    for p in guard_problems:
        print(f"FAIL {p}")
    print(
        f"{front.name}: {len(chapters)} notebooks, {len(failed)} failed, "
        f"{sum(len(r.changes) for r in chapters)} controls changed; "
        f"{len(guards)} guards, {len(guard_problems)} wrong; "
        f"{time.monotonic() - started:.0f} s"
    )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps([r.__dict__ for r in results], indent=1) + "\n")
    return 1 if failed or guard_problems else 0


if __name__ == "__main__":
    sys.exit(main())
