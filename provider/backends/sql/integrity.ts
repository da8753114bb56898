/**
 * What no change may leave behind in the SQL store, as queries: each yields one row per problem,
 * with its text in column `problem`.
 */
import type { Tx } from "./driver";

export const INTEGRITY_CHECKS: readonly string[] = [
  `SELECT 'rule ' || r.id || ' belongs to missing group ' || r.security_group_id AS problem
     FROM security_group_rules r LEFT JOIN security_groups g ON g.id = r.security_group_id WHERE g.id IS NULL`,
  `SELECT 'rule ' || r.id || ' names missing remote group ' || r.remote_group_id AS problem
     FROM security_group_rules r LEFT JOIN security_groups g ON g.id = r.remote_group_id
    WHERE r.remote_group_id IS NOT NULL AND g.id IS NULL`,
  `SELECT 'rule ' || r.id || ' has no duplicate key' AS problem FROM security_group_rules r WHERE r.rule_key IS NULL`,
  `SELECT 'group ' || r.security_group_id || ' holds ' || COUNT(*) || ' rules with key ' || r.rule_key AS problem
     FROM security_group_rules r GROUP BY r.security_group_id, r.rule_key HAVING COUNT(*) > 1`,
  `SELECT 'project ' || c.project || ' counts ' || c.rules || ' rules but holds ' || (SELECT COUNT(*) FROM security_group_rules r WHERE r.project = c.project) AS problem
     FROM project_rule_counts c WHERE c.rules <> (SELECT COUNT(*) FROM security_group_rules r WHERE r.project = c.project)`,
  `SELECT 'project ' || r.project || ' holds ' || COUNT(*) || ' rules but has no rule count' AS problem
     FROM security_group_rules r WHERE NOT EXISTS (SELECT 1 FROM project_rule_counts c WHERE c.project = r.project) GROUP BY r.project`,
  `SELECT 'port ' || p.id || ' belongs to missing server ' || p.server_id AS problem
     FROM ports p LEFT JOIN servers s ON s.id = p.server_id WHERE s.id IS NULL`,
  `SELECT 'port ' || p.id || ' is on missing network ' || p.network_id AS problem
     FROM ports p LEFT JOIN networks n ON n.project = p.project AND n.id = p.network_id WHERE n.id IS NULL`,
  `SELECT 'port ' || pg.port_id || ' carries missing group ' || pg.security_group_id AS problem
     FROM port_groups pg LEFT JOIN security_groups g ON g.id = pg.security_group_id WHERE g.id IS NULL`,
  `SELECT 'missing port ' || pg.port_id || ' carries group ' || pg.security_group_id AS problem
     FROM port_groups pg LEFT JOIN ports p ON p.id = pg.port_id WHERE p.id IS NULL`,
  `SELECT 'port ' || pg.port_id || ' carries group ' || pg.security_group_id || ' for missing attachment ' || pg.attachment_id AS problem
     FROM port_groups pg LEFT JOIN attachments a ON a.id = pg.attachment_id WHERE pg.attachment_id IS NOT NULL AND a.id IS NULL`,
  `SELECT 'attachment ' || a.id || ' is on no port' AS problem
     FROM attachments a WHERE NOT EXISTS (SELECT 1 FROM port_groups pg WHERE pg.attachment_id = a.id)`,
  `SELECT 'attachment ' || a.id || ' belongs to missing server ' || a.server_id AS problem
     FROM attachments a LEFT JOIN servers s ON s.id = a.server_id WHERE s.id IS NULL`,
];

/** Every problem the integrity queries find, in this transaction. */
export async function integrityProblems(tx: Tx): Promise<string[]> {
  const found: string[] = [];
  for (const sql of INTEGRITY_CHECKS) for (const row of await tx.all(sql)) found.push(String(row.problem));
  return found;
}
