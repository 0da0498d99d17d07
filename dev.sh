#!/usr/bin/env bash
# gradlab's one setup script, behind the README's two commands.
#
#   bash dev.sh lab   [jupyter args...]  set everything up, open JupyterLab on notebooks/
#   bash dev.sh test  [pytest args...]   set everything up, run every test (unit + notebooks)
#   bash dev.sh bench [bench args...]    set everything up (+ the peers), run the benchmarks
#   bash dev.sh site                     set everything up, build the course website into _build/html
#   bash dev.sh setup                    only set up (.venv with the test extra, the hub's proxy)
#
# Setup is idempotent and quick when already done:
#   - system packages (graphviz's `dot`, python3-venv) via apt-get when running as root
#     on Debian/Ubuntu and missing; otherwise a one-line install hint;
#   - a virtualenv in .venv made with the machine's python3 (GRADLAB_PYTHON overrides);
#   - `pip install -e '.[extras]'`, skipped while .venv/.gradlab-stamp records the same
#     hash of pyproject.toml, interpreter and work-tree layout, and the extras asked for;
#   - for `test` and `setup`, JupyterHub's configurable-http-proxy with npm into node_modules/.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$ROOT"

export DEBIAN_FRONTEND=noninteractive
export PIP_DISABLE_PIP_VERSION_CHECK=1
export JUPYTER_PLATFORM_DIRS=1

VENV="$ROOT/.venv"
STAMP="$VENV/.gradlab-stamp"
PIP_LOG="$VENV/pip-install.log"
PYTHON="${GRADLAB_PYTHON:-python3}"

say()  { printf '[gradlab] %s\n' "$*"; }
warn() { printf '[gradlab] %s\n' "$*" >&2; }
die()  { printf '[gradlab] error: %s\n' "$*" >&2; exit 1; }

usage() {
    cat <<'EOF'
usage: bash dev.sh COMMAND [ARGS...]

  lab    set everything up, then open JupyterLab on notebooks/ (extra args go to jupyter lab)
  test   set everything up, then run every test: pytest over tests/ and nbval over
         notebooks/*.ipynb (extra args go to pytest, e.g. `bash dev.sh test -k grad`)
  bench  set everything up with the benchmark peers, then `python -m benchmarks ARGS`
  site   set everything up, then build the course website (notebooks with their stored
         outputs, offline) into _build/html
  setup  only set up
EOF
}

# ---------------------------------------------------------------- system packages

_apt_updated=0

can_apt() {
    command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]
}

# apt_install PKG... : install Debian packages (apt-get update once, only when needed).
apt_install() {
    local log
    log="$(mktemp)"
    if [ "$_apt_updated" = 0 ]; then
        say "apt-get update"
        if ! apt-get update -qq >"$log" 2>&1; then
            tail -n 20 "$log" >&2
            warn "apt-get update failed"
            rm -f "$log"
            return 1
        fi
        _apt_updated=1
    fi
    say "apt-get install $*"
    if ! apt-get install -y -qq --no-install-recommends "$@" >"$log" 2>&1; then
        tail -n 20 "$log" >&2
        warn "apt-get install $* failed"
        rm -f "$log"
        return 1
    fi
    rm -f "$log"
}

ensure_graphviz() {
    if command -v dot >/dev/null 2>&1; then
        return 0
    fi
    if can_apt; then
        # fonts-liberation2 is graphviz's recommended font: labels get measured with it.
        if apt_install graphviz fonts-liberation2 && command -v dot >/dev/null 2>&1; then
            return 0
        fi
        warn "could not install graphviz with apt-get; pictures fall back to text"
    fi
    warn "install graphviz (the \`dot\` program): sudo apt-get install graphviz / brew install graphviz / conda install graphviz"
}

# Whether $PYTHON can make a virtualenv with pip in it (Debian needs python3-venv).
venv_works() {
    local probe
    probe="$(mktemp -d)"
    if "$PYTHON" -m venv "$probe/v" >/dev/null 2>&1 && [ -x "$probe/v/bin/python" ]; then
        rm -rf "$probe"
        return 0
    fi
    rm -rf "$probe"
    return 1
}

ensure_python() {
    if ! command -v "$PYTHON" >/dev/null 2>&1; then
        if can_apt; then
            apt_install python3 python3-venv || die "could not install python3 with apt-get"
        else
            die "python3 not found: install Python >= 3.10 (sudo apt-get install python3 python3-venv / brew install python)"
        fi
    fi
    "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 10))' \
        || die "gradlab needs Python >= 3.10; $PYTHON is $("$PYTHON" -V 2>&1). Set GRADLAB_PYTHON to a newer one."
}

ensure_venv_module() {
    # Only matters when .venv must be (re)made.
    if venv_works; then
        return 0
    fi
    if can_apt; then
        local ver
        ver="$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
        # python3-venv for the default python3; python3.X-venv when python3 is another one.
        apt_install python3-venv || true
        venv_works || apt_install "python${ver}-venv" || true
        venv_works && return 0
    fi
    die "\`$PYTHON -m venv\` does not work: sudo apt-get install python3-venv (or use a Python that has venv)"
}

# The Debian chromium that the browser test drives through Playwright (never a
# downloaded browser). Only the test command calls this; failure is not fatal:
# the browser test then skips, with the reason.
ensure_browser() {
    local chromium=""
    for c in /usr/bin/chromium /usr/bin/chromium-browser; do
        if [ -x "$c" ]; then chromium="$c"; break; fi
    done
    if [ -z "$chromium" ]; then
        if can_apt; then
            if apt_install chromium; then
                [ -x /usr/bin/chromium ] && chromium=/usr/bin/chromium
            fi
            [ -n "$chromium" ] || warn "could not install Debian's chromium with apt-get; the browser test will skip"
        elif ! command -v apt-get >/dev/null 2>&1; then
            warn "no apt-get here, so no Debian chromium: the browser test will skip (set GRADLAB_CHROMIUM to a chromium binary to run it)"
        else
            warn "not root, so chromium is not installed: the browser test will skip (sudo apt-get install chromium to run it)"
        fi
    fi
    if [ -n "$chromium" ] && [ -z "${GRADLAB_CHROMIUM:-}" ]; then
        export GRADLAB_CHROMIUM="$chromium"
    fi
    if [ -n "${GRADLAB_CHROMIUM:-}" ]; then
        say "browser for the end-to-end test: $GRADLAB_CHROMIUM"
    fi
}

# configurable-http-proxy (JupyterHub's proxy, an npm package) for `gradlab hub` and the
# hub test, installed into node_modules/ of the repository (never globally). Needs Node.js
# >= 20 and npm: Debian's nodejs and npm packages when missing and root. Failure is not
# fatal: the hub test then skips, with the reason.
CHP_VERSION="5"
ensure_proxy() {
    local chp="$ROOT/node_modules/.bin/configurable-http-proxy"
    if [ -x "$chp" ]; then
        return 0
    fi
    if ! command -v npm >/dev/null 2>&1; then
        if can_apt; then
            apt_install nodejs npm || true
        fi
    fi
    if ! command -v npm >/dev/null 2>&1; then
        warn "no npm here, so no configurable-http-proxy: the hub test will skip (install Node.js >= 20 and npm)"
        return 0
    fi
    say "npm install configurable-http-proxy@$CHP_VERSION into node_modules/"
    local log
    log="$(mktemp)"
    if ! npm install --prefix "$ROOT" --no-save --no-package-lock --no-audit --no-fund \
            "configurable-http-proxy@$CHP_VERSION" >"$log" 2>&1; then
        tail -n 20 "$log" >&2
        warn "npm install configurable-http-proxy failed: the hub test will skip"
    fi
    rm -f "$log"
}

# ---------------------------------------------------------------- python environment

# The stamp's hash: pyproject.toml, the interpreter, and whether the package exists
# yet (an editable install made before gradlab/ existed has to be redone).
setup_hash() {
    "$VENV/bin/python" - "$ROOT" <<'EOF'
import hashlib, os, sys
root = sys.argv[1]
h = hashlib.sha256()
with open(os.path.join(root, "pyproject.toml"), "rb") as f:
    h.update(f.read())
h.update(sys.version.encode())
h.update(sys.executable.encode())
h.update(str(os.path.isfile(os.path.join(root, "gradlab", "__init__.py"))).encode())
print(h.hexdigest())
EOF
}

# ensure_env EXTRA... : .venv exists and has `-e .[EXTRA,...]` installed.
ensure_env() {
    local extras=("$@")
    ensure_python

    if [ -e "$VENV" ] && ! "$VENV/bin/python" -m pip --version >/dev/null 2>&1; then
        say ".venv is broken (its Python or pip moved or went away); making it again"
        rm -rf "$VENV"
    fi
    if [ ! -e "$VENV/bin/python" ]; then
        ensure_venv_module
        say "making the virtualenv .venv with $("$PYTHON" -V 2>&1) ($(command -v "$PYTHON"))"
        "$PYTHON" -m venv "$VENV" || { rm -rf "$VENV"; die "could not make .venv with $PYTHON"; }
    fi

    local hash want have_hash have_extras missing=0 e
    hash="$(setup_hash)"
    have_hash=""
    have_extras=""
    if [ -f "$STAMP" ]; then
        read -r have_hash have_extras <"$STAMP" || true
    fi
    if [ "$have_hash" = "$hash" ]; then
        for e in "${extras[@]}"; do
            case ",$have_extras," in
                *",$e,"*) ;;
                *) missing=1 ;;
            esac
        done
        if [ "$missing" = 0 ]; then
            say "environment up to date (.venv: gradlab[$have_extras])"
            return 0
        fi
        # Keep what is installed: ask for the union.
        for e in ${have_extras//,/ }; do
            case " ${extras[*]} " in
                *" $e "*) ;;
                *) extras+=("$e") ;;
            esac
        done
    fi

    want="$(IFS=,; echo "${extras[*]}")"
    say "pip install -e '.[$want]' into .venv (log: .venv/pip-install.log)"
    local t0=$SECONDS
    # pip on this machine may carry a constraints file (/etc/xdg/pip): it applies here too.
    if ! "$VENV/bin/python" -m pip install --progress-bar off -e ".[$want]" >"$PIP_LOG" 2>&1; then
        tail -n 40 "$PIP_LOG" >&2
        die "pip install failed (full log: $PIP_LOG)"
    fi
    printf '%s %s\n' "$hash" "$want" >"$STAMP"
    say "installed gradlab[$want] in $((SECONDS - t0)) s"
}

# ---------------------------------------------------------------- commands

has_display() {
    case "$(uname -s)" in
        Darwin) return 0 ;;
    esac
    [ -n "${DISPLAY:-}" ] || [ -n "${WAYLAND_DISPLAY:-}" ]
}

cmd_lab() {
    ensure_graphviz
    ensure_env test
    mkdir -p "$ROOT/notebooks"
    local host=127.0.0.1 port="${GRADLAB_PORT:-8888}" a prev=""
    local args=(--ip="$host" --ServerApp.root_dir="$ROOT/notebooks")
    # A --port given on the command line wins over GRADLAB_PORT (jupyter takes one).
    local user_port=0
    for a in "$@"; do
        case "$a" in
            --port=*|--ServerApp.port=*) port="${a#*=}"; user_port=1 ;;
        esac
        case "$prev" in
            --port|--ServerApp.port) port="$a"; user_port=1 ;;
        esac
        prev="$a"
    done
    [ "$user_port" = 1 ] || args+=(--port="$port")
    # The classroom settings that live in the repository (no news or update pop-ups; the
    # same ones binder/start uses) and the course's first notebook opened.
    export JUPYTERLAB_SETTINGS_DIR="${JUPYTERLAB_SETTINGS_DIR:-$ROOT/jupyter/lab/user-settings}"
    local first
    first="$(PYTHONPATH="$ROOT" "$VENV/bin/python" -c 'import sys; from pathlib import Path; from gradlab.classroom.lab import first_notebook_args; print(*first_notebook_args(Path(sys.argv[1]), sys.argv[2:]))' "$ROOT/notebooks" "$@")"
    [ -z "$first" ] || args+=("$first")
    # Jupyter refuses to run as root without being told (containers, CI, fresh VMs).
    [ "$(id -u)" = 0 ] && args+=(--allow-root)
    if ! has_display; then
        args+=(--no-browser)
        say "no display here: open the URL printed below in a browser"
    fi
    say "opening JupyterLab on notebooks/ at http://$host:$port/lab (if that port is taken, jupyter picks"
    say "the next one; its own log below prints the exact URL with the access token; Ctrl-C stops it)"
    exec "$VENV/bin/jupyter" lab "${args[@]}" "$@"
}

# Whether the user named test paths (then run just those, not every test).
names_paths() {
    local a
    for a in "$@"; do
        case "$a" in
            -*) continue ;;
        esac
        [ -e "${a%%::*}" ] && return 0
    done
    return 1
}

cmd_test() {
    ensure_graphviz
    ensure_env test
    ensure_browser
    ensure_proxy
    local targets=()
    if ! names_paths "$@"; then
        [ -d tests ] && targets+=(tests)
        [ -d notebooks ] && targets+=(notebooks)
    fi
    say "pytest ${targets[*]} --nbval-lax $*"
    local rc=0
    # --nbval-lax: a notebook cell's output is compared only where the cell's
    # metadata carries the tag `nbval-check-output`; --nbval-current-env: run
    # notebooks in .venv's Python.
    "$VENV/bin/python" -m pytest ${targets[@]+"${targets[@]}"} --nbval-lax --nbval-current-env "$@" || rc=$?
    if [ "$rc" = 5 ]; then
        say "pytest collected no test (exit 5): nothing failed"
        rc=0
    fi
    return "$rc"
}

cmd_site() {
    ensure_env test
    exec "$VENV/bin/python" -m gradlab.classroom.site "$@"
}

cmd_bench() {
    ensure_graphviz
    if ! command -v g++ >/dev/null 2>&1; then
        # pytensor compiles its C backend with g++; without it, it runs in Python (slow).
        if can_apt; then
            apt_install g++ || warn "could not install g++; pytensor will run without its C backend"
        else
            warn "install g++ for pytensor's C backend: sudo apt-get install g++ / xcode-select --install"
        fi
    fi
    ensure_env test bench
    exec "$VENV/bin/python" -m benchmarks "$@"
}

main() {
    local cmd="${1:-}"
    [ $# -gt 0 ] && shift
    case "$cmd" in
        lab)   cmd_lab "$@" ;;
        test)  cmd_test "$@" ;;
        bench) cmd_bench "$@" ;;
        site)  cmd_site "$@" ;;
        setup) ensure_graphviz; ensure_env test; ensure_proxy ;;
        -h|--help|help) usage ;;
        *) usage >&2; exit 2 ;;
    esac
}

main "$@"
