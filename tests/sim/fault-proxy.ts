/**
 * A TCP proxy between the service and PostgreSQL that the simulator can sever: every open
 * connection is destroyed at once (both directions, no FIN handshake with the server
 * first), which is what a dropped network link looks like to a transaction in flight.
 * PostgreSQL rolls the transaction back; the service must surface an error (5xx or a dropped
 * response) and a retry with the same Idempotency-Key must then do the work exactly once.
 */
import net from 'node:net';

export interface FaultProxy {
  readonly port: number;
  /** Connections currently open. */
  connectionCount(): number;
  /** Destroy every open connection now; returns how many were cut. */
  sever(): number;
  /** Total connections cut so far. */
  severedTotal(): number;
  close(): Promise<void>;
}

export async function startFaultProxy(target: { host: string; port: number }): Promise<FaultProxy> {
  const pairs = new Set<{ client: net.Socket; upstream: net.Socket }>();
  let severed = 0;
  const server = net.createServer((client) => {
    const upstream = net.connect({ host: target.host, port: target.port });
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    const pair = { client, upstream };
    pairs.add(pair);
    client.pipe(upstream);
    upstream.pipe(client);
    const teardown = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', teardown);
    upstream.on('error', teardown);
    client.on('close', teardown);
    upstream.on('close', teardown);
  });
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => done());
  });
  const address = server.address();
  if (typeof address !== 'object' || !address) throw new Error('fault proxy has no address');
  return {
    port: address.port,
    connectionCount: () => pairs.size,
    sever() {
      const cut = pairs.size;
      for (const { client, upstream } of [...pairs]) {
        // resetAndDestroy sends RST where supported, like a broken link.
        (client as net.Socket & { resetAndDestroy?: () => void }).resetAndDestroy?.() ?? client.destroy();
        upstream.destroy();
      }
      pairs.clear();
      severed += cut;
      return cut;
    },
    severedTotal: () => severed,
    close() {
      for (const { client, upstream } of [...pairs]) {
        client.destroy();
        upstream.destroy();
      }
      pairs.clear();
      return new Promise<void>((done) => server.close(() => done()));
    },
  };
}
