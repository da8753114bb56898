/**
 * The split of N resources of bench/programs/ours (the program computes the same from `bench:n`;
 * it runs in a directory of its own and cannot import this): 15 % groups, 10 % servers, 15 %
 * attachments (at most one per group and server), the rest rules.
 */
export interface Mix {
  groups: number;
  servers: number;
  attachments: number;
  rules: number;
}

/** The split of `n`. */
export function mixOf(n: number): Mix {
  const groups = Math.max(1, Math.round(n * 0.15));
  const servers = Math.max(1, Math.round(n * 0.1));
  const attachments = Math.min(Math.round(n * 0.15), groups * servers);
  return { groups, servers, attachments, rules: n - groups - servers - attachments };
}
