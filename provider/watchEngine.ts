/**
 * Ends a provider process once the engine that started it is gone: a `pulumi` CLI killed mid-run
 * would otherwise leave it running, holding the backend. The engine's address (HOST:PORT, passed
 * to every provider it starts) stops accepting connections when the engine dies: three refused
 * probes, a second apart, end the process. Whatever it was doing is a transaction the backend
 * rolls back whole (see README "Crash safety").
 */
import * as net from "node:net";

let watching = false;

/** Starts watching `engineAddress` (once per process; an address that is no HOST:PORT is ignored). */
export function watchEngine(engineAddress: string): void {
  if (watching) return;
  const address = /^([\w.-]+|\[[\da-f:]+\]):(\d+)$/i.exec(engineAddress);
  if (!address) return;
  watching = true;
  const host = address[1]!.replace(/^\[|\]$/g, "");
  const port = Number(address[2]);
  let failures = 0;
  const timer = setInterval(() => {
    const socket = net.connect({ host, port });
    socket.setTimeout(2_000);
    socket.once("connect", () => {
      failures = 0;
      socket.destroy();
    });
    const failed = () => {
      socket.destroy();
      if (++failures >= 3) process.exit(1);
    };
    socket.once("error", failed);
    socket.once("timeout", failed);
  }, 1_000);
  timer.unref();
}
