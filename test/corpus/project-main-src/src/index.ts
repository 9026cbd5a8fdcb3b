// The program is src/index.ts (Pulumi.yaml `main: src/`), and its settings live under the project's
// own namespace, webshop:. With the stack file alone the database is private and compliant
// everywhere the program controls; `--config publicDatabase=true` (a bare key is the project's)
// opens it, and the check must then flag it.
import * as pulumi from "@pulumi/pulumi";
import { database } from "./database";

const config = new pulumi.Config();

const db = database("shop", {
    instanceClass: config.get("dbInstanceClass") ?? "db.t4g.small",
    publiclyAccessible: config.getBoolean("publicDatabase") ?? false,
    backupRetentionDays: config.getNumber("backupDays") ?? 7,
});

export const dbEndpoint = db.endpoint;
