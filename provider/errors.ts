import { showValue, visibleText } from "./text";

export { showValue };

/** Stable error codes. Each is part of the public contract: tests and users match on them. */
export type ErrorCode =
  | "SG_INVALID_INPUT"
  | "SG_NAME_TAKEN"
  | "SG_NOT_FOUND"
  | "SG_AMBIGUOUS_NAME"
  | "SG_GROUP_NOT_FOUND"
  | "SG_RULE_EXISTS"
  | "SG_QUOTA_EXCEEDED"
  | "SG_IN_USE"
  | "SG_SERVER_NOT_FOUND"
  | "SG_SERVER_NOT_ACTIVE"
  | "SG_NETWORK_NOT_FOUND"
  | "SG_NETWORK_NOT_ATTACHABLE"
  | "SG_LIMIT_GROUPS_PER_PORT"
  | "SG_MIN_GROUPS"
  | "SG_STATEFUL_MIX"
  | "SG_ATTACH_AT_BOOT"
  | "SG_NO_ADDRESSES"
  | "SG_ALREADY_ATTACHED"
  | "SG_IMPORT_MISMATCH"
  | "SG_PROFILE_INVALID"
  | "SG_BACKEND_INVALID"
  | "SG_BACKEND_UNAVAILABLE"
  | "SG_BACKEND_BUSY";

/** The parts every user-facing error is made of: what, where, the value, what is allowed, how to fix it. */
export interface ErrorDetails {
  /** The input property the error is about, as a path (`name`, `tags[2]`), or "" when none. */
  property: string;
  /**
   * The property is the problem's subject: the message starts with it (`portRangeMin is greater
   * than portRangeMax 80 (got 90)`) instead of naming it in parentheses.
   */
  subject?: boolean;
  /** What was wrong, in a sentence. */
  problem: string;
  /** The value received, if there is one to show. */
  value?: unknown;
  /** What would have been accepted. */
  allowed?: string;
  /** How to fix it. */
  fix?: string;
}

/**
 * Formats details as `problem (property P, got V); allowed: A; fix: F`, or with the property as
 * the subject `P problem (got V); allowed: A; fix: F`: the value bounded (`showValue`), and every
 * control character of the text (a name in the problem) shown escaped. Every error and check
 * failure is rendered here.
 */
export function formatDetails(d: ErrorDetails): string {
  const where: string[] = [];
  if (d.property && !d.subject) where.push(`property ${d.property}`);
  if ("value" in d) where.push(`got ${showValue(d.value)}`);
  let text = d.subject && d.property ? `${d.property} ${d.problem}` : d.problem;
  if (where.length) text += ` (${where.join(", ")})`;
  if (d.allowed) text += `; allowed: ${d.allowed}`;
  if (d.fix) text += `; fix: ${d.fix}`;
  return visibleText(text);
}

/**
 * An error a user can act on: `CODE: problem (property P, got V); allowed: A; fix: F`.
 * It carries no stack: the dynamic provider prints `${e}: ${e.stack}` for some calls, and a user
 * must never see our internals there.
 */
export class SecgroupsError extends Error {
  readonly code: ErrorCode;
  readonly details: ErrorDetails;

  constructor(code: ErrorCode, details: ErrorDetails) {
    super(`${code}: ${formatDetails(details)}`);
    this.name = "SecgroupsError";
    this.code = code;
    this.details = details;
    Object.defineProperty(this, "stack", { value: "", enumerable: false, writable: true });
  }

  override toString(): string {
    return this.message;
  }
}

/** A check failure as the Pulumi engine takes it: the property, and `CODE: details` as the reason. */
export interface CheckFailure {
  property: string;
  reason: string;
}

/**
 * A refusal as a check failure: its message, rendered as every error is, under `property` (by
 * default the property the error names).
 */
export function failureOf(err: SecgroupsError, property: string = err.details.property): CheckFailure {
  return { property, reason: err.message };
}

/** A check failure made from its details, as every check builds one. */
export function checkFailure(code: ErrorCode, details: ErrorDetails, property?: string): CheckFailure {
  return failureOf(new SecgroupsError(code, details), property);
}

/** Turns an unknown thrown value into a message for the engine, never a stack trace. */
export function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
