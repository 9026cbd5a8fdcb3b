/**
 * `ErrorTracking`: the estate's Sentry setup (`@pulumiverse/sentry`): a team, a project per app
 * owned by that team, and a client key per project whose rate limit keeps an error storm from
 * using up the organization's quota. Apps get their key's public DSN (`SENTRY_DSN`).
 */
import * as pulumi from "@pulumi/pulumi";
import * as sentry from "@pulumiverse/sentry";
import { ArgumentError } from "../lib/errors";

export interface ErrorTrackingArgs {
    /** The Sentry organization's slug. Required. */
    organization: string;
    /** The team's slug (it owns the projects). Required. */
    team: string;
    /** The apps, by name; each gets a project `<app>-<instance>`. Required (may be empty). */
    apps: string[];
    /** Distinguishes this estate's projects in a shared organization, such as the stack's name. Required. */
    instance: string;
    /** The projects' platform (node, python, ...). Default: `other`. */
    platform?: string;
    /** Events a client key may send per window (60 to 86400 s). Default: 1000 per 60 s. */
    rateLimit?: { count: number; windowSeconds: number };
    /** `protect` the projects (their issues and history). Default: `true`. */
    protect?: boolean;
}

const defaults = { platform: "other", rateLimit: { count: 1000, windowSeconds: 60 }, protect: true };

const TYPE = "estate:observability:ErrorTracking";
const SLUG = /^[a-z0-9][a-z0-9_-]{0,49}$/;

export class ErrorTracking extends pulumi.ComponentResource {
    /** The team's slug. */
    readonly team: pulumi.Output<string>;
    /** Each app's project slug. */
    readonly projects: Record<string, pulumi.Output<string>>;
    /** Each app's public DSN, as a secret: it lets anyone send events to the project. */
    readonly dsn: Record<string, pulumi.Output<string>>;

    constructor(name: string, args: ErrorTrackingArgs, opts?: pulumi.ComponentResourceOptions) {
        const component = `ErrorTracking ${JSON.stringify(name)}`;
        validateArgs(component, args);
        requireSentryProvider(component, opts);
        const a = { ...defaults, ...Object.fromEntries(Object.entries(args).filter(([, v]) => v !== undefined)) } as Required<ErrorTrackingArgs>;
        super(TYPE, name, {}, opts);

        const team = new sentry.SentryTeam(`${name}-team`, { organization: a.organization, name: a.team, slug: a.team }, { parent: this });
        this.projects = {};
        this.dsn = {};
        for (const app of a.apps) {
            const project = new sentry.SentryProject(
                `${name}-${app}`,
                { organization: a.organization, teams: [team.slug], name: `${app} (${a.instance})`, slug: `${app}-${a.instance}`, platform: a.platform },
                { parent: this, protect: a.protect },
            );
            const key = new sentry.SentryKey(
                `${name}-${app}-key`,
                {
                    organization: a.organization,
                    project: project.slug,
                    name: `${app} (estate)`,
                    rateLimitCount: a.rateLimit.count,
                    rateLimitWindow: a.rateLimit.windowSeconds,
                },
                { parent: this },
            );
            this.projects[app] = project.slug;
            this.dsn[app] = pulumi.secret(key.dsnPublic);
        }
        this.team = team.slug;
        this.registerOutputs({ team: this.team, projects: this.projects, dsn: this.dsn });
    }
}

function requireSentryProvider(component: string, opts: pulumi.ComponentResourceOptions | undefined): sentry.Provider {
    const providers = opts?.providers;
    const candidates: unknown[] = [opts?.provider, ...(Array.isArray(providers) ? providers : Object.values(providers ?? {}))];
    const found = candidates.find((p): p is sentry.Provider => sentry.Provider.isInstance(p));
    if (!found) {
        throw new ArgumentError(component, "opts.provider", "is required: a sentry Provider (the token from config or SENTRY_AUTH_TOKEN)");
    }
    return found;
}

function validateArgs(component: string, args: ErrorTrackingArgs): void {
    const fail = (argument: string, problem: string): never => {
        throw new ArgumentError(component, argument, problem);
    };
    for (const key of ["organization", "team", "instance"] as const) {
        if (typeof args[key] !== "string" || !SLUG.test(args[key])) {
            fail(key, `must be a slug (lower-case letters, digits, - and _) such as acme (got ${JSON.stringify(args[key])})`);
        }
    }
    for (const app of args.apps ?? []) {
        const slug = `${app}-${args.instance}`;
        if (!SLUG.test(slug)) {
            fail(`apps.${app}`, `gives the project slug ${JSON.stringify(slug)}, which is not a Sentry slug of at most 50 characters`);
        }
    }
    if (args.platform !== undefined && !SLUG.test(args.platform)) {
        fail("platform", `must be a Sentry platform such as node or python (got ${JSON.stringify(args.platform)})`);
    }
    const limit = args.rateLimit;
    if (limit !== undefined) {
        if (!Number.isSafeInteger(limit.count) || limit.count < 1) {
            fail("rateLimit.count", `must be a positive integer (got ${String(limit.count)})`);
        }
        if (!Number.isSafeInteger(limit.windowSeconds) || limit.windowSeconds < 60 || limit.windowSeconds > 86400) {
            fail("rateLimit.windowSeconds", `must be an integer from 60 to 86400 (got ${String(limit.windowSeconds)})`);
        }
    }
}
