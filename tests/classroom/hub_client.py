"""A small client of a JupyterHub and of its students' servers, for the hub test: the
hub's REST API, and a notebook's code cells run in a kernel of a student's server
through that server's REST and websocket API (the Jupyter messaging protocol, JSON
over the kernel's ``channels`` websocket), as JupyterLab itself runs them."""
from __future__ import annotations

import asyncio
import json
import re
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

from tornado.httpclient import AsyncHTTPClient, HTTPRequest
from tornado.websocket import websocket_connect

from gradlab.classroom.check import SANITIZERS
from gradlab.classroom.tolerance import texts_match


class Hub:
    """``await hub.api(method, path, body)`` on ``base`` (``http://127.0.0.1:PORT``) with ``token``."""

    def __init__(self, base: str, token: str):
        self.base, self.token = base.rstrip("/"), token
        self.http = AsyncHTTPClient(force_instance=True, max_clients=64)

    async def api(self, method: str, path: str, body: Any = None, token: Optional[str] = None,
                  timeout: float = 60) -> Any:
        request = HTTPRequest(f"{self.base}{path}", method=method, request_timeout=timeout,
                              headers={"Authorization": f"token {token or self.token}"},
                              body=None if body is None and method == "GET" else json.dumps(body or {}),
                              allow_nonstandard_methods=True)
        response = await self.http.fetch(request)
        return json.loads(response.body) if response.body else None

    async def wait_ready(self, name: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            user = await self.api("GET", f"/hub/api/users/{name}")
            server = (user.get("servers") or {}).get("")
            if server and server.get("ready"):
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"{name}'s server was not ready within {timeout} s: {user}")
            await asyncio.sleep(0.5)


@dataclass
class NotebookRun:
    """How one notebook ran in one student's kernel."""

    user: str
    seconds: float = 0.0
    cells: int = 0
    compared: int = 0
    mismatches: List[str] = field(default_factory=list)
    errors: List[str] = field(default_factory=list)


def _sanitize(text: str) -> str:
    for _, regex, replace in SANITIZERS:
        text = re.sub(regex, replace, text)
    return text


def text_of(outputs: List[Dict[str, Any]]) -> str:
    """The printed text of outputs (streams, text/plain, errors), as nbval compares it."""
    parts = []
    for out in outputs:
        kind = out.get("output_type")
        if kind == "stream":
            text = out.get("text", "")
            parts.append(text if isinstance(text, str) else "".join(text))
        elif kind in ("execute_result", "display_data"):
            text = (out.get("data") or {}).get("text/plain", "")
            parts.append(text if isinstance(text, str) else "".join(text))
        elif kind == "error":
            parts.append(f"{out.get('ename')}: {out.get('evalue')}\n")
    return _sanitize("".join(parts))


async def run_notebook(hub: Hub, user: str, token: str, notebook: Dict[str, Any], *,
                       cell_timeout: float = 120, rtol: float = 1e-9) -> NotebookRun:
    """Run every code cell of ``notebook`` in a new kernel of ``user``'s server; compare the
    text of the cells tagged ``nbval-check-output`` with the stored one (numbers within
    ``rtol``); shut the kernel down."""
    result = NotebookRun(user)
    base = f"/user/{user}/api"
    kernel = await hub.api("POST", f"{base}/kernels", {"name": "python3"}, token=token)
    ws_url = hub.base.replace("http", "ws", 1) + f"{base}/kernels/{kernel['id']}/channels"
    start = time.monotonic()
    session = uuid.uuid4().hex
    try:
        ws = await websocket_connect(HTTPRequest(ws_url, headers={"Authorization": f"token {token}"}))
        try:
            for cell in notebook["cells"]:
                if cell["cell_type"] != "code":
                    continue
                source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
                outputs = await _execute(ws, session, source, cell_timeout)
                result.cells += 1
                errors = [o for o in outputs if o["output_type"] == "error"]
                if errors:
                    result.errors.append(f"cell {result.cells}: {errors[0]['ename']}: {errors[0]['evalue']}")
                    break
                if "nbval-check-output" in cell.get("metadata", {}).get("tags", []):
                    result.compared += 1
                    expected, got = text_of(cell.get("outputs", [])), text_of(outputs)
                    if not texts_match(expected, got, rtol):
                        result.mismatches.append(f"cell {result.cells}: expected {expected[:200]!r}, "
                                                 f"got {got[:200]!r}")
        finally:
            ws.close()
    finally:
        result.seconds = time.monotonic() - start
        await hub.api("DELETE", f"{base}/kernels/{kernel['id']}", token=token)
    return result


async def _execute(ws: Any, session: str, code: str, timeout: float) -> List[Dict[str, Any]]:
    msg_id = uuid.uuid4().hex
    await ws.write_message(json.dumps({
        "header": {"msg_id": msg_id, "username": "gradlab-test", "session": session, "msg_type": "execute_request",
                   "version": "5.3", "date": ""},
        "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
        "content": {"code": code, "silent": False, "store_history": True, "user_expressions": {},
                    "allow_stdin": False, "stop_on_error": True}}))
    outputs: List[Dict[str, Any]] = []
    replied = idle = False
    deadline = time.monotonic() + timeout
    while not (replied and idle):
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError(f"a cell ran for more than {timeout} s: {code[:80]!r}")
        raw = await asyncio.wait_for(ws.read_message(), left)
        if raw is None:
            raise ConnectionError("the kernel's websocket closed")
        msg = json.loads(raw)
        if msg.get("parent_header", {}).get("msg_id") != msg_id:
            continue
        kind, content = msg["msg_type"], msg["content"]
        if kind == "execute_reply":
            replied = True
        elif kind == "status" and content.get("execution_state") == "idle":
            idle = True
        elif kind == "stream":
            outputs.append({"output_type": "stream", "name": content["name"], "text": content["text"]})
        elif kind in ("execute_result", "display_data"):
            outputs.append({"output_type": kind, "data": content.get("data", {})})
        elif kind == "error":
            outputs.append({"output_type": "error", "ename": content["ename"], "evalue": content["evalue"]})
    return outputs
