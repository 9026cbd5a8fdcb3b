/**
 * An app's own Pulumi program that consumes the estate: it reads the estate stack's outputs
 * through a StackReference, typed by the outputs contract (`infra/contract.ts`; in another
 * repository, copy that file or publish it as a package), and
 *  - refuses an estate whose outputs version it does not know;
 *  - publishes the app's environment (database, cache, Sentry DSN, backup bucket) as one SSM
 *    SecureString, for the parts of the app that run outside the cluster (a Lambda, an ECS task,
 *    a CI job): the same values the app gets in the cluster from its Secret `<app>-env`. A password
 *    that rotates (a managed Postgres) is not among them: the parameter would be stale within days;
 *    such a part reads `databaseSecretArn` from Secrets Manager when it connects;
 *  - points the app's public host at the cluster's ingress (Route 53), when a zone is given.
 *
 *   pulumi config set estateStack acme/estate/prod
 *   pulumi config set app web
 *   pulumi up
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { checkOutputsVersion, type AppOutputs, type EstateOutputs } from "../../infra/contract";

export = async () => {
    const config = new pulumi.Config();
    const estateStack = config.require("estateStack");
    const appName = config.get("app") ?? "web";
    const zoneId = config.get("zoneId");

    const estate = new pulumi.StackReference("estate", { name: estateStack });

    /** An output of the estate, typed by the contract; requireOutput fails the update when it is missing. */
    function estateOutput<K extends keyof EstateOutputs>(key: K): pulumi.Output<EstateOutputs[K]> {
        return estate.requireOutput(key) as pulumi.Output<EstateOutputs[K]>;
    }

    // Checked before anything is created: a version this program does not know, or an app the estate
    // does not have, stops it with a message (RunError: no stack trace), and nothing is half-built.
    const version = await estate.getOutputDetails("outputsVersion");
    const check = checkOutputsVersion({ outputsVersion: version.value ?? version.secretValue });
    if (!check.ok) {
        throw new pulumi.RunError(`estate stack ${estateStack}: ${check.message}`);
    }
    const apps = await estate.getOutputDetails("apps");
    const appNames = Object.keys((apps.value ?? apps.secretValue ?? {}) as EstateOutputs["apps"]);
    if (!appNames.includes(appName)) {
        throw new pulumi.RunError(`estate stack ${estateStack} has no app ${JSON.stringify(appName)} (apps: ${appNames.join(", ")})`);
    }

    const app: pulumi.Output<AppOutputs> = estateOutput("apps").apply((all) => all[appName]!);

    // The whole environment in one parameter (SecureString, encrypted with the account's SSM key):
    // readers fetch one value, and it changes atomically.
    const environment = new aws.ssm.Parameter("environment", {
        name: `/${estateStack}/${appName}/env`,
        type: "SecureString",
        value: pulumi.secret(app.apply((a) => JSON.stringify(a.env))),
        description: `The estate's environment for ${appName} (${estateStack})`,
    });

    // DNS for the app's public host, at the cluster's ingress (a load balancer hostname: CNAME).
    const url = app.apply((a) => a.url);
    if (zoneId !== undefined) {
        const ingress = estateOutput("ingress");
        new aws.route53.Record("host", {
            zoneId,
            name: url.apply((u) => {
                if (!u) {
                    throw new Error(`app ${appName} of ${estateStack} has no public URL (a worker): unset zoneId`);
                }
                return new URL(u).hostname;
            }),
            type: "CNAME",
            ttl: 300,
            records: [
                ingress.apply((i) => {
                    if (!i.address) {
                        throw new Error(`estate stack ${estateStack}: the cluster's ingress has no load balancer address yet; run this stack again once it has one`);
                    }
                    return i.address;
                }),
            ],
        });
    }

    return {
        environmentParameter: environment.name,
        appUrl: url,
        grafanaUrl: estateOutput("grafana").apply((g) => g.url),
        databaseHost: app.apply((a) => a.database?.host),
        // The rotating master secret of a managed Postgres ({"username","password"}): read it at run time.
        databaseSecretArn: app.apply((a) => (a.database && "rotating" in a.database ? a.database.rotating.secretArn : undefined)),
    };
};
