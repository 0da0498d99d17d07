# gradlab's JupyterHub for a class on one server: `gradlab hub` runs
# `jupyterhub -f jupyter/hub/jupyterhub_config.py` with the settings below read from
# the environment (gradlab.classroom.hub sets them from its options).
#
#   GRADLAB_HUB_IP, GRADLAB_HUB_PORT     where students connect (default 127.0.0.1:8000;
#                                        put TLS in front, or set ssl_cert/ssl_key, to open it)
#   GRADLAB_HUB_AUTH                     "firstuse" (default: a student picks a password at
#                                        first login, kept hashed by the hub), "shared" (a
#                                        workshop: one password for everyone, from
#                                        GRADLAB_HUB_SHARED_PASSWORD), "none" (tests only:
#                                        users are made through the REST API, nobody logs in)
#   GRADLAB_HUB_HOMES                    the folder holding one home per student (a server
#                                        runs as the hub's own system user: one machine, no
#                                        system accounts; use LocalProcessSpawner or
#                                        DockerSpawner to separate students by account)
#   GRADLAB_HUB_ADMINS                   comma-separated teacher names (admin on the hub)
#   GRADLAB_HUB_API_TOKEN                a token for a "gradlab-admin" service (scripts, tests)
#   GRADLAB_HUB_PROXY                    the configurable-http-proxy program (dev.sh installs
#                                        it into node_modules/ of the repository)
#   GRADLAB_HUB_DATA                     where the hub keeps its database, cookie secret, logs
#   GRADLAB_HUB_CULL_IDLE                seconds after which an idle server is stopped (0: never)
#   GRADLAB_COURSE_ID, GRADLAB_NBGRADER_EXCHANGE   nbgrader's course and exchange folder
#                                        (default gradlab, DATA/exchange): students fetch
#                                        and submit there, the teacher releases and collects
import os
import sys
from pathlib import Path

c = get_config()  # noqa: F821 - JupyterHub's config loader defines it

env = os.environ.get
data = Path(env("GRADLAB_HUB_DATA", "hub-data")).resolve()
homes = Path(env("GRADLAB_HUB_HOMES", str(data / "homes"))).resolve()
data.mkdir(parents=True, exist_ok=True)
homes.mkdir(parents=True, exist_ok=True)

c.JupyterHub.ip = env("GRADLAB_HUB_IP", "127.0.0.1")
c.JupyterHub.port = int(env("GRADLAB_HUB_PORT", "8000"))
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = int(env("GRADLAB_HUB_INTERNAL_PORT", "8081"))
c.JupyterHub.db_url = f"sqlite:///{data / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(data / "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = str(data / "jupyterhub.pid")
c.ConfigurableHTTPProxy.pid_file = str(data / "proxy.pid")
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{int(env('GRADLAB_HUB_PROXY_API_PORT', '8001'))}"
if env("GRADLAB_HUB_PROXY"):
    c.ConfigurableHTTPProxy.command = [env("GRADLAB_HUB_PROXY")]
# many students start at the beginning of a class: let them all spawn at once
c.JupyterHub.concurrent_spawn_limit = 0
c.JupyterHub.active_server_limit = 0

# ---- who may log in
auth = env("GRADLAB_HUB_AUTH", "firstuse")
admins = {name for name in env("GRADLAB_HUB_ADMINS", "").split(",") if name}
if auth == "firstuse":
    c.JupyterHub.authenticator_class = "firstuseauthenticator.FirstUseAuthenticator"
    c.FirstUseAuthenticator.create_users = True
    c.FirstUseAuthenticator.min_password_length = 8
    c.FirstUseAuthenticator.dbm_path = str(data / "passwords.dbm")
elif auth == "shared":
    c.JupyterHub.authenticator_class = "shared-password"
    c.SharedPasswordAuthenticator.user_password = env("GRADLAB_HUB_SHARED_PASSWORD", "")
elif auth == "none":
    c.JupyterHub.authenticator_class = "null"
else:
    sys.exit(f"GRADLAB_HUB_AUTH={auth!r}: say firstuse, shared or none")
c.Authenticator.allow_all = True
c.Authenticator.admin_users = admins

# ---- the teacher's scripts (and the tests) act through a service token
token = env("GRADLAB_HUB_API_TOKEN")
if token:
    c.JupyterHub.services = [{"name": "gradlab-admin", "api_token": token}]
    c.JupyterHub.load_roles = [{"name": "gradlab-admin", "services": ["gradlab-admin"],
                                "scopes": ["admin:users", "admin:servers", "tokens", "list:users",
                                           "read:users", "access:servers"]}]

# ---- each student's server: their own home, the course's JupyterLab settings,
# the course opened (nbgitpuller copies it there first: gradlab.classroom.hub.nbgitpuller_link)
c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = str(homes / "{username}")
c.Spawner.default_url = "/lab"
c.Spawner.cmd = [sys.executable, "-m", "jupyterhub.singleuser"]
c.Spawner.http_timeout = 120
c.Spawner.start_timeout = 180
exchange = Path(env("GRADLAB_NBGRADER_EXCHANGE", str(data / "exchange"))).resolve()
exchange.mkdir(parents=True, exist_ok=True)
exchange.chmod(0o777)                  # nbgrader's exchange: every student writes inbound/
c.Spawner.environment = {
    "JUPYTERLAB_SETTINGS_DIR": str(Path(__file__).resolve().parents[1] / "lab" / "user-settings"),
    "JUPYTER_CONFIG_PATH": str(Path(__file__).resolve().parent / "student-config"),
    "GRADLAB_COURSE_ID": env("GRADLAB_COURSE_ID", "gradlab"),
    "GRADLAB_NBGRADER_EXCHANGE": str(exchange),
    "MPLBACKEND": "module://matplotlib_inline.backend_inline",
}
if hasattr(os, "geteuid") and os.geteuid() == 0:
    c.Spawner.args = ["--allow-root"]

# ---- idle servers are stopped, which frees their memory (jupyterhub-idle-culler)
cull = int(env("GRADLAB_HUB_CULL_IDLE", "3600"))
if cull > 0:
    c.JupyterHub.services = list(c.JupyterHub.services) + [{
        "name": "idle-culler", "command": [sys.executable, "-m", "jupyterhub_idle_culler", f"--timeout={cull}"]}]
    c.JupyterHub.load_roles = list(c.JupyterHub.load_roles) + [{
        "name": "idle-culler", "services": ["idle-culler"],
        "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"]}]
