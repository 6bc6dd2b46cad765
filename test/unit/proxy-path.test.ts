import { describe, expect, it } from "vitest";
import { refusedModelPath } from "../../src/models/proxy-path.js";

describe("the model proxy's path check", () => {
  it("passes each wire format's own shapes", () => {
    for (const [format, path] of [
      ["anthropic", "/anthropic/v1/messages?beta=true"],
      ["anthropic", "/anthropic/v1/messages/count_tokens"],
      ["openai", "/openai/responses"],
      ["openai", "/openai/v1/responses"],
      ["openai", "/openai/v1/chat/completions"],
      ["gemini", "/gemini/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse&key=k"],
      ["gemini", "/gemini/v1beta/models/my-endpoint:countTokens"],
      ["mlflow", "/mlflow/v1/chat/completions"],
    ]) {
      expect(refusedModelPath(format!, path!), path).toBeUndefined();
    }
  });

  it("refuses encoded separators, dot segments and other APIs' paths", () => {
    for (const [format, path] of [
      ["openai", "/openai/%2e%2e/%2e%2e/api/2.0/token/create"],
      ["openai", "/openai/%2E%2E/api"],
      ["anthropic", "/anthropic/v1/messages%2f..%2f..%2fapi"],
      ["gemini", "/gemini/v1beta/models/x%5c..%5capi"],
      ["gemini", "/gemini/../api/2.0/token/create"],
      ["openai", "/openai/./responses"],
      ["openai", "/openai//responses"],
      ["openai", "/openai/responses\\..\\x"],
      ["anthropic", "/anthropic/api/2.0/token/create"],
      ["openai", "/openai/api/2.0/workspace/export"],
      ["gemini", "/gemini/x"],
      ["mlflow", "/mlflow/%2e%2e/api"],
      ["mlflow", "/mlflow/a/../b"],
    ]) {
      expect(refusedModelPath(format!, path!), path).toBeDefined();
    }
  });
});
