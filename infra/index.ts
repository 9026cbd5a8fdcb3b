/**
 * The program `pulumi up` runs (Pulumi.yaml `main: infra/`), and the one the offline `plan` and
 * `check` run under the mock engine. Config is validated in full before any resource exists.
 */
import { loadEstateSpec } from "./config";
import { buildEstate } from "./estate";
import { estateOutputs } from "./outputs";

const spec = loadEstateSpec();
const estate = buildEstate(spec);

export = estateOutputs(estate);
