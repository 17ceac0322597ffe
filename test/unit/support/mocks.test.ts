/** settled() waits for what was declared, however long its chain, not for a number of ticks. */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { declared, settled, useMocks } from "../../support/mocks";

before(() => useMocks());

/** A value that resolves only after `ticks` turns of the event loop: a chain slower than any fixed count. */
async function after<T>(ticks: number, value: T): Promise<T> {
  for (let i = 0; i < ticks; i++) await new Promise((resolve) => setImmediate(resolve));
  return value;
}

class Thing extends pulumi.CustomResource {
  constructor(name: string, props: pulumi.Inputs = {}) {
    super("test:index:Thing", name, props);
  }
}

const names = () => declared.filter((d) => d.type === "test:index:Thing").map((d) => d.name);

describe("settled", () => {
  it("waits for a resource whose input resolves late", async () => {
    new Thing("late", { value: after(200, "v") });
    await settled();
    assert.ok(names().includes("late"));
  });

  it("waits for resources declared in an apply, level after level", async () => {
    const first = new Thing("level-1", { value: after(30, "a") });
    const second = first.urn.apply((urn) => new Thing("level-2", { value: after(30, urn) }));
    second.apply((r) => r.urn.apply(() => new Thing("level-3")));
    await settled();
    assert.deepEqual(
      names().filter((n) => n.startsWith("level-")),
      ["level-1", "level-2", "level-3"],
    );
  });
});
