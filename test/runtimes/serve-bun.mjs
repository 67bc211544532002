// Bun: the conformance app through Bun.serve, on a port the system picks.
import { conformanceApp } from './app.mjs';

const server = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: conformanceApp(process.env) });
console.log(`LISTENING ${server.port}`);
