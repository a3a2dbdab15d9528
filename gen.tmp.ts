import { writeDump } from "./bench/scan";
writeDump("/tmp/bench-cluster.json").then((n) => console.log(n));
