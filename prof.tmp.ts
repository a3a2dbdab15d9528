import { readDumps } from "./inspect/dump";
import { scanCluster } from "./inspect/scan";
(async () => {
  const inv = await readDumps(["/tmp/bench-cluster.json"]);
  const t = Date.now();
  scanCluster(inv, { cluster: "b", input: { kind: "dump" }, exemptSubjects: [], now: new Date() });
  console.log("scan", Date.now() - t);
})();
