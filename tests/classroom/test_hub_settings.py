"""``gradlab hub``'s settings without starting a hub: the environment the configuration
reads, the proxy found in node_modules/, the nbgitpuller link, and the bad inputs (one
line each, a non-zero status)."""
from __future__ import annotations

import os
import stat
from urllib.parse import parse_qs, urlparse

import pytest

from gradlab import cli
from gradlab.classroom import hub
from gradlab.classroom.course import ClassroomError


def fake_checkout(tmp_path):
    (tmp_path / "jupyter" / "hub").mkdir(parents=True)
    (tmp_path / "jupyter" / "hub" / "jupyterhub_config.py").write_text("c = get_config()\n")
    proxy = tmp_path / "node_modules" / ".bin" / "configurable-http-proxy"
    proxy.parent.mkdir(parents=True)
    proxy.write_text("#!/bin/sh\n")
    proxy.chmod(proxy.stat().st_mode | stat.S_IXUSR)
    return proxy


def test_the_environment_names_everything_the_configuration_reads(tmp_path):
    proxy = fake_checkout(tmp_path)
    env = hub.hub_environment(port=8123, data=tmp_path / "data", auth="firstuse", admins=("teacher", "ta"),
                              root=tmp_path)
    assert env["GRADLAB_HUB_PROXY"] == str(proxy) and env["GRADLAB_HUB_PORT"] == "8123"
    assert env["GRADLAB_HUB_IP"] == "127.0.0.1" and env["GRADLAB_HUB_ADMINS"] == "teacher,ta"
    assert env["GRADLAB_HUB_HOMES"] == str((tmp_path / "data" / "homes").resolve())
    assert str(tmp_path) in env["PYTHONPATH"].split(os.pathsep)
    assert hub.hub_command(tmp_path)[-2:] == ["-f", str(tmp_path / "jupyter" / "hub" / "jupyterhub_config.py")]
    # the repository's own configuration names each variable it reads
    real = hub.config_file().read_text(encoding="utf-8")
    for name in env:
        if name.startswith("GRADLAB_HUB_"):
            assert name in real, name


def test_the_nbgitpuller_link_opens_the_notebooks_after_copying_the_course():
    link = hub.nbgitpuller_link("https://hub.example.edu/", "https://github.com/someone/course.git", "week3")
    url = urlparse(link)
    assert (url.netloc, url.path) == ("hub.example.edu", "/hub/user-redirect/git-pull")
    assert parse_qs(url.query) == {"repo": ["https://github.com/someone/course.git"], "branch": ["week3"],
                                   "urlpath": ["lab/tree/course/notebooks"]}


def test_a_shared_password_must_be_given_and_long_enough(tmp_path):
    fake_checkout(tmp_path)
    with pytest.raises(ClassroomError, match="8 characters or more"):
        hub.hub_environment(data=tmp_path, auth="shared", shared_password="short", root=tmp_path)
    with pytest.raises(ClassroomError, match="say one of firstuse, shared, none"):
        hub.hub_environment(data=tmp_path, auth="github", root=tmp_path)


def test_no_proxy_is_one_line_that_says_how_to_install_it(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(ClassroomError, match=r"configurable-http-proxy is not installed: `bash dev.sh setup`"):
        hub.proxy_command(tmp_path)


def test_gradlab_hub_with_a_bad_option_says_so_in_one_line(capsys):
    assert cli.main(["hub", "--auth", "shared", "--shared-password", "x"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("gradlab: error: --auth shared needs a password"), err
