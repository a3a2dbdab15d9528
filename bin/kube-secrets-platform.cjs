#!/usr/bin/env node
// The package bin: runs the compiled dispatcher (dist/cli/main.js, `npm run build`) when present, else the
// TypeScript sources through tsx (a development checkout).
"use strict";
const { existsSync } = require("node:fs");
const { join } = require("node:path");
const built = join(__dirname, "..", "dist", "cli", "main.js");
if (existsSync(built)) {
  require(built);
} else {
  require("tsx/cjs");
  require(join(__dirname, "..", "cli", "main.ts"));
}
