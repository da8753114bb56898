// The baseline: N `pulumi.dynamic.Resource`s (stack config `bench:n`) whose provider's create
// returns an id and the inputs, nothing else (no check, no diff: the engine's defaults).
import * as pulumi from "@pulumi/pulumi";

const n = new pulumi.Config("bench").requireNumber("n");

const noopProvider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: any) {
    return { id: `noop-${inputs.index}`, outs: inputs };
  },
};

/** A dynamic resource that does nothing. */
class Noop extends pulumi.dynamic.Resource {
  constructor(name: string, props: { index: number; description: string }) {
    super(noopProvider, name, props, undefined, "bench", "Noop");
  }
}

for (let i = 0; i < n; i++) new Noop(`noop${i}`, { index: i, description: `bench no-op ${i}` });

export const counts = { noop: n };
