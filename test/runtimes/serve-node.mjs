// Node (20, 22, 24): the conformance app through @hono/node-server, on a port the system picks.
import { serve } from '@hono/node-server';
import { conformanceApp } from './app.mjs';

serve({ fetch: conformanceApp(process.env), hostname: '127.0.0.1', port: 0 }, ({ port }) =>
  console.log(`LISTENING ${port}`),
);
