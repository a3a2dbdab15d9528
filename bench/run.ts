/** `npm run bench`: runs every benchmark (never part of `npm test`; no timing assertions anywhere). */
import { runRbacBench } from "./rbac";

runRbacBench();
