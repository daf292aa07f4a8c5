// Build the MCP tool for this Actor exactly as @apify/actors-mcp-server does, from the local .actor/ files.
//
// Usage: node tests/mcp_convert.mjs [ACTOR_DIR] < inputs.json
//   ACTOR_DIR: the folder holding actor.json and input_schema.json (default: <repo>/.actor)
//   stdin: optional JSON array of tool inputs to validate with the tool's own AJV validator
// Prints one JSON line: {server, node, name, description, inputSchema, memoryMbytes, memoryMbytesWithConsoleDefault,
// validation: [{valid, errors, coerced, platform, direct}]}.
//   memoryMbytes: the memory the server starts runs with; ...WithConsoleDefault: the same once the Actor's Console
//     default run memory is actor.json's defaultMemoryMbytes.
//   coerced: the input after the server's validation, which coerces in place (coerceTypes: 'array', so an agent's
//     null becomes "", 0, false or [""]); the server then drops its own `waitSecs` and starts the run with the rest.
//   platform: what the platform does next, when the server let the input through: {valid, errors, input}, the input
//     validated and its defaults filled in as the pinned apify-cli validates a run's input (`apify run`, its local
//     stand-in for the platform's check): @apify/input_schema's validateInputUsingValidator over an AJV 2019
//     validator in which only required fields without a default are required.
//   direct: the same for the input as given, as when an API caller sends it to the platform without the server.
//
// It imports getNormalActorsAsTools() from the pinned package in <repo>/.tools (scripts/install-tools.sh):
// the function the server runs for every Actor it exposes (mark required, filter keywords, shorten, add
// examples, inject waitSecs, compile with AJV). The function is not in the package's public exports, so the
// dist file is imported by path. No network is used.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const packageDir = join(root, '.tools', 'node_modules', '@apify', 'actors-mcp-server');
const factory = join(packageDir, 'dist', 'tools', 'actors', 'actor_tools_factory.js');

const actorDir = resolve(process.argv[2] ?? join(root, '.actor'));
const actor = JSON.parse(readFileSync(join(actorDir, 'actor.json'), 'utf8'));
const input = JSON.parse(readFileSync(resolve(actorDir, actor.input ?? './input_schema.json'), 'utf8'));
const examples = process.stdin.isTTY ? [] : JSON.parse(readFileSync(0, 'utf8').trim() || '[]');

const { getNormalActorsAsTools } = await import(pathToFileURL(factory).href);
const { version } = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8'));

const definition = {
    id: 'local',
    actorFullName: `publisher/${actor.name}`,
    description: actor.description,
    input,
};
const tools = await getNormalActorsAsTools([{ definition }]);
if (tools.length !== 1) {
    throw new Error(`expected one tool, got ${tools.length} (the server failed to compile the input schema)`);
}
const [tool] = tools;
// The Actor's default run options are its Console settings, not actor.json: the same Actor once more, as if its
// Console default memory were actor.json's defaultMemoryMbytes (above it has none, as `apify push` creates it).
const consoleMemory = actor.defaultMemoryMbytes;
const [withConsoleMemory] = await getNormalActorsAsTools([
    { definition: { ...definition, defaultRunOptions: { memoryMbytes: consoleMemory } } },
]);

// The platform's input validation, as apify-cli 1.10.0 runs it (its getAjvValidator, defaults, validateInputUsingValidator).
const cliRequire = createRequire(join(root, '.tools', 'node_modules', 'apify-cli', 'package.json'));
const { default: Ajv2019 } = cliRequire('ajv/dist/2019.js');
const { validateInputSchema, validateInputUsingValidator } = cliRequire('@apify/input_schema');
const platformAjv = new Ajv2019({ strict: false, unicodeRegExp: false });
validateInputSchema(platformAjv, input);
const defaults = Object.fromEntries(
    Object.entries(input.properties)
        .filter(([, property]) => property.default !== undefined)
        .map(([name, property]) => [name, property.default]),
);
const platformSchema = structuredClone(input);
platformSchema.required = (input.required ?? []).filter((name) => input.properties[name].default === undefined);
for (const name of platformSchema.required) {
    const property = platformSchema.properties[name];
    if (property.type === 'array') property.minItems = Math.max(1, property.minItems ?? 0);
}
delete platformSchema.$schema;
const platformValidator = platformAjv.compile(platformSchema);

function platform(sent) {
    const { waitSecs, ...actorInput } = sent; // the server keeps waitSecs for itself
    const merged = { ...defaults, ...actorInput };
    const errors = validateInputUsingValidator(platformValidator, input, merged);
    return { valid: errors.length === 0, errors: errors.map((error) => error.message), input: merged };
}

const validation = examples.map((example) => {
    const coerced = structuredClone(example);
    const valid = tool.ajvValidate(coerced);
    const errors = tool.ajvValidate.errors ?? null;
    return {
        valid,
        errors,
        coerced,
        platform: valid ? platform(structuredClone(coerced)) : null,
        direct: platform(structuredClone(example)), // the same input sent to the API directly, not through MCP
    };
});

process.stdout.write(
    `${JSON.stringify({
        server: version,
        node: process.version,
        name: tool.name,
        description: tool.description,
        inputSchema: tool.inputSchema,
        memoryMbytes: tool.memoryMbytes,
        memoryMbytesWithConsoleDefault: withConsoleMemory.memoryMbytes,
        validation,
    })}\n`,
);
