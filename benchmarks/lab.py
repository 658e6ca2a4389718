"""A real JupyterLab for the tests and the benchmarks: ``make lab`` itself, started on a free loopback port with
a token, in a throwaway Jupyter home, and stopped by its process group. Notebooks in it are opened in Debian's
chromium, which resolves no host name but 127.0.0.1, so that nothing reaches another address."""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["LOOPBACK_ONLY", "Lab", "notebook", "open_notebook", "running_lab", "widget_frame"]

REPOSITORY = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
LOOPBACK_ONLY = ["--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"]
"""Chromium flags: every host name but 127.0.0.1 fails to resolve."""


@dataclass
class Lab:
    """A running JupyterLab: its address, token, notebook folder and the environment it runs in."""

    url: str
    token: str
    root: Path
    env: dict[str, str]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def running_lab(root: Path | None = None) -> Iterator[Lab]:
    """``make lab`` on a free loopback port, serving ``root`` (a new temporary folder by default), until the
    block ends; RuntimeError with the end of its log if it does not answer within 90 s."""
    root = root or Path(tempfile.mkdtemp(prefix="lab-"))
    home = Path(tempfile.mkdtemp(prefix="jupyter-home-"))
    port, token = _free_port(), secrets.token_hex(16)
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(home / "config"), "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
           "JUPYTER_DATA_DIR": str(home / "data"), "JUPYTERLAB_SETTINGS_DIR": str(home / "settings"),
           "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces")}
    arguments = (f"--no-browser --ip=127.0.0.1 --port={port} --port-retries=0 --IdentityProvider.token={token} "
                 "--LabApp.news_url= --LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate")
    with (home / "lab.log").open("w") as log:
        process = subprocess.Popen(  # `make lab` itself, as the README runs it (as root here: it must allow that)
            ["make", "--no-print-directory", "lab", f"LAB_ARGS={arguments}", f"LAB_DIR={root}", f"VENV={BIN.parent}"],
            cwd=REPOSITORY, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 90
            while True:
                try:
                    with urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2) as answer:
                        if answer.status == 200:
                            break
                except OSError:
                    pass
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"JupyterLab did not start: {(home / 'lab.log').read_text()[-3000:]}")
                time.sleep(0.3)
            yield Lab(url, token, root, env)
        finally:  # make and the JupyterLab it started, by their process group
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def notebook(path: Path, cells: list[str]) -> Path:
    """Write a notebook of these code cells, for the ``python3`` kernel."""
    import nbformat

    book = nbformat.v4.new_notebook()
    book.cells = [nbformat.v4.new_code_cell(source) for source in cells]
    book.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(book, path)
    return path


def open_notebook(browser: Any, lab: Lab, name: str, requests: list[str] | None = None, kernel: bool = True) -> Any:
    """A page of ``browser`` with notebook ``name`` open and, with ``kernel``, its kernel idle; every request to
    anything but the lab, a file or an inline page is noted in ``requests``."""
    page = browser.new_page(viewport={"width": 1500, "height": 1000})
    if requests is not None:
        local = ("http://127.0.0.1", "ws://127.0.0.1", "file:", "about:", "data:", "blob:")
        page.on("request", lambda request: None if request.url.startswith(local) else requests.append(request.url))
    page.goto(f"{lab.url}/lab/tree/{name}?token={lab.token}&reset")  # reset: no tab of an earlier page restored
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=60_000)
    if kernel:
        page.get_by_text("Python 3 (ipykernel) | Idle").wait_for(timeout=90_000)  # the kernel started and answers
    return page


def widget_frame(page: Any) -> Any:
    """The frame of the first LiveExplorer on the page, once its script has run."""
    element = page.wait_for_selector("iframe[title='chainrule live explorer']", timeout=60_000)
    frame = element.content_frame()
    assert frame is not None
    frame.wait_for_function("() => window.chainrule !== undefined", timeout=30_000)
    return frame
