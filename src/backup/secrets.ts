/**
 * The last check before any byte leaves for the workspace: nothing that looks like a Databricks personal
 * access token (dapi + 32 hex), nor any secret the gateway holds right now (the owner's token, the model
 * proxy's local key), in any piece, file or archive the backup uploads.
 */
const PAT = /dapi[0-9a-f]{32}/;

/** What the scanner is told to look for besides the PAT pattern: the live token and keys. */
export type SecretList = () => readonly (string | undefined)[];

/** Why `data` must not be uploaded, or undefined when it is clean. Never returns the secret itself. */
export function secretIn(data: Buffer, secrets: SecretList = () => []): string | undefined {
  // latin1 maps every byte to one character, so a byte pattern is found wherever it is, binary or text.
  const text = data.toString("latin1");
  if (PAT.test(text)) return "holds what looks like a Databricks personal access token";
  for (const secret of secrets()) {
    if (secret && secret.length >= 8 && text.includes(secret)) return "holds one of the gateway's live secrets";
  }
  return undefined;
}

/** Thrown when a piece about to be uploaded holds a secret: the save stops and nothing of it is uploaded. */
export class SecretRefused extends Error {}
