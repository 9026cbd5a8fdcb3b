/**
 * A planned pod's container, materialized the way the kubelet does it on a node, for running the
 * real scripts with exactly what the plan gives them: the ConfigMaps through `envFrom`, each
 * `secretKeyRef`, and each Secret volume projected as files into a local directory that stands in
 * for its `mountPath` (a variable that names a file under a mount is pointed at the local copy;
 * nothing else is changed). `sync` rewrites a Secret's files, as the kubelet does when the Secret
 * changes (the External Secrets Operator rewriting it after a rotation).
 */
import * as fs from "node:fs";
import * as path from "node:path";

export interface PlannedContainer {
    envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
    env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[];
    volumeMounts?: { name: string; mountPath: string; readOnly?: boolean; subPath?: string }[];
}

export interface PlannedVolume {
    name: string;
    secret?: { secretName: string; items?: { key: string; path: string }[]; defaultMode?: number };
    emptyDir?: object;
}

export interface PlannedPod {
    containers: PlannedContainer[];
    volumes?: PlannedVolume[];
}

/** The Secrets and ConfigMaps of the namespace, by name, as key to value. */
export type Objects = Record<string, Record<string, string>>;

export class MaterializedContainer {
    /** The environment the process gets. */
    readonly env: Record<string, string>;
    /** Mount path in the pod to the local directory standing in for it (Secret volumes only). */
    readonly mounts: Record<string, string> = {};
    private readonly secretVolumes: { volume: PlannedVolume; dir: string }[] = [];

    constructor(pod: PlannedPod, containerIndex: number, configMaps: Objects, secrets: Objects, localRoot: string) {
        const container = pod.containers[containerIndex]!;
        for (const mount of container.volumeMounts ?? []) {
            const volume = (pod.volumes ?? []).find((v) => v.name === mount.name);
            if (!volume?.secret) {
                continue;
            }
            if (mount.subPath !== undefined) {
                throw new Error(`volume ${mount.name} is mounted with a subPath: the kubelet never updates such a file`);
            }
            const dir = path.join(localRoot, mount.name);
            fs.mkdirSync(dir, { recursive: true });
            this.mounts[mount.mountPath] = dir;
            this.secretVolumes.push({ volume, dir });
            this.project(volume, dir, secrets);
        }
        const env: Record<string, string> = {};
        for (const source of container.envFrom ?? []) {
            const from = source.configMapRef ? configMaps[source.configMapRef.name] : secrets[source.secretRef!.name];
            if (from === undefined) {
                throw new Error(`envFrom names ${JSON.stringify(source)}, which the plan does not have`);
            }
            Object.assign(env, from);
        }
        for (const variable of container.env ?? []) {
            const ref = variable.valueFrom?.secretKeyRef;
            env[variable.name] = ref ? secrets[ref.name]![ref.key]! : variable.value!;
        }
        // A variable naming a file under a mount names the local copy.
        for (const [name, value] of Object.entries(env)) {
            for (const [mountPath, dir] of Object.entries(this.mounts)) {
                if (value.startsWith(`${mountPath}/`)) {
                    env[name] = path.join(dir, value.slice(mountPath.length + 1));
                }
            }
        }
        this.env = env;
    }

    /** The Secrets changed (a rotation synced): the mounted files follow. */
    sync(secrets: Objects): void {
        for (const { volume, dir } of this.secretVolumes) {
            this.project(volume, dir, secrets);
        }
    }

    private project(volume: PlannedVolume, dir: string, secrets: Objects): void {
        const data = secrets[volume.secret!.secretName];
        if (data === undefined) {
            throw new Error(`volume ${volume.name} mounts Secret ${volume.secret!.secretName}, which does not exist (yet): the pod would not start`);
        }
        const items = volume.secret!.items ?? Object.keys(data).map((key) => ({ key, path: key }));
        for (const item of items) {
            if (data[item.key] === undefined) {
                throw new Error(`Secret ${volume.secret!.secretName} has no key ${item.key}`);
            }
            // Like the kubelet's atomic writer: the new content appears at once, never half-written.
            const file = path.join(dir, item.path);
            fs.writeFileSync(`${file}.tmp`, data[item.key]!, { mode: volume.secret!.defaultMode ?? 0o644 });
            fs.renameSync(`${file}.tmp`, file);
        }
    }
}

/**
 * What the External Secrets Operator writes into an ExternalSecret's target: each template key
 * rendered with the source's current properties. Only the forms the estate writes are supported:
 * `{{ .prop }}` and `{{ .prop | urlquery }}` (Go's url.QueryEscape).
 */
export function renderExternalSecret(template: Record<string, string>, properties: Record<string, string>): Record<string, string> {
    const queryEscape = (v: string) => encodeURIComponent(v).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`).replace(/%20/g, "+");
    return Object.fromEntries(
        Object.entries(template).map(([key, text]) => [
            key,
            text.replace(/\{\{ \.(\w+)( \| urlquery)? \}\}/g, (_, prop: string, escape?: string) => {
                if (properties[prop] === undefined) {
                    throw new Error(`the template reads .${prop}, which the source does not have (missingkey=error)`);
                }
                return escape ? queryEscape(properties[prop]) : properties[prop];
            }),
        ]),
    );
}
