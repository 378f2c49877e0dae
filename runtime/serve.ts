/**
 * Binds a fetch handler to a port with the host runtime's server (the only runtime-specific code
 * of the HTTP layer: Bun.serve or Deno.serve). `port: 0` picks a free port; the bound one is returned.
 *
 * Bound by default to 127.0.0.1: exposing the API is a decision (instance/config.ts `http.host`).
 *
 * Idle connections: Bun closes a connection with no traffic for `idleTimeoutSeconds` (default 30;
 * 3000 idle keep-alive sockets otherwise stay open forever); requests for which `untimed` is true
 * (the SSE streams, which send a keep-alive comment every 15 s anyway) are exempt via
 * `server.timeout(req, 0)`. Deno.serve has no idle or header timeout option (Deno 2.x): there, idle
 * keep-alive connections are bounded only by the client or a proxy in front; the body-read deadline,
 * the in-flight bound and the rate limits are the app's own and apply under both runtimes.
 */
export interface Served {
  port: number;
  stop(): Promise<void>;
}

export interface ServeOptions {
  port: number;
  hostname?: string;
  /** Seconds a connection may stay silent (Bun: 1–255; default 30). */
  idleTimeoutSeconds?: number;
  /** Requests exempt from the idle timeout (long-lived streams). */
  untimed?: (req: Request) => boolean;
}

export const DEFAULT_HOSTNAME = '127.0.0.1';

interface BunServer {
  port: number;
  stop(closeActive?: boolean): Promise<void> | void;
  timeout(req: Request, seconds: number): void;
}

export function serve(fetch: (req: Request) => Response | Promise<Response>, opts: ServeOptions): Served {
  const hostname = opts.hostname ?? DEFAULT_HOSTNAME;
  const g = globalThis as { Bun?: { serve(o: unknown): BunServer }; Deno?: { serve(o: unknown, h: unknown): { addr: { port: number }; shutdown(): Promise<void> } } };
  if (g.Bun) {
    const idleTimeout = Math.min(255, Math.max(1, Math.round(opts.idleTimeoutSeconds ?? 30)));
    const server = g.Bun.serve({
      port: opts.port,
      hostname,
      idleTimeout,
      fetch: (req: Request, srv: BunServer) => {
        if (opts.untimed?.(req)) srv.timeout(req, 0);
        return fetch(req);
      },
    });
    return { port: server.port, stop: async () => void (await server.stop(true)) };
  }
  if (g.Deno) {
    const server = g.Deno.serve({ port: opts.port, hostname, onListen: () => {} }, fetch);
    return { port: server.addr.port, stop: () => server.shutdown() };
  }
  throw new Error('no HTTP server in this runtime: run with Bun or Deno');
}

/** True for a request to one of `paths` (exact path match). */
export function pathIn(paths: ReadonlySet<string>): (req: Request) => boolean {
  return (req) => paths.has(new URL(req.url).pathname);
}
