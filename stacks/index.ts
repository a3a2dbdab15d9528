// Entry point Pulumi runs (`main: stacks/` in Pulumi.yaml). Exporting a function makes Pulumi call it and
// use its result as the stack outputs.
import { program } from "./program";

export = program;
