// An HTTP/1.1 POST written by hand over one socket, for clients no well-behaved library will play: one that
// declares a body and sends only part of it, trickles it, or stalls. It records what the server answered and when
// the connection closed; `send` and `pump` report whether the server still takes bytes.
import { connect, type Socket } from 'node:net';
import { once } from 'node:events';

export interface RawPost {
  readonly socket: Socket;
  /** Body bytes handed to the socket so far. */
  readonly sent: number;
  /** What the server sent back so far (latin1), '' if nothing yet. */
  response(): string;
  /** The status code of the answer once its status line has arrived, else null. */
  status(): number | null;
  /** True once the server's answer began before the declared body was all sent: it did not wait for the body. */
  answeredEarly(): boolean;
  /** Resolves when the connection is closed, by either side. */
  readonly closed: Promise<void>;
  /** Writes `bytes`; resolves false if the connection is gone. */
  send(bytes: Buffer): Promise<boolean>;
  /** Sends `total` bytes of `fill` in 1 MiB writes, waiting for the socket to drain; stops early if it closes. */
  pump(total: number, fill?: number): Promise<number>;
}

const CHUNK = 1024 * 1024;

/** Opens the connection and sends the request line and headers (nothing of the body). */
export async function rawPost(baseUrl: string, path: string, headers: Record<string, string>): Promise<RawPost> {
  const { hostname, port } = new URL(baseUrl);
  const socket = connect(Number(port), hostname);
  socket.on('error', () => undefined); // EPIPE / ECONNRESET after the server closed: recorded through `closed`.
  await once(socket, 'connect');
  const declared = Number(headers['content-length'] ?? NaN);
  let received = '';
  let sent = 0;
  let sentAtAnswer: number | null = null;
  let gone = false;
  socket.on('data', (data: Buffer) => {
    if (received === '') sentAtAnswer = sent;
    received += data.toString('latin1');
  });
  const closed = once(socket, 'close').then(() => {
    gone = true;
  });
  const head = [`POST ${path} HTTP/1.1`, `Host: ${hostname}:${port}`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`), '', ''].join('\r\n');
  socket.write(head);

  const send = async (bytes: Buffer): Promise<boolean> => {
    if (gone || socket.destroyed) return false;
    sent += bytes.length;
    // `once` rejects on 'error' (EPIPE once the server has closed): that is the connection being gone, not a failure.
    if (!socket.write(bytes)) await Promise.race([once(socket, 'drain'), closed]).catch(() => undefined);
    return !gone && !socket.destroyed;
  };
  return {
    socket,
    get sent() {
      return sent;
    },
    response: () => received,
    status() {
      const match = /^HTTP\/1\.1 (\d{3})/.exec(received);
      return match ? Number(match[1]) : null;
    },
    answeredEarly: () => sentAtAnswer !== null && !(sentAtAnswer >= declared),
    closed,
    send,
    async pump(total, fill = 0x61) {
      const chunk = Buffer.alloc(CHUNK, fill);
      let pumped = 0;
      while (pumped < total) {
        const piece = chunk.subarray(0, Math.min(CHUNK, total - pumped));
        if (!(await send(piece))) break;
        pumped += piece.length;
      }
      return pumped;
    },
  };
}

/** Waits for `promise` at most `ms`; true if it settled in time. The timer is cleared either way (no lingering wait). */
export async function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([promise.then(() => true as const), expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** Checks `done` every 100 ms for at most `ms`; true once it holds. */
export async function until(done: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return true;
}
