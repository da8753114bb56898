/**
 * `secgroups preview-report`: reads the output of `pulumi preview --json`, applies its steps to the
 * backend's current state to get the planned state, and reports what the change opens and closes.
 *
 * What the preview JSON holds (Pulumi 3.x): `steps[]` with `op` (create, update, delete, replace,
 * same), `urn`, `oldState` (`id`, `inputs`, `outputs`) and `newState` (`inputs` after check,
 * `propertyDependencies`, `parent`; no id, no outputs). Unchanged resources are left out unless
 * `--show-sames` is given, so the state before the change comes from the backend, not the file.
 * A value not known until apply is the string UNKNOWN; a reference to a resource this preview
 * creates is followed through `propertyDependencies` to that resource, and anything else unknown is
 * reported as "known after apply", never guessed.
 */
import type { ExposureDiff, PortChange } from "../domain/exposureDiff";
import { ruleLabel, trafficText } from "../domain/exposure";
import { portLabel, type Severity } from "../domain/findings";
import { resourceTypeOf, withInlineRuleSteps, type PlannedState, type Preview, type PreviewStep } from "../domain/plan";
import { SecgroupsError } from "../errors";
import { severityCounts } from "../domain/exposureReport";
import { mdTable, findingsTable } from "./exposureFormat";
import { markdownText } from "../text";

function invalid(file: string, problem: string): SecgroupsError {
  return new SecgroupsError("SG_INVALID_INPUT", {
    property: "FILE",
    problem,
    value: file,
    allowed: "the JSON that `pulumi preview --json` prints",
    fix: "run `pulumi preview --json > preview.json` and pass that file",
  });
}

const object = (v: unknown): Record<string, unknown> => (v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {});

/** Parses `text` (the preview's JSON); SG_INVALID_INPUT naming `file` when it is not a preview. */
export function parsePreview(text: string, file: string): Preview {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw invalid(file, `the preview file is not JSON (${(err as Error).message})`);
  }
  const top = object(data);
  if (!Array.isArray(top.steps)) throw invalid(file, "the preview file has no steps array: it is not the output of `pulumi preview --json`");
  const steps: PreviewStep[] = [];
  let otherSteps = 0;
  for (const raw of top.steps) {
    const s = object(raw);
    const oldState = object(s.oldState);
    const newState = object(s.newState);
    const token = String(newState.type ?? oldState.type ?? "");
    const type = resourceTypeOf(token);
    const op = String(s.op);
    if (!type || !["create", "update", "delete", "replace", "same"].includes(op)) {
      if (op !== "same") otherSteps++;
      continue;
    }
    const urn = String(s.urn);
    const deps: Record<string, string[]> = {};
    for (const [k, v] of Object.entries(object(newState.propertyDependencies))) if (Array.isArray(v)) deps[k] = v.map(String);
    steps.push({
      op: op as PreviewStep["op"],
      urn,
      type,
      name: urn.slice(urn.lastIndexOf("::") + 2),
      ...(typeof oldState.id === "string" ? { oldId: oldState.id } : {}),
      oldInputs: object(oldState.inputs),
      oldOutputs: object(oldState.outputs),
      newInputs: object(newState.inputs),
      dependencies: deps,
    });
  }
  const errors = (Array.isArray(top.diagnostics) ? top.diagnostics : [])
    .map(object)
    .filter((d) => d.severity === "error")
    .map((d) => String(d.message).trim());
  return { steps: withInlineRuleSteps(steps), errors, otherSteps };
}

const OP_SIGN: Record<PreviewStep["op"], string> = {
  create: "+ create",
  update: "~ update",
  delete: "- delete",
  replace: "+- replace",
  same: "same",
};

/** One line per kind of traffic opened or closed, naming every rule behind it. */
function changeLines(port: PortChange): string[] {
  const lines = (verb: string, changes: PortChange["opened"]) => {
    const merged = new Map<string, string[]>();
    for (const c of changes) {
      const what = `${c.direction} ${trafficText(c.direction, c.family, c.traffic, c.remote)}`;
      merged.set(what, [...(merged.get(what) ?? []), ruleLabel(c)]);
    }
    return [...merged].map(([what, rules]) => `- ${verb} ${markdownText(what)} (${markdownText(rules.join("; "))})`);
  };
  return [...lines("**opens**", port.opened), ...lines("closes", port.closed)];
}

function verdict(failOn: Severity | undefined, failing: number): string {
  if (failOn === undefined) return "";
  return failing
    ? `**--fail-on ${failOn}: fails** (${failing} new finding${failing > 1 ? "s" : ""} at ${failOn} or worse)`
    : `--fail-on ${failOn}: passes`;
}

/** The Markdown report for a pull-request comment. */
export function previewReportMarkdown(
  preview: Preview,
  planned: PlannedState,
  diff: ExposureDiff,
  failOn: Severity | undefined,
  failing: number,
): string {
  const out = ["## Security groups: what this change opens and closes", ""];
  out.push(
    `${planned.changes.length} change${planned.changes.length === 1 ? "" : "s"} to security groups, rules, servers and attachments; ` +
      `new findings: ${severityCounts(diff.newFindings)}; resolved: ${severityCounts(diff.resolvedFindings)}.${failOn ? ` ${verdict(failOn, failing)}.` : ""}`,
  );
  if (preview.errors.length) {
    out.push(
      "",
      "**The preview failed**, so this report covers only what it planned before the error:",
      "",
      ...preview.errors.map((e) => `- ${markdownText(e.split("\n")[0]!)}`),
    );
  }
  out.push("", "### Changes", "");
  out.push(
    planned.changes.length
      ? mdTable({ headers: ["Op", "Type", "Name", "Detail"], rows: planned.changes.map((c) => [OP_SIGN[c.op], c.type, c.name, c.detail]) })
      : "None.",
  );
  out.push("", "### Opened and closed, per server port", "");
  if (!diff.ports.length) out.push("Nothing: every port allows exactly what it allowed before.", "");
  for (const p of diff.ports) {
    const status = p.status === "added" ? " (new port)" : p.status === "removed" ? " (removed)" : "";
    out.push(`**${markdownText(portLabel(p))}**${status}`, "", ...changeLines(p), "");
  }
  out.push("### New findings", "");
  out.push(diff.newFindings.length ? mdTable(findingsTable(diff.newFindings)) : "None.");
  if (diff.resolvedFindings.length) out.push("", "### Findings this change resolves", "", mdTable(findingsTable(diff.resolvedFindings)));
  if (planned.refused.length) {
    out.push(
      "",
      "### Refused by the cloud",
      "",
      "Applying this preview would fail here (the cloud's rules, decided on the planned state):",
      "",
      ...planned.refused.map((r) => `- ${markdownText(r)}`),
    );
  }
  if (planned.knownAfterApply.length) out.push("", "### Known after apply", "", ...planned.knownAfterApply.map((k) => `- ${markdownText(k)}`));
  out.push("", "_Security groups only: routing and floating IPs are not modelled. Fixed IPs of new servers are known after apply._");
  return out.join("\n").replace(/\n{3,}/g, "\n\n");
}

/** `secgroups preview-report --format json`. */
export function previewReportJson(preview: Preview, planned: PlannedState, diff: ExposureDiff, failOn: Severity | undefined, failing: number) {
  return {
    errors: preview.errors,
    changes: planned.changes,
    ports: diff.ports.map((p) => ({
      server: p.serverName,
      network: p.networkName,
      fixedIp: p.fixedIp,
      status: p.status,
      opened: p.opened.map(({ addresses: _a, ...c }) => c),
      closed: p.closed.map(({ addresses: _a, ...c }) => c),
    })),
    newFindings: diff.newFindings,
    resolvedFindings: diff.resolvedFindings,
    knownAfterApply: planned.knownAfterApply,
    ...(planned.refused.length ? { refused: planned.refused } : {}),
    ...(failOn ? { failOn, failing } : {}),
  };
}
