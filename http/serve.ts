/**
 * Binds a fetch handler to a port with the host runtime's server (the only runtime-specific code
 * of the HTTP layer: Bun.serve or Deno.serve). `port: 0` picks a free port; the bound one is returned.
 */
export interface Served {
  port: number;
  stop(): Promise<void>;
}

export function serve(fetch: (req: Request) => Response | Promise<Response>, opts: { port: number; hostname?: string }): Served {
  const hostname = opts.hostname ?? '0.0.0.0';
  const g = globalThis as { Bun?: { serve(o: unknown): { port: number; stop(closeActive?: boolean): Promise<void> | void } }; Deno?: { serve(o: unknown, h: unknown): { addr: { port: number }; shutdown(): Promise<void> } } };
  if (g.Bun) {
    // SSE streams stay open: no idle timeout (Bun's default closes idle connections after 10 s).
    const server = g.Bun.serve({ port: opts.port, hostname, fetch, idleTimeout: 0 });
    return { port: server.port, stop: async () => void (await server.stop(true)) };
  }
  if (g.Deno) {
    const server = g.Deno.serve({ port: opts.port, hostname, onListen: () => {} }, fetch);
    return { port: server.addr.port, stop: () => server.shutdown() };
  }
  throw new Error('no HTTP server in this runtime: run with Bun or Deno');
}
