/**
 * A TCP proxy in front of a service (the MongoDB-wire server, Keycloak) that holds all traffic once the clients
 * have sent a given number of messages. A fault test stops the real service while the traffic is held and then
 * releases it, so the fault lands at the same point of `pulumi up` on every run — not "whenever the engine's
 * events reach the test", which on a busy machine can be after the last write.
 */
import { connect, createServer, type Socket } from "node:net";
import type { AddressInfo } from "node:net";

export interface TcpGate {
  /** The port clients use instead of the service's. */
  port: number;
  /** Resolves when the gate has started holding traffic. */
  held: Promise<void>;
  /**
   * Cuts every open connection (as a stopped service does) and forwards new ones to whatever now listens on the port.
   */
  release(): void;
  close(): Promise<void>;
}

/** Counts the messages in one direction of one connection, chunk by chunk. */
export type MessageCounter = () => (chunk: Buffer) => number;

/** MongoDB wire messages: each starts with its int32 little-endian length. */
export const wireMessages: MessageCounter = () => {
  let header = Buffer.alloc(0);
  let remaining = 0;
  return (chunk) => {
    let count = 0;
    let at = 0;
    while (at < chunk.length) {
      if (remaining === 0) {
        const part = chunk.subarray(at, at + 4 - header.length);
        header = Buffer.concat([header, part]);
        at += part.length;
        if (header.length < 4) break;
        remaining = Math.max(0, header.readInt32LE(0) - 4);
        header = Buffer.alloc(0);
        if (remaining === 0) count++;
        continue;
      }
      const take = Math.min(remaining, chunk.length - at);
      remaining -= take;
      at += take;
      if (remaining === 0) count++;
    }
    return count;
  };
};

/** HTTP/1.1 requests: each head ends with an empty line (the admin API's JSON bodies hold none). */
export const httpRequests: MessageCounter = () => {
  let tail = "";
  return (chunk) => {
    const text = tail + chunk.toString("latin1");
    tail = text.slice(-3);
    return text.split("\r\n\r\n").length - 1;
  };
};

export async function tcpGate(
  targetPort: number,
  holdAfterMessages: number,
  counter: MessageCounter,
): Promise<TcpGate> {
  let sent = 0;
  let holding = false;
  let heldOnce = false;
  let onHeld: () => void = () => undefined;
  const held = new Promise<void>((resolve) => (onHeld = resolve));
  const accepted: Socket[] = []; // connections that arrived while holding
  const sockets = new Set<Socket>();
  const track = (s: Socket) => (sockets.add(s), s.on("close", () => sockets.delete(s)));

  const forward = (client: Socket) => {
    const upstream = track(connect(targetPort, "127.0.0.1"));
    const count = counter();
    client.on("data", (chunk: Buffer) => {
      if (holding) {
        client.pause(); // held; the socket is cut on release
        return;
      }
      sent += count(chunk);
      upstream.write(chunk);
      if (sent >= holdAfterMessages && !heldOnce) {
        holding = heldOnce = true;
        onHeld();
      }
    });
    upstream.on("data", (chunk: Buffer) => client.write(chunk));
    for (const [a, b] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      a.on("error", () => b.destroy());
      a.on("close", () => b.destroy());
    }
  };

  const server = createServer((client) => {
    track(client);
    if (holding) accepted.push(client.pause());
    else forward(client);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    held,
    release() {
      // What a stopped service does to its clients: every open connection is cut; new ones go to the port.
      for (const s of sockets) if (!accepted.includes(s)) s.destroy();
      holding = false;
      for (const client of accepted.splice(0)) {
        if (client.destroyed) continue;
        forward(client);
        client.resume();
      }
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}
