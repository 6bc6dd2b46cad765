import path from "node:path";
import { readJsonObject, writeFileAtomic } from "../atomic-file.js";

/** Longest model id accepted from the page or remembered. */
export const MAX_MODEL_ID = 200;
/** A model id as the agents send it: catalog.schema.name or a serving endpoint name. */
export const MODEL_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$/;

/**
 * The model the owner last chose in the page, per agent, in <STATE_DIR>/agents/model-choices.json, so a
 * new tab (and a restart) starts with it. Unreadable or hand-edited entries are ignored.
 */
export class ModelChoices {
  private readonly file: string;
  private readonly choices: Record<string, string> = {};

  constructor(stateDir: string) {
    this.file = path.join(stateDir, "agents", "model-choices.json");
    const saved = readJsonObject(this.file);
    for (const [agent, model] of Object.entries(saved)) {
      if (/^[a-z0-9][a-z0-9_-]{0,31}$/.test(agent) && typeof model === "string" && MODEL_ID.test(model)) this.choices[agent] = model;
    }
  }

  get(agent: string): string | undefined {
    return Object.hasOwn(this.choices, agent) ? this.choices[agent] : undefined;
  }

  /** Remembers a choice; a failed write only forgets it at the next restart. */
  set(agent: string, model: string): void {
    if (this.choices[agent] === model) return;
    this.choices[agent] = model;
    try {
      writeFileAtomic(this.file, JSON.stringify(this.choices, null, 2) + "\n");
    } catch {
      // The choice still holds for this run.
    }
  }
}

