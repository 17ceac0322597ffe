/** The Pulumi program: stack config → core → components → stack outputs. See program.ts. */
// First, before the program's modules load: the process-wide settings (program-runtime.ts).
import { tuneProgramRuntime } from "./program-runtime";
tuneProgramRuntime();
import { accessProgram, stackOutputsOf } from "./program";

export = async () => stackOutputsOf(await accessProgram());
