import { describe, expect, it } from "vitest";
import type { GroupRecord, RuleRecord, ServerRecord } from "../../provider/backends/types";
import {
  groupListTable,
  groupShowJson,
  groupShowRows,
  isoSeconds,
  keyValues,
  portRange,
  renderFieldTable,
  renderTable,
  ruleEntry,
  ruleListTable,
  serverListTable,
  serverShowRows,
  wrapLine,
} from "../../provider/cli/format";

/** Seed 001's group (shared/seeds/001: `openstack security group show allow-ssh-from-anywhere` after `rule create`). */
const SEED_GROUP: GroupRecord = {
  id: "1cab4a62-0fda-40d9-bac8-fd73275b472d",
  project: "b15cde70d85749689e08106f973bb002",
  name: "allow-ssh-from-anywhere",
  description: "Beispiel",
  stateful: true,
  tags: [],
  revisionNumber: 3,
  createdAt: "2017-12-08T12:01:42.000Z",
  updatedAt: "2017-12-08T12:02:15.000Z",
};

function seedRule(fields: Partial<RuleRecord> & Pick<RuleRecord, "id" | "direction" | "ethertype" | "createdAt">): RuleRecord {
  return {
    project: SEED_GROUP.project,
    securityGroupId: SEED_GROUP.id,
    protocol: null,
    portRangeMin: null,
    portRangeMax: null,
    remoteIpPrefix: null,
    remoteGroupId: null,
    remoteSubnetId: null,
    description: "",
    isDefault: true,
    updatedAt: fields.createdAt,
    ...fields,
  };
}

/** Seed 001's three rules, in the order the backend lists them (oldest first), not by id. */
const SEED_RULES: RuleRecord[] = [
  seedRule({ id: "fa90a1ee-d3b9-40d4-9bb5-89fdd5005c02", direction: "egress", ethertype: "IPv4", createdAt: "2017-12-08T12:01:42.000Z" }),
  seedRule({ id: "5a852e4b-1d79-4fe9-b359-64ca54c98501", direction: "egress", ethertype: "IPv6", createdAt: "2017-12-08T12:01:42.000Z" }),
  seedRule({
    id: "694a0573-b4c3-423c-847d-550f79e83f2b",
    direction: "ingress",
    ethertype: "IPv4",
    createdAt: "2017-12-08T12:02:15.000Z",
    protocol: "tcp",
    portRangeMin: 22,
    portRangeMax: 22,
    remoteIpPrefix: "0.0.0.0/0",
    isDefault: false,
  }),
];

/** The second table of seed 001, verbatim (169 columns wide). */
const SEED_001_SHOW = `+-----------------+-----------------------------------------------------------------------------------------------------------------------------------------------------+
| Field           | Value                                                                                                                                               |
+-----------------+-----------------------------------------------------------------------------------------------------------------------------------------------------+
| created_at      | 2017-12-08T12:01:42Z                                                                                                                                |
| description     | Beispiel                                                                                                                                            |
| id              | 1cab4a62-0fda-40d9-bac8-fd73275b472d                                                                                                                |
| name            | allow-ssh-from-anywhere                                                                                                                             |
| project_id      | b15cde70d85749689e08106f973bb002                                                                                                                    |
| revision_number | 3                                                                                                                                                   |
| rules           | created_at='2017-12-08T12:01:42Z', direction='egress', ethertype='IPv6', id='5a852e4b-1d79-4fe9-b359-64ca54c98501',                                 |
|                 | updated_at='2017-12-08T12:01:42Z'                                                                                                                   |
|                 | created_at='2017-12-08T12:02:15Z', direction='ingress', ethertype='IPv4', id='694a0573-b4c3-423c-847d-550f79e83f2b', port_range_max='22',           |
|                 | port_range_min='22', protocol='tcp', remote_ip_prefix='0.0.0.0/0', updated_at='2017-12-08T12:02:15Z'                                                |
|                 | created_at='2017-12-08T12:01:42Z', direction='egress', ethertype='IPv4', id='fa90a1ee-d3b9-40d4-9bb5-89fdd5005c02',                                 |
|                 | updated_at='2017-12-08T12:01:42Z'                                                                                                                   |
| updated_at      | 2017-12-08T12:02:15Z                                                                                                                                |
+-----------------+-----------------------------------------------------------------------------------------------------------------------------------------------------+`;

describe("group show table", () => {
  it("reproduces seed 001's `openstack security group show` table from the seed's values (the fields of the seed's CLI, 169 columns)", () => {
    const seedFields = groupShowRows(SEED_GROUP, SEED_RULES).filter(([field]) => field !== "stateful" && field !== "tags");
    expect(renderFieldTable(seedFields, 169)).toBe(SEED_001_SHOW);
  });

  it("shows stateful and tags in their alphabetical place, as today's openstack CLI does", () => {
    const rows = groupShowRows({ ...SEED_GROUP, stateful: false, tags: ["prod", "web"] }, SEED_RULES);
    expect(rows.map(([field]) => field)).toEqual([
      "created_at",
      "description",
      "id",
      "name",
      "project_id",
      "revision_number",
      "rules",
      "stateful",
      "tags",
      "updated_at",
    ]);
    expect(rows[7]).toEqual(["stateful", "False"]);
    expect(rows[8]).toEqual(["tags", "prod, web"]);
  });

  it("puts each rule on one line when nothing limits the width", () => {
    const rules = groupShowRows(SEED_GROUP, SEED_RULES)[6]![1];
    expect(rules.split("\n")).toEqual([
      "created_at='2017-12-08T12:01:42Z', direction='egress', ethertype='IPv6', id='5a852e4b-1d79-4fe9-b359-64ca54c98501', updated_at='2017-12-08T12:01:42Z'",
      "created_at='2017-12-08T12:02:15Z', direction='ingress', ethertype='IPv4', id='694a0573-b4c3-423c-847d-550f79e83f2b', port_range_max='22', port_range_min='22', protocol='tcp', remote_ip_prefix='0.0.0.0/0', updated_at='2017-12-08T12:02:15Z'",
      "created_at='2017-12-08T12:01:42Z', direction='egress', ethertype='IPv4', id='fa90a1ee-d3b9-40d4-9bb5-89fdd5005c02', updated_at='2017-12-08T12:01:42Z'",
    ]);
    const table = renderFieldTable(groupShowRows(SEED_GROUP, SEED_RULES), 0).split("\n");
    expect(table[0]).toBe(`+-----------------+${"-".repeat(240)}+`);
    expect(table.length).toBe(16); // 3 border and header lines, 9 one-line fields, 3 rule lines, the closing border
  });

  it("json: the group's fields and its rules sorted by id", () => {
    const json = groupShowJson(SEED_GROUP, SEED_RULES);
    expect(json.rules.map((r) => r.id)).toEqual([
      "5a852e4b-1d79-4fe9-b359-64ca54c98501",
      "694a0573-b4c3-423c-847d-550f79e83f2b",
      "fa90a1ee-d3b9-40d4-9bb5-89fdd5005c02",
    ]);
    expect({ ...json, rules: undefined }).toEqual({ ...SEED_GROUP, rules: undefined });
  });
});

describe("rule entries", () => {
  it("leaves out null and empty fields but keeps zero (ICMP echo reply is type 0, code 0)", () => {
    expect(keyValues({ b: "x", a: 0, c: null, d: "", e: undefined })).toBe("a='0', b='x'");
    const icmp = seedRule({
      id: "r1",
      direction: "ingress",
      ethertype: "IPv4",
      createdAt: "2026-01-02T03:04:05.678Z",
      protocol: "icmp",
      portRangeMin: 0,
      portRangeMax: 0,
      remoteGroupId: "g2",
      description: "pong",
      isDefault: false,
    });
    expect(ruleEntry(icmp)).toBe(
      "created_at='2026-01-02T03:04:05Z', description='pong', direction='ingress', ethertype='IPv4', id='r1', port_range_max='0', " +
        "port_range_min='0', protocol='icmp', remote_group_id='g2', updated_at='2026-01-02T03:04:05Z'",
    );
  });

  it("shows timestamps to the second", () => {
    expect(isoSeconds("2017-12-08T12:01:42.123Z")).toBe("2017-12-08T12:01:42Z");
    expect(isoSeconds("2017-12-08T12:01:42Z")).toBe("2017-12-08T12:01:42Z");
  });
});

describe("wrapping", () => {
  it("breaks after the last comma that fits, keeping the comma", () => {
    expect(wrapLine("a='1', b='2', c='3'", 13)).toEqual(["a='1', b='2',", "c='3'"]);
    expect(wrapLine("a='1', b='2', c='3'", 12)).toEqual(["a='1',", "b='2', c='3'"]);
    // A value with spaces stays whole when a comma before it allows: never `b='x y` / `z'`.
    expect(wrapLine("a='1', b='x y z'", 14)).toEqual(["a='1',", "b='x y z'"]);
  });

  it("falls back to the last space, then to a hard break", () => {
    expect(wrapLine("one two three", 8)).toEqual(["one two", "three"]);
    expect(wrapLine("abcdefghij", 4)).toEqual(["abcd", "efgh", "ij"]);
    expect(wrapLine("short", 0)).toEqual(["short"]);
  });

  it("never narrows a column below its longest word: ids stay whole and the table stays wider than asked", () => {
    const table = { headers: ["ID", "Name"], rows: [["1cab4a62-0fda-40d9-bac8-fd73275b472d", "web servers"]] };
    expect(renderTable(table, 20)).toBe(
      [
        "+--------------------------------------+---------+",
        "| ID                                   | Name    |",
        "+--------------------------------------+---------+",
        "| 1cab4a62-0fda-40d9-bac8-fd73275b472d | web     |",
        "|                                      | servers |",
        "+--------------------------------------+---------+",
      ].join("\n"),
    );
  });

  it("draws a table without rows with its header, as the openstack CLI does", () => {
    expect(renderTable(groupListTable([]))).toBe(
      [
        "+----+------+-------------+---------+------+",
        "| ID | Name | Description | Project | Tags |",
        "+----+------+-------------+---------+------+",
        "+----+------+-------------+---------+------+",
      ].join("\n"),
    );
  });
});

describe("list tables", () => {
  it("group list: ID | Name | Description | Project | Tags", () => {
    expect(renderTable(groupListTable([SEED_GROUP, { ...SEED_GROUP, id: "g2", name: "web", description: "", tags: ["a", "b"] }]))).toBe(
      [
        "+--------------------------------------+-------------------------+-------------+----------------------------------+------+",
        "| ID                                   | Name                    | Description | Project                          | Tags |",
        "+--------------------------------------+-------------------------+-------------+----------------------------------+------+",
        "| 1cab4a62-0fda-40d9-bac8-fd73275b472d | allow-ssh-from-anywhere | Beispiel    | b15cde70d85749689e08106f973bb002 |      |",
        "| g2                                   | web                     |             | b15cde70d85749689e08106f973bb002 | a, b |",
        "+--------------------------------------+-------------------------+-------------+----------------------------------+------+",
      ].join("\n"),
    );
  });

  it("rule list: openstack's columns; 0.0.0.0/0 or ::/0 for no remote, any for all protocols, 22:22 ports", () => {
    const rules = [
      ...SEED_RULES,
      seedRule({
        id: "r4",
        direction: "ingress",
        ethertype: "IPv6",
        createdAt: SEED_GROUP.createdAt,
        protocol: "ipv6-icmp",
        portRangeMin: 128,
        remoteGroupId: "g2",
      }),
      seedRule({
        id: "r5",
        direction: "ingress",
        ethertype: "IPv4",
        createdAt: SEED_GROUP.createdAt,
        protocol: "udp",
        portRangeMin: 1000,
        portRangeMax: 2000,
        remoteSubnetId: "s1",
      }),
    ];
    expect(renderTable(ruleListTable(rules))).toBe(
      [
        "+--------------------------------------+-------------+-----------+-----------+------------+-----------+-----------------------+--------------------------------------+",
        "| ID                                   | IP Protocol | Ethertype | IP Range  | Port Range | Direction | Remote Security Group | Security Group                       |",
        "+--------------------------------------+-------------+-----------+-----------+------------+-----------+-----------------------+--------------------------------------+",
        "| fa90a1ee-d3b9-40d4-9bb5-89fdd5005c02 | any         | IPv4      | 0.0.0.0/0 |            | egress    |                       | 1cab4a62-0fda-40d9-bac8-fd73275b472d |",
        "| 5a852e4b-1d79-4fe9-b359-64ca54c98501 | any         | IPv6      | ::/0      |            | egress    |                       | 1cab4a62-0fda-40d9-bac8-fd73275b472d |",
        "| 694a0573-b4c3-423c-847d-550f79e83f2b | tcp         | IPv4      | 0.0.0.0/0 | 22:22      | ingress   |                       | 1cab4a62-0fda-40d9-bac8-fd73275b472d |",
        "| r4                                   | ipv6-icmp   | IPv6      |           | type=128   | ingress   | g2                    | 1cab4a62-0fda-40d9-bac8-fd73275b472d |",
        "| r5                                   | udp         | IPv4      | subnet s1 | 1000:2000  | ingress   |                       | 1cab4a62-0fda-40d9-bac8-fd73275b472d |",
        "+--------------------------------------+-------------+-----------+-----------+------------+-----------+-----------------------+--------------------------------------+",
      ].join("\n"),
    );
  });

  it("port ranges as openstack shows them", () => {
    expect(portRange({ protocol: "tcp", portRangeMin: 22, portRangeMax: 22 })).toBe("22:22");
    expect(portRange({ protocol: "tcp", portRangeMin: null, portRangeMax: null })).toBe("");
    expect(portRange({ protocol: null, portRangeMin: null, portRangeMax: null })).toBe("");
    expect(portRange({ protocol: "icmp", portRangeMin: 3, portRangeMax: 1 })).toBe("type=3:code=1");
    expect(portRange({ protocol: "icmp", portRangeMin: 0, portRangeMax: null })).toBe("type=0");
    expect(portRange({ protocol: "icmp", portRangeMin: null, portRangeMax: null })).toBe("");
  });
});

const SERVER: ServerRecord = {
  id: "5f0b1c1e-0000-4000-8000-000000000001",
  project: "default",
  name: "web-1",
  status: "ACTIVE",
  activeAt: "2026-01-02T03:04:05.000Z",
  createdAt: "2026-01-02T03:04:05.100Z",
  updatedAt: "2026-01-02T03:04:06.900Z",
  ports: [
    { id: "p1", serverId: "s", networkId: "n1", networkName: "PublicNet", fixedIp: "10.0.0.5", securityGroupIds: ["g-web", "g-ssh"] },
    { id: "p2", serverId: "s", networkId: "n2", networkName: "ServiceNet", fixedIp: "10.1.0.5", securityGroupIds: ["g-ssh"] },
  ],
};
const NAMES = new Map([
  ["g-web", "web"],
  ["g-ssh", "ssh"],
]);

describe("servers", () => {
  it("server list: ID | Name | Status | Networks | Security Groups (names, each once)", () => {
    expect(renderTable(serverListTable([SERVER], NAMES))).toBe(
      [
        "+--------------------------------------+-------+--------+-----------------------------------------+-----------------+",
        "| ID                                   | Name  | Status | Networks                                | Security Groups |",
        "+--------------------------------------+-------+--------+-----------------------------------------+-----------------+",
        "| 5f0b1c1e-0000-4000-8000-000000000001 | web-1 | ACTIVE | PublicNet=10.0.0.5; ServiceNet=10.1.0.5 | ssh, web        |",
        "+--------------------------------------+-------+--------+-----------------------------------------+-----------------+",
      ].join("\n"),
    );
  });

  it("server show: openstack's fields we store, ports with their groups, security_groups one per line", () => {
    expect(renderFieldTable(serverShowRows(SERVER, NAMES))).toBe(
      [
        "+-----------------+-------------------------------------------------------------------------------+",
        "| Field           | Value                                                                         |",
        "+-----------------+-------------------------------------------------------------------------------+",
        "| addresses       | PublicNet=10.0.0.5; ServiceNet=10.1.0.5                                       |",
        "| created         | 2026-01-02T03:04:05Z                                                          |",
        "| id              | 5f0b1c1e-0000-4000-8000-000000000001                                          |",
        "| name            | web-1                                                                         |",
        "| ports           | fixed_ip='10.0.0.5', id='p1', network='PublicNet', security_groups='ssh, web' |",
        "|                 | fixed_ip='10.1.0.5', id='p2', network='ServiceNet', security_groups='ssh'     |",
        "| project_id      | default                                                                       |",
        "| security_groups | name='ssh'                                                                    |",
        "|                 | name='web'                                                                    |",
        "| status          | ACTIVE                                                                        |",
        "| updated         | 2026-01-02T03:04:06Z                                                          |",
        "+-----------------+-------------------------------------------------------------------------------+",
      ].join("\n"),
    );
  });
});
