#!/usr/bin/env bash
# The Docker image's Python, for running the e2e subset on what we ship (`make test-shipped`).
#
# Reads the version from the Dockerfile (FROM apify/actor-python:X.Y), finds that interpreter here (pythonX.Y on
# PATH, else pyenv's newest X.Y.*), and prints the python of a venv holding requirements.txt alone, installed as the
# Dockerfile installs it. The venv is cached in .tools/image-python/, keyed by the interpreter's full version and
# requirements.txt's hash: built once (a minute or so from PyPI), reused instantly after.
#
# When that Python is not installed here it says so on stderr and prints nothing: the caller skips the run, and
# under CI (CI=true) it fails instead, because CI must test what we ship.
#
#   bash scripts/image-python.sh           # build or reuse the venv; print its python
#   bash scripts/image-python.sh --find    # print the interpreter only (nothing when missing); builds nothing
#
# IMAGE_PYTHON_VERSION overrides the Dockerfile's version (the tests use it to check the message for a missing one).
set -euo pipefail

ROOT="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)"
VERSION="${IMAGE_PYTHON_VERSION:-$(sed -n 's|^FROM apify/actor-python:\([0-9][0-9]*\.[0-9][0-9]*\)$|\1|p' "${ROOT}/Dockerfile")}"
if [[ -z "${VERSION}" ]]; then
    echo "image-python: no 'FROM apify/actor-python:<major.minor>' line in the Dockerfile" >&2
    exit 1
fi

find_interpreter() {
    local candidate
    local pyenv_root="${PYENV_ROOT:-${HOME}/.pyenv}"
    # pyenv's shims are on PATH but fail for versions that are not selected, so each candidate must really run.
    for candidate in "python${VERSION}" $(ls -d "${pyenv_root}/versions/${VERSION}".*/bin/"python${VERSION}" 2>/dev/null | sort -V -r); do
        if "${candidate}" -c 'import sys, venv' >/dev/null 2>&1; then
            command -v "${candidate}"
            return 0
        fi
    done
    return 1
}

if ! interpreter="$(find_interpreter)"; then
    {
        echo "*** image-python: Python ${VERSION} (the Docker image's, apify/actor-python:${VERSION}) is not installed here,"
        echo "*** so the e2e subset did NOT run on the Python the Actor ships with."
        echo "*** Install it (pyenv install ${VERSION}, or your package manager's python${VERSION}) and run make check again."
    } >&2
    [[ "${CI:-}" == 'true' ]] && exit 1
    exit 0
fi
if [[ "${1:-}" == '--find' ]]; then
    echo "${interpreter}"
    exit 0
fi

full_version="$("${interpreter}" -c 'import platform; print(platform.python_version())')"
requirements_hash="$(sha256sum "${ROOT}/requirements.txt" | cut -c1-12)"
venv="${ROOT}/.tools/image-python/${full_version}-${requirements_hash}"
mkdir -p "${ROOT}/.tools/image-python"

# One builder at a time (.tools may be shared by worktrees); a venv without its .complete marker is half-built.
exec 9>"${ROOT}/.tools/image-python/.lock"
flock 9
if [[ ! -f "${venv}/.complete" ]]; then
    started=${SECONDS}
    echo "image-python: building ${venv#"${ROOT}/"} (Python ${full_version}, requirements.txt only)" >&2
    rm -rf "${venv}"
    "${interpreter}" -m venv "${venv}"
    # As the Dockerfile installs it: requirements.txt and nothing else.
    "${venv}/bin/python" -m pip install --quiet --disable-pip-version-check --no-input -r "${ROOT}/requirements.txt" >&2
    touch "${venv}/.complete"
    echo "image-python: built in $((SECONDS - started)) s" >&2
else
    echo "image-python: reusing ${venv#"${ROOT}/"} (Python ${full_version})" >&2
fi
echo "${venv}/bin/python"
