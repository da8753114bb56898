/** Exit codes of the `secgroups` command line and the errors that lead to them. */
import { SecgroupsError, type ErrorDetails } from "../errors";

/** Exit codes (documented in docs/cli.md and `secgroups --help`). */
export const EXIT = {
  /** The command did what was asked. */
  ok: 0,
  /** The group or server named does not exist in the project, or the name is ambiguous. */
  notFound: 1,
  /** The answer is no: `can-reach` found the flow blocked, `preview-report` a new finding at `--fail-on`. */
  no: 1,
  /** Unknown command or flag, a missing or extra argument, a bad flag value, an invalid profile. */
  usage: 2,
  /** The backend URL is invalid, or the backend does not exist or cannot be reached. */
  backend: 3,
  /** Anything else: a bug; the message says what happened. */
  internal: 4,
} as const;

/** One of the exit codes. */
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** A usage mistake (SG_INVALID_INPUT, exit 2); the CLI prints the command's usage line after it. */
export class UsageError extends SecgroupsError {
  /** `usage: secgroups ...` of the command the mistake was made in, or of the whole CLI. */
  readonly usage: string;

  constructor(details: ErrorDetails, usage: string) {
    super("SG_INVALID_INPUT", details);
    this.usage = usage;
  }
}

/** The exit code an error ends the CLI with. */
export function exitCodeOf(err: unknown): ExitCode {
  if (err instanceof UsageError) return EXIT.usage;
  if (!(err instanceof SecgroupsError)) return EXIT.internal;
  switch (err.code) {
    case "SG_NOT_FOUND":
    case "SG_AMBIGUOUS_NAME":
      return EXIT.notFound;
    case "SG_PROFILE_INVALID":
    case "SG_INVALID_INPUT":
      return EXIT.usage;
    case "SG_BACKEND_INVALID":
    case "SG_BACKEND_UNAVAILABLE":
    case "SG_BACKEND_BUSY":
      return EXIT.backend;
    default:
      return EXIT.internal;
  }
}
