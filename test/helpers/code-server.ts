import { accessSync, constants } from "node:fs";
import { homedir } from "node:os";
import path from "node:path";
import { defaultInstallDir, readPins } from "../../src/ide/code-server-bin.js";
import { packageRoot } from "../../src/paths.js";

/**
 * The real code-server the tests run: CODE_SERVER_BIN, else what scripts/install-code-server.sh installed for the
 * real HOME (test gateways get a temp HOME, so they are pointed at it explicitly). Missing is an error, not a skip.
 */
export function codeServerBin(): string {
  const bin =
    process.env.CODE_SERVER_BIN ?? path.join(defaultInstallDir(homedir(), readPins(packageRoot()).version), "bin", "code-server");
  try {
    accessSync(bin, constants.X_OK);
  } catch {
    throw new Error(`code-server is not installed at ${bin}: run scripts/install-code-server.sh (.ci/run does)`);
  }
  return bin;
}

/** The version pinned in package.json. */
export function pinnedVersion(): string {
  return readPins(packageRoot()).version;
}
