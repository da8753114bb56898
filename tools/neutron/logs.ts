/**
 * Log files of the services and their set-up steps, as an error quotes them: the records logged at
 * ERROR or CRITICAL first, then the tail.
 */
import * as fs from "node:fs";

/** Lines of a log quoted in an error. */
const TAIL_LINES = 60;

/**
 * What an error quotes of a service's log: the first lines of the records it logged at ERROR or
 * CRITICAL (oslo.log's `… ERROR module [-] message`; a traceback's continuation lines repeat the
 * header without `[…]` and are left out), which name the cause a long traceback pushes out of the
 * tail, then the tail.
 */
export function logReport(file: string): string {
  const text = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
  const errors = text
    .split("\n")
    .filter((line) => /\s(ERROR|CRITICAL) \S+ \[[^\]]*\] /.test(line))
    .slice(0, 10);
  const logged = errors.length ? `the errors it logged first:\n${errors.join("\n")}\n` : "";
  return `${logged}the last lines of ${file}:\n${tail(file)}`;
}

/** The last `lines` lines of a file ("(empty)" or "(missing)" otherwise). */
export function tail(file: string, lines = TAIL_LINES): string {
  if (!fs.existsSync(file)) return "(missing)";
  const text = fs.readFileSync(file, "utf8").trimEnd();
  return text ? text.split("\n").slice(-lines).join("\n") : "(empty)";
}
