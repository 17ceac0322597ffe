/** This repository's Pulumi program: the same one line a definitions repository's `index.ts` has (pulumi.ts). */
import { accessStack } from "./pulumi";
export = accessStack();
