/** Loopback ports for the private services the tests and the benchmark run (tools/postgres.ts, tools/neutron.ts). */
import * as net from "node:net";

/** A loopback port nothing listens on (now): the kernel's pick for a listener, closed again. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}
