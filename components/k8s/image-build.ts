/**
 * Building an app's image from a build context and pushing it to a private ECR repository that
 * scans every push, never lets a tag move, and expires old images.
 */
import * as aws from "@pulumi/aws";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";

export interface ImageBuildSettings {
    /** The build context directory (relative to the working directory, i.e. the Pulumi project). */
    context: string;
    /** The Dockerfile, relative to `context`. */
    dockerfile: string;
    /** The target platform, such as `linux/amd64` or `linux/arm64` (Graviton nodes). */
    platform: string;
    /** How many images the repository keeps (untagged ones expire after a week regardless). */
    keepImages: number;
    /** Delete the repository with its images on `pulumi destroy`. */
    forceDelete: boolean;
    /** Build arguments (`docker build --build-arg`); they are part of the tag, so a change pushes a new tag. Default: none. */
    buildArgs?: Record<string, string>;
    /** AWS region of the repository; default the provider's. */
    region?: string;
    tags: Record<string, string>;
}

/** Directories that never belong in a build context's fingerprint. */
const IGNORED = new Set([".git", "node_modules"]);

/**
 * A fingerprint of the build context's files (paths and contents). It becomes the image tag, so a
 * tag is never pushed twice with different content: the repository's tags are immutable.
 */
export function contextDigest(dir: string): string {
    const hash = createHash("sha256");
    const walk = (relative: string) => {
        const entries = fs.readdirSync(path.join(dir, relative), { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
        for (const entry of entries) {
            if (IGNORED.has(entry.name)) {
                continue;
            }
            const file = path.join(relative, entry.name);
            if (entry.isDirectory()) {
                walk(file);
            } else if (entry.isFile()) {
                hash.update(`${file.split(path.sep).join("/")}\0`);
                hash.update(fs.readFileSync(path.join(dir, file)));
                hash.update("\0");
            }
        }
    };
    walk("");
    return hash.digest("hex");
}

/**
 * The digest an image's tag is made from: the build context's, and with build arguments those too
 * (sorted), because the same context built with another `PG_MAJOR` is another image and an
 * immutable tag must never be pushed twice. Without build arguments it is `contextDigest`.
 */
export function imageTagDigest(dir: string, buildArgs?: Record<string, string>): string {
    const context = contextDigest(dir);
    if (buildArgs === undefined || Object.keys(buildArgs).length === 0) {
        return context;
    }
    const args = Object.keys(buildArgs)
        .sort()
        .map((k) => `${k}=${buildArgs[k]}`)
        .join("\n");
    return createHash("sha256").update(`${context}\0${args}`).digest("hex");
}

/** The ECR lifecycle policy: untagged images expire after 7 days; only the newest `keep` images stay. */
export function lifecyclePolicy(keep: number): string {
    return JSON.stringify({
        rules: [
            {
                rulePriority: 1,
                description: "Expire untagged images after 7 days",
                selection: { tagStatus: "untagged", countType: "sinceImagePushed", countUnit: "days", countNumber: 7 },
                action: { type: "expire" },
            },
            {
                rulePriority: 2,
                description: `Keep the ${keep} most recent images`,
                selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: keep },
                action: { type: "expire" },
            },
        ],
    });
}

export interface BuiltImage {
    repository: aws.ecr.Repository;
    /** `<repository>@sha256:<digest>`: what the pods run. */
    reference: pulumi.Output<string>;
}

/** Creates `<name>-repository`, `<name>-repository-lifecycle` and `<name>-image` under `parent`. */
export function buildAndPush(name: string, settings: ImageBuildSettings, parent: pulumi.Resource): BuiltImage {
    const repository = new aws.ecr.Repository(
        `${name}-repository`,
        {
            imageTagMutability: "IMMUTABLE",
            imageScanningConfiguration: { scanOnPush: true },
            encryptionConfigurations: [{ encryptionType: "KMS" }],
            forceDelete: settings.forceDelete,
            region: settings.region,
            tags: settings.tags,
        },
        { parent },
    );
    new aws.ecr.LifecyclePolicy(
        `${name}-repository-lifecycle`,
        { repository: repository.name, policy: lifecyclePolicy(settings.keepImages), region: settings.region },
        { parent },
    );
    const token = aws.ecr.getAuthorizationTokenOutput({ registryId: repository.registryId, region: settings.region }, { parent });
    const tag = `ctx-${imageTagDigest(settings.context, settings.buildArgs).slice(0, 20)}`;
    const image = new docker.Image(
        `${name}-image`,
        {
            build: {
                context: settings.context,
                dockerfile: path.join(settings.context, settings.dockerfile),
                platform: settings.platform,
                ...(settings.buildArgs !== undefined ? { args: settings.buildArgs } : {}),
            },
            imageName: pulumi.interpolate`${repository.repositoryUrl}:${tag}`,
            registry: { server: repository.repositoryUrl, username: token.userName, password: pulumi.secret(token.password) },
        },
        { parent },
    );
    return { repository, reference: image.repoDigest };
}
