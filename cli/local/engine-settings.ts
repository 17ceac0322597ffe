/**
 * The engine settings the README tells users to run with (docs/performance.md, "The settings we recommend"), in one
 * place: `npm run local` applies them over the person's environment, the bench over its own.
 */
export interface EngineSettings {
  PULUMI_SKIP_CHECKPOINTS: string;
  PULUMI_DISABLE_CHECKPOINT_BACKUPS: string;
  GOGC: string;
}

/** The settings, where `env` does not set them already. */
export function engineSettings(env: Partial<Record<keyof EngineSettings, string>>): EngineSettings {
  return {
    // The state written once, at the end of the run, not after every step (each step rewrote the whole
    // checkpoint). Safe: a killed run's objects are adopted or rewritten as they are (test/e2e/faults.e2e.test.ts).
    PULUMI_SKIP_CHECKPOINTS: env.PULUMI_SKIP_CHECKPOINTS || "true",
    PULUMI_DISABLE_CHECKPOINT_BACKUPS: env.PULUMI_DISABLE_CHECKPOINT_BACKUPS || "true",
    // Less garbage collection in the engine and the plugins (Go): CPU for memory.
    GOGC: env.GOGC || "400",
  };
}
