/**
 * The estate policy pack, as data: its name, default enforcement level and policies. Pure, so the
 * offline `check` and the tests import it; only `index.ts` turns it into a served `PolicyPack`.
 *
 * Enforcement per stack comes from `config/<stack>.json` (`all: advisory` in dev, `all: mandatory`
 * in prod), the same file for `pulumi preview --policy-pack-config` and for the offline `check`.
 */
import type { EnforcementLevel } from "@pulumi/policy";
import { kmsPolicies } from "./aws/kms";
import { s3Policies } from "./aws/s3";
import { k8sPolicies } from "./k8s";
import type { EstatePolicy } from "./lib/policy";

export const packName = "estate";

/** The level of a policy that the stack's config file does not set. */
export const packEnforcementLevel: EnforcementLevel = "advisory";

export const policies: EstatePolicy[] = [...s3Policies, ...kmsPolicies, ...k8sPolicies];
