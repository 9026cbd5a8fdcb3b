/**
 * The example stacks watch the databases they run in the cluster: a PodMonitor per exporter, in
 * the database's namespace, selecting the pods the component names, and one PrometheusRule per
 * database. A stack whose databases are managed gets none of them.
 */
import * as fs from "node:fs";
import { describe, expect, it } from "vitest";
import { CNPG_METRICS_PORT, MONGO_EXPORTER_PORT, REDIS_EXPORTER_PORT } from "../../components/data";
import { cloudnativePg } from "../../components/observability/exporters/cloudnative-pg";
import { mongodb } from "../../components/observability/exporters/mongodb";
import { redis } from "../../components/observability/exporters/redis";
import { plainInputs } from "../../scripts/engine/mock-engine";
import { plannedStack, root } from "../helpers/plans";

const stacks = fs.readdirSync(root).flatMap((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1] ?? []);

/** The members' labels ClusterMongo "mongo" sets (its `servingPodLabels`). */
const MONGO_MEMBER_LABELS = { "app.kubernetes.io/part-of": "estate", "app.kubernetes.io/managed-by": "pulumi", "app.kubernetes.io/component": "mongodb", "app.kubernetes.io/instance": "mongo" };

const DATABASES = [
    { component: "estate:data:ClusterPostgres", group: "estate-postgres", catalogue: cloudnativePg, podMonitor: { name: "postgres", port: CNPG_METRICS_PORT.name, selector: { "cnpg.io/cluster": "postgres" } } },
    { component: "estate:data:ClusterRedis", group: "estate-redis", catalogue: redis, podMonitor: { name: "redis", port: REDIS_EXPORTER_PORT.name, selector: { release: "redis", app: "redis-ha" } } },
    { component: "estate:data:ClusterMongo", group: "estate-mongo", catalogue: mongodb, podMonitor: { name: "mongo", port: MONGO_EXPORTER_PORT.name, selector: MONGO_MEMBER_LABELS } },
] as const;

interface PodMonitorInputs {
    metadata: { name: string; namespace: string };
    spec: { selector: { matchLabels: Record<string, string> }; podMetricsEndpoints: { port: string; path: string }[] };
}

describe.each(stacks)("stack %s", (stack) => {
    it("scrapes and alerts on every database it runs in the cluster, and on no other", async () => {
        const run = await plannedStack(stack);
        const has = (type: string) => run.resources.some((r) => r.type === type);
        const podMonitors = run.resources.filter((r) => r.type === "kubernetes:monitoring.coreos.com/v1:PodMonitor").map((r) => plainInputs(r) as unknown as PodMonitorInputs);
        const rules = run.resources
            .filter((r) => r.type === "kubernetes:monitoring.coreos.com/v1:PrometheusRule")
            .map((r) => String((plainInputs(r).metadata as { name: string }).name));
        const planned = run.resources.map((r) => ({ type: r.type, name: r.name, inputs: plainInputs(r) }));
        for (const db of DATABASES) {
            const inCluster = has(db.component);
            expect(db.catalogue.scrapedIn(planned), `${db.catalogue.name} scraped`).toBe(inCluster);
            expect(rules.includes(db.group), `${db.group} (${db.component} ${inCluster ? "planned" : "not planned"})`).toBe(inCluster);
            const monitor = podMonitors.find((m) => m.metadata.name === db.podMonitor.name);
            expect(monitor !== undefined, `PodMonitor ${db.podMonitor.name}`).toBe(inCluster);
            if (monitor) {
                expect(monitor.metadata.namespace).toBe("data");
                expect(monitor.spec.selector.matchLabels).toEqual(db.podMonitor.selector);
                expect(monitor.spec.podMetricsEndpoints).toEqual([expect.objectContaining({ port: db.podMonitor.port, path: "/metrics" })]);
            }
        }
    });
});
