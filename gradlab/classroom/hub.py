"""``gradlab hub``: a class on one server, with JupyterHub.

The hub is JupyterHub from PyPI with ``configurable-http-proxy`` from npm (``bash
dev.sh`` installs it into ``node_modules/`` of the repository), configured by
``jupyter/hub/jupyterhub_config.py`` of the repository; this module turns the
command's options into that file's environment (``GRADLAB_HUB_*``) and runs::

    jupyterhub -f jupyter/hub/jupyterhub_config.py

Students log in with first-use passwords (or one shared password for a workshop);
each gets a home under ``--homes`` and a JupyterLab with the course's settings.
The course reaches their homes through an nbgitpuller link
(:func:`nbgitpuller_link`): the first click clones the repository, later clicks
pull what changed upstream and never overwrite what the student edited (a file the
student changed is kept, and the upstream change to it is not applied).
"""
from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import Dict, List, Optional
from urllib.parse import quote, urlencode

from gradlab.classroom.course import ClassroomError, repository_root, tool_missing

__all__ = ["AUTHENTICATORS", "config_file", "proxy_command", "hub_environment", "hub_command",
           "nbgitpuller_link"]

#: the authenticators the configuration knows (``--auth``)
AUTHENTICATORS = ("firstuse", "shared", "none")
PROXY = "configurable-http-proxy"


def config_file(root: Optional[Path] = None) -> Path:
    """The repository's ``jupyter/hub/jupyterhub_config.py``."""
    root = root or repository_root() or Path.cwd()
    path = Path(root) / "jupyter" / "hub" / "jupyterhub_config.py"
    if not path.is_file():
        raise ClassroomError(f"{path}: no such file (gradlab hub runs from a checkout of the course repository)", 2)
    return path


def proxy_command(root: Optional[Path] = None) -> str:
    """The ``configurable-http-proxy`` program: the repository's ``node_modules/.bin``
    (where ``bash dev.sh`` puts it), else the one on PATH."""
    root = root or repository_root() or Path.cwd()
    local = Path(root) / "node_modules" / ".bin" / PROXY
    if local.is_file() and os.access(local, os.X_OK):
        return str(local)
    found = shutil.which(PROXY)
    if found:
        return found
    raise ClassroomError(f"{PROXY} is not installed: `bash dev.sh setup` installs it with npm into "
                         f"{Path(root) / 'node_modules'} (needs Node.js >= 20 and npm)", 1)


def hub_environment(*, ip: str = "127.0.0.1", port: int = 8000, data: Path, homes: Optional[Path] = None,
                    auth: str = "firstuse", admins: tuple = (), shared_password: str = "",
                    api_token: str = "", internal_port: int = 8081, proxy_api_port: int = 8001,
                    cull_idle: int = 3600, root: Optional[Path] = None) -> Dict[str, str]:
    """The environment ``jupyter/hub/jupyterhub_config.py`` reads (``GRADLAB_HUB_*``), on
    top of this process's."""
    if auth not in AUTHENTICATORS:
        raise ClassroomError(f"--auth {auth}: say one of {', '.join(AUTHENTICATORS)}", 2)
    if auth == "shared" and len(shared_password) < 8:
        raise ClassroomError("--auth shared needs a password of 8 characters or more "
                             "(--shared-password or GRADLAB_HUB_SHARED_PASSWORD)", 2)
    env = dict(os.environ)
    env.update({
        "GRADLAB_HUB_IP": ip, "GRADLAB_HUB_PORT": str(port), "GRADLAB_HUB_DATA": str(Path(data).resolve()),
        "GRADLAB_HUB_HOMES": str(Path(homes or Path(data) / "homes").resolve()), "GRADLAB_HUB_AUTH": auth,
        "GRADLAB_HUB_ADMINS": ",".join(admins), "GRADLAB_HUB_SHARED_PASSWORD": shared_password,
        "GRADLAB_HUB_API_TOKEN": api_token, "GRADLAB_HUB_INTERNAL_PORT": str(internal_port),
        "GRADLAB_HUB_PROXY_API_PORT": str(proxy_api_port), "GRADLAB_HUB_CULL_IDLE": str(cull_idle),
        "GRADLAB_HUB_PROXY": proxy_command(root),
    })
    checkout = root or repository_root()
    if checkout is not None:          # the students' kernels import this gradlab
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(checkout), os.environ.get("PYTHONPATH")]))
    return env


def hub_command(root: Optional[Path] = None) -> List[str]:
    """``python -m jupyterhub -f jupyter/hub/jupyterhub_config.py``."""
    missing = tool_missing("jupyterhub", "JupyterHub")
    if missing:
        raise ClassroomError(missing)
    return [sys.executable, "-m", "jupyterhub", "-f", str(config_file(root))]


def nbgitpuller_link(hub_url: str, repository: str, branch: str = "main",
                     path: str = "notebooks", interface: str = "lab") -> str:
    """The link that copies ``repository`` into a student's home on the hub at ``hub_url``
    (first click), or pulls what changed (later clicks, the student's edits kept), then
    opens ``path`` in ``interface`` (``lab`` or ``tree``)."""
    target = Path(repository.rstrip("/")).name.removesuffix(".git") or "course"
    urlpath = f"{interface}/tree/{target}/{path}".rstrip("/") if interface == "lab" else f"tree/{target}/{path}"
    query = urlencode({"repo": repository, "branch": branch, "urlpath": urlpath}, quote_via=quote, safe="/")
    return f"{hub_url.rstrip('/')}/hub/user-redirect/git-pull?{query}"
