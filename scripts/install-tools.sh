#!/usr/bin/env bash
# Install the pinned Apify npm tools the tests use into <repo>/.tools (gitignored):
#   - apify-cli: `apify validate-schema` and the `apify run` smoke test (tests/test_apify_cli.py)
#   - @apify/actors-mcp-server: its input-schema -> MCP tool conversion (tests/test_mcp_tool_schema.py)
# Quick no-op when the pinned versions are already installed. The tests themselves need no network.
set -euo pipefail

APIFY_CLI_VERSION='1.10.0'
MCP_SERVER_VERSION='0.16.0'

ROOT="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="${ROOT}/.tools"

# The CLI reads these; keep it from phoning home whenever it is run from here.
export APIFY_CLI_DISABLE_TELEMETRY=1
export APIFY_CLI_SKIP_UPDATE_CHECK=1

installed_version() {
    local manifest="${TOOLS}/node_modules/$1/package.json"
    [[ -f "${manifest}" ]] || return 0
    node -p "require(process.argv[1]).version" "${manifest}"
}

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    echo "install-tools: node and npm are required (Node.js 20 or newer)" >&2
    exit 1
fi

if [[ "$(installed_version apify-cli)" == "${APIFY_CLI_VERSION}" \
    && "$(installed_version @apify/actors-mcp-server)" == "${MCP_SERVER_VERSION}" \
    && -x "${TOOLS}/node_modules/.bin/apify" ]]; then
    echo "install-tools: apify-cli@${APIFY_CLI_VERSION} and @apify/actors-mcp-server@${MCP_SERVER_VERSION} already in .tools"
    exit 0
fi

mkdir -p "${TOOLS}"
# --ignore-scripts: the only install script in the tree is apify-cli's postinstall, which just prints a banner.
# @apify/actors-mcp-server declares node >= 22; its schema conversion runs on Node 20 (EBADENGINE is a warning).
npm install --prefix "${TOOLS}" --no-audit --no-fund --save-exact --ignore-scripts --loglevel=error \
    "apify-cli@${APIFY_CLI_VERSION}" "@apify/actors-mcp-server@${MCP_SERVER_VERSION}"

echo "install-tools: installed $("${TOOLS}/node_modules/.bin/apify" --version)"
