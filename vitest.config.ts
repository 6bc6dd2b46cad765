import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration tests spawn real PTYs, CLIs and code-server: two at a time suits a 2-core machine.
    maxWorkers: 2,
    fileParallelism: true,
    reporters: ["default"],
  },
});
