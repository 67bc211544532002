// Deno: the conformance app through Deno.serve, on a port the system picks.
import { conformanceApp } from './app.mjs';

Deno.serve(
  { hostname: '127.0.0.1', port: 0, onListen: ({ port }) => console.log(`LISTENING ${port}`) },
  conformanceApp(Deno.env.toObject()),
);
