// `config.require("domain")` with no dns-site:domain in Pulumi.dev.yaml: `pulumi up` stops with
// "Missing required configuration variable 'dns-site:domain'". The check must do the same, as a
// configuration error (exit 2) that names the key, not as a crash.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

const config = new pulumi.Config();
const domain = config.require("domain");
const ttl = config.getNumber("ttl") ?? 300;

const zone = new aws.route53.Zone("zone", { name: domain });
new aws.route53.Record("www", { zoneId: zone.zoneId, name: `www.${domain}`, type: "CNAME", ttl, records: [domain] });

export const nameServers = zone.nameServers;
