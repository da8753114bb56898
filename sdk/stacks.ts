/**
 * Cheaper resource registration under ts-node (which runs every TypeScript Pulumi program).
 *
 * While a resource registers, @pulumi/pulumi wraps each of its properties in four promises and
 * gives each the formatted stack of where it was made (`debuggablePromise`, shown only when a
 * program exits with a promise unresolved); under ts-node every such stack is mapped through source
 * maps. With this package's 7 to 15 properties per resource that was about 30 % of the CPU of a
 * `pulumi preview` of 500 resources (bench/README.md). So the resource constructors register with
 * `Error.stackTraceLimit` at 0 and those promises carry no frames. What the engine records of each
 * resource's origin (`sourcePosition`, `stackTrace` in the state) is unaffected: the SDK raises
 * the limit itself to take it. An error thrown during registration gets the stack of the program
 * line that constructed the resource.
 */

/** Sets `Error.stackTraceLimit` to 0; the returned function puts the previous limit back (idempotent). */
export function pauseStackTraces(): () => void {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  return () => {
    Error.stackTraceLimit = limit;
  };
}

/**
 * `err`, given the stack of the code that called `constructor` if it was made while stack traces
 * were paused (it has no frames); any other value as it is. Call it after resuming.
 */
export function withCallerStack(err: unknown, constructor: Function): unknown {
  if (err instanceof Error && !/\n\s+at /.test(err.stack ?? "")) Error.captureStackTrace(err, constructor);
  return err;
}
