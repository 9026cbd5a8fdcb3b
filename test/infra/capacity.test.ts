import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { CONTROLLER_ALLOWANCE, DATA_INSTANCE_ALLOWANCE, cpuMillicores, memoryMiB, workloadCapacity } from "../../infra/capacity";
import { parseEstateConfig } from "../../infra/config";
import { loadStackConfig } from "../../scripts/engine/stack-config";

const root = path.resolve(__dirname, "../..");

describe("workloadCapacity: what the nodes must hold with every autoscaler at its maximum", () => {
    it("reads Kubernetes quantities", () => {
        expect([cpuMillicores("250m"), cpuMillicores("1"), cpuMillicores("0.5"), cpuMillicores("1.25")]).toEqual([250, 1000, 500, 1250]);
        expect([memoryMiB("512Mi"), memoryMiB("2Gi"), memoryMiB("1536Ki"), memoryMiB("1Ti")]).toEqual([512, 2048, 2, 1048576]);
    });

    it("counts each app at replicas.max, the in-cluster databases, Prometheus and the controllers at the platform's replicas", () => {
        const spec = {
            services: {
                web: { replicas: { min: 3, max: 10 }, cpu: "500m", memory: "1Gi" },
                worker: { replicas: { min: 2, max: 5 }, cpu: "250m", memory: "512Mi" },
            },
            data: { postgres: { placement: "cluster", instances: 2 }, mongo: { placement: "managed", instances: 3 }, redis: { placement: "cluster", nodes: 3 } },
            monitoring: { prometheus: { cpu: "1", memory: "4Gi", replicas: 2 } },
            platform: { replicas: 2 },
        } as unknown as Parameters<typeof workloadCapacity>[0];
        expect(workloadCapacity(spec)).toEqual({
            cpuMillicores: 10 * 500 + 5 * 250 + 5 * DATA_INSTANCE_ALLOWANCE.cpuMillicores + 2 * 1000 + 2 * CONTROLLER_ALLOWANCE.cpuMillicores,
            memoryMiB: 10 * 1024 + 5 * 512 + 5 * DATA_INSTANCE_ALLOWANCE.memoryMiB + 2 * 4096 + 2 * CONTROLLER_ALLOWANCE.memoryMiB,
            pods: 10 + 5 + 5 + 2 + 2 * CONTROLLER_ALLOWANCE.pods,
        });
    });

    it("grows with an app's maximum: raising web's max by 10 adds 10 replicas' requests", () => {
        const { config, project } = loadStackConfig(root, "prod");
        const spec = parseEstateConfig(config, { project, stack: "prod" });
        const before = workloadCapacity(spec);
        const web = spec.services.web!;
        const after = workloadCapacity({ ...spec, services: { ...spec.services, web: { ...web, replicas: { ...web.replicas, max: web.replicas.max + 10 } } } });
        expect(after.cpuMillicores - before.cpuMillicores).toBe(10 * cpuMillicores(web.cpu));
        expect(after.memoryMiB - before.memoryMiB).toBe(10 * memoryMiB(web.memory));
        expect(after.pods - before.pods).toBe(10);
    });
});
