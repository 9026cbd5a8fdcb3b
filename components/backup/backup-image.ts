/**
 * The image of the backup and restore-drill CronJobs, built from `scripts/backup/Dockerfile` with
 * `@pulumi/docker` and pushed to a private ECR repository: where the build context is, the build
 * arguments that pin the database clients to the engine versions of the stack, and `BackupImage`,
 * the one component that builds it (one image per estate, shared by every database's jobs).
 */
import * as pulumi from "@pulumi/pulumi";
import { buildAndPush } from "../k8s/image-build";
import { ArgChecker, withoutUndefined } from "../lib/args";

/** The Docker build context, relative to the project root; the Dockerfile lives in it. */
export const BACKUP_IMAGE_CONTEXT = "scripts/backup";

/** The engine versions the image must serve (`estate:data.<engine>.version`). */
export interface BackupImageEngines {
    /** The PostgreSQL major the client tools must match (`PG_MAJOR`). */
    postgres?: { version: string };
}

/**
 * Build arguments for the Dockerfile: `PG_MAJOR` follows the configured PostgreSQL major, so
 * pg_dump is never older than the server (pg_dump refuses to dump a newer major). Redis 6.2/7.0
 * RDBs load in Debian 12's Redis 7.0 (the default), and MongoDB's tools cover every server
 * version, so neither depends on the config.
 */
export function backupImageBuildArgs(engines: BackupImageEngines): Record<string, string> {
    const args: Record<string, string> = {};
    if (engines.postgres) {
        args.PG_MAJOR = engines.postgres.version;
    }
    return args;
}

export interface BackupImageArgs {
    /** The engine versions the image serves: `PG_MAJOR` follows `postgres.version` (`backupImageBuildArgs`). Default: none (the Dockerfile's defaults). */
    engines?: BackupImageEngines;
    /** The build context, relative to the project root (the working directory of `pulumi up`). Default: `BACKUP_IMAGE_CONTEXT` (`scripts/backup`). */
    context?: string;
    /** The target platform of the nodes that run the jobs: `linux/amd64` or `linux/arm64` (Graviton). Default: `linux/amd64`. */
    platform?: string;
    /** How many images the repository keeps (untagged ones expire after a week regardless), 5 to 1000. Default: 10. */
    keepImages?: number;
    /** Delete the repository with its images on `pulumi destroy` (throwaway stacks only). Default: `false`. */
    forceDelete?: boolean;
    /** AWS region of the repository. Default: the provider's. */
    region?: string;
    /** Tags of the repository. Default: none. */
    tags?: Record<string, string>;
}

const defaults = {
    engines: {} as BackupImageEngines,
    context: BACKUP_IMAGE_CONTEXT,
    platform: "linux/amd64",
    keepImages: 10,
    forceDelete: false,
    tags: {} as Record<string, string>,
} satisfies Partial<BackupImageArgs>;

const TYPE = "estate:backup:BackupImage";

/**
 * The backup image in a private ECR repository (KMS-encrypted, immutable tags, scan on push, old
 * images expired), pushed with the registry's authorization token. Its tag is a digest of the
 * build context and the build arguments, so a new PostgreSQL major or a changed script pushes a new
 * tag and the CronJobs roll to it. In a preview the digest is unknown until the image is built.
 */
export class BackupImage extends pulumi.ComponentResource {
    /** `<repository>@sha256:<digest>`: what the CronJobs run. */
    readonly reference: pulumi.Output<string>;
    /** The ECR repository's URL (`<account>.dkr.ecr.<region>.amazonaws.com/<name>`). */
    readonly repositoryUrl: pulumi.Output<string>;
    /** The build arguments the image was built with. */
    readonly buildArgs: Record<string, string>;

    constructor(name: string, args: BackupImageArgs = {}, opts?: pulumi.ComponentResourceOptions) {
        const check = new ArgChecker(`BackupImage "${name}"`);
        check.matches("platform", args.platform, /^linux\/(amd64|arm64)$/, "linux/amd64 or linux/arm64");
        check.int("keepImages", args.keepImages, 5, 1000);
        check.matches("engines.postgres.version", args.engines?.postgres?.version, /^1[4-7]$/, "a PostgreSQL major from 14 to 17");
        const a = { ...defaults, ...withoutUndefined(args) };
        super(TYPE, name, {}, opts);

        this.buildArgs = backupImageBuildArgs(a.engines);
        const built = buildAndPush(
            name,
            {
                context: a.context,
                dockerfile: "Dockerfile",
                platform: a.platform,
                keepImages: a.keepImages,
                forceDelete: a.forceDelete,
                buildArgs: this.buildArgs,
                region: a.region,
                tags: a.tags,
            },
            this,
        );
        this.reference = built.reference;
        this.repositoryUrl = built.repository.repositoryUrl;
        this.registerOutputs({ reference: this.reference, repositoryUrl: this.repositoryUrl });
    }
}
