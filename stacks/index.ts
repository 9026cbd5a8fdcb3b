import type { Profile, ProfileName } from "../infra/schema";
import { dev } from "./dev";
import { prod } from "./prod";

/** The environment profiles, chosen per stack by `estate:profile`. */
export const profiles: Record<ProfileName, Profile> = { dev, prod };
