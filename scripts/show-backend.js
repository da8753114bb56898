// Prints the groups of one project and their rules, read straight from a state backend.
// Usage: node scripts/show-backend.js BACKEND_URL [PROJECT]
const path = require("node:path");
const { openBackend } = require(path.join(__dirname, "..", "dist", "provider", "backends"));

async function main() {
  const [url, project = "default"] = process.argv.slice(2);
  const backend = openBackend(url, process.cwd());
  try {
    for (const g of await backend.listGroups(project)) {
      console.log(`group ${g.name} (id ${g.id}) description=${JSON.stringify(g.description)} revision_number=${g.revisionNumber}`);
      for (const r of await backend.listRules(project, g.id)) {
        const ports = r.portRangeMin === null ? "any" : `${r.portRangeMin}-${r.portRangeMax}`;
        console.log(`  rule ${r.id} ${r.direction} ${r.ethertype} protocol=${r.protocol ?? "any"} ports=${ports} remote=${r.remoteIpPrefix ?? (r.remoteGroupId !== null ? `group ${r.remoteGroupId}` : r.remoteSubnetId !== null ? `subnet ${r.remoteSubnetId}` : "any")}`);
      }
    }
  } finally {
    await backend.close();
  }
}
main().catch((e) => { console.error(e.message); process.exit(1); });
