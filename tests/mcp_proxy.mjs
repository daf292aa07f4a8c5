// Call this Actor's MCP server exactly as @apify/actors-mcp-server (mcp.apify.com) proxies a Standby MCP Actor.
//
// Usage: node tests/mcp_proxy.mjs URL < calls.json
//   URL: the server's MCP endpoint (http://127.0.0.1:PORT/mcp)
//   stdin: JSON array of {tool, arguments}: calls as an agent makes them, before the proxy validates them
// Prints one JSON line: {tools: [{name, originToolName, annotations}], calls: [{valid, errors, sent, result}]}.
//   name: the proxied name the agent sees (<user>--<actor>--<tool>); valid/errors: the proxy's own AJV verdict on the
//   arguments (it coerces them in place, e.g. an agent's null into "", and drops unknown ones); sent: the arguments
//   it forwards; result: the tool's answer ({isError, text, structuredContent}), or null when the proxy refused.
//
// It imports the server's own code from the pinned package in <repo>/.tools (scripts/install-tools.sh):
// connectMCPClient (its MCP client: streamable HTTP first, a bearer token) and getMCPServerTools (lists the tools,
// names them, compiles each input schema with its AJV). A new client per call, as the server does. No network is
// used beyond URL.
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, '.tools', 'node_modules', '@apify', 'actors-mcp-server', 'dist');
const { connectMCPClient } = await import(pathToFileURL(join(dist, 'mcp', 'client.js')).href);
const { getMCPServerTools } = await import(pathToFileURL(join(dist, 'mcp', 'proxy.js')).href);

const url = process.argv[2];
const calls = process.stdin.isTTY ? [] : JSON.parse(readFileSync(0, 'utf8').trim() || '[]');
const token = 'apify_api_test_token';
const actorFullName = 'publisher/coinglass-liquidation-mcp';

async function withClient(work) {
    const client = await connectMCPClient(url, token);
    if (client === null) throw new Error(`could not connect to ${url}`);
    try {
        return await work(client);
    } finally {
        await client.close();
    }
}

const tools = await withClient((client) => getMCPServerTools('local', client, url, actorFullName));
const results = [];
for (const { tool: name, arguments: args } of calls) {
    const tool = tools.find((candidate) => candidate.originToolName === name);
    const sent = structuredClone(args);
    const valid = tool.ajvValidate(sent);
    if (!valid) {
        results.push({ valid, errors: tool.ajvValidate.errors, sent, result: null });
        continue;
    }
    const answer = await withClient((client) => client.callTool({ name: tool.originToolName, arguments: sent }));
    const text = answer.content.map((part) => part.text).join('\n');
    results.push({
        valid,
        errors: null,
        sent,
        result: { isError: answer.isError ?? false, text, structuredContent: answer.structuredContent ?? null },
    });
}
console.log(
    JSON.stringify({
        tools: tools.map(({ name, originToolName, annotations }) => ({ name, originToolName, annotations })),
        calls: results,
    }),
);
