import { Agent, createServer, type IncomingMessage, request, type ServerResponse } from 'node:http';

/**
 * A load balancer for tests and benchmarks: each request goes to the next of `backends` in turn, so one client's
 * requests in one round land on different server processes. Plain HTTP forwarding (headers, body,
 * status); held long polls pass through untouched; a backend that refuses the connection is
 * skipped. `add` takes a process started later.
 */
export async function roundRobinProxy(backends: string[]): Promise<{
  url: string;
  add: (backend: string) => void;
  /** Requests forwarded to each backend so far. */
  served: Map<string, number>;
  close: () => Promise<void>;
}> {
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const served = new Map(backends.map((b) => [b, 0]));
  let next = 0;
  const forward = (incoming: IncomingMessage, outgoing: ServerResponse, body: Buffer, tries: number) => {
    const backend = backends[next++ % backends.length]!;
    served.set(backend, (served.get(backend) ?? 0) + 1);
    const target = new URL(incoming.url ?? '/', backend);
    const upstream = request(
      target,
      { method: incoming.method, headers: { ...incoming.headers, host: target.host }, agent },
      (reply) => {
        outgoing.writeHead(reply.statusCode ?? 502, reply.headers);
        reply.pipe(outgoing);
      },
    );
    upstream.on('error', (error: NodeJS.ErrnoException) => {
      // A dead backend (refused, or reset before answering) is skipped, as a load balancer's retry does.
      if (!outgoing.headersSent && tries > 1 && ['ECONNREFUSED', 'ECONNRESET'].includes(error.code ?? ''))
        forward(incoming, outgoing, body, tries - 1);
      else if (!outgoing.headersSent) outgoing.writeHead(502).end();
      else outgoing.destroy();
    });
    upstream.end(body);
  };
  const server = createServer((incoming, outgoing) => {
    // The body is read whole first, as load balancers buffer it: a backend refusing an oversized
    // body at its headers then still answers instead of resetting a half-sent upload.
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => forward(incoming, outgoing, Buffer.concat(chunks), backends.length));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    add: (backend) => {
      backends.push(backend);
      served.set(backend, 0);
    },
    served,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      agent.destroy();
    },
  };
}
