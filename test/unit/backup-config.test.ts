import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config.js";

describe("backup settings", () => {
  const base = { HOME: "/home/u" };
  it("defaults: on, every 120 s, 200 MiB of HOME", () => {
    expect(loadConfig(base).backup).toEqual({ enabled: true, intervalSeconds: 120, homeMaxBytes: 200 * 1024 * 1024 });
  });
  it("reads BACKUP, BACKUP_INTERVAL_SECONDS and BACKUP_HOME_MAX_BYTES, refusing bad values by name", () => {
    expect(loadConfig({ ...base, BACKUP: "off", BACKUP_INTERVAL_SECONDS: "30", BACKUP_HOME_MAX_BYTES: "0" }).backup).toEqual({
      enabled: false,
      intervalSeconds: 30,
      homeMaxBytes: 0,
    });
    for (const [name, value] of [["BACKUP", "maybe"], ["BACKUP_INTERVAL_SECONDS", "1"], ["BACKUP_HOME_MAX_BYTES", "-5"]] as const) {
      expect(() => loadConfig({ ...base, [name]: value })).toThrow(ConfigError);
      expect(() => loadConfig({ ...base, [name]: value })).toThrow(name);
    }
  });
});
